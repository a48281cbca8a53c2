"""`python -m desktop_app`: the same `medialens` command as the console script."""

import sys

from desktop_app.launcher import main

sys.exit(main())
