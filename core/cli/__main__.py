"""`python -m core.cli`: the headless subcommands alone (no window to open; `medialens` is the full command)."""

import sys

from core.cli import main

sys.exit(main())
