"""The `medialens` console entry point: no command opens the window, a subcommand runs headless.

Every command line is parsed by `core.cli` (one parser, one `--help`); this module
only adds the window, so `core` never imports the GUI. Nothing heavy is imported
here: `medialens --version` and the headless commands never load Qt, and the
window's own start-up (`desktop_app.app`) keeps torch out until it has painted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def open_window(args) -> int:
    """`medialens` / `medialens gui [--library …]`: the window, until it is closed."""
    from desktop_app.app import run

    return run(library=getattr(args, "library", None), model=getattr(args, "model", None),
               weights=getattr(args, "weights", None), device=getattr(args, "device", None))


def main(argv: Sequence[str] | None = None) -> int:
    from core.cli import main as cli_main

    return cli_main(argv, open_window=open_window)


if __name__ == "__main__":
    sys.exit(main())
