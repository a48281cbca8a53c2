"""The commands MediaLens's messages tell a user to run, written once, each as it works.

`pip install 'medialens[torch]'` led nowhere (MediaLens is not on the package index), and
`medialens models export MediaLens-World` fails without `--weights` (the model has no
downloadable weights). tests/core/test_hints.py runs the export command a message gives.
"""

from __future__ import annotations

import os

#: How to add torch and open_clip (the `torch` extra) to an install.
TORCH_EXTRA = "from a MediaLens source checkout, pip install -e '.[torch]'"


def export_hint(name: str, weights: str | os.PathLike[str] | None = None, downloadable: bool = False) -> str:
    """`medialens models export NAME`, with the `--weights` it needs: the file given, or PATH where the
    model has no downloadable weights (`downloadable`: its registry entry names a hub tag)."""
    command = f"medialens models export {name}"
    if weights:
        return f"{command} --weights {weights}"
    return command if downloadable else f"{command} --weights PATH"
