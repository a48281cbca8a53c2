"""Entry point of the packaged application: the same `medialens` command as the console script."""

import sys

from desktop_app.launcher import main

if __name__ == "__main__":
    sys.exit(main())
