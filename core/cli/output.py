"""How the CLI writes file names for people (one line each) and for scripts (valid JSON).

File names are whatever the file system allows: newlines, control characters,
bytes that are not UTF-8. The catalog keeps them exactly (as bytes); Python
reads an undecodable byte 0xXX as the lone surrogate U+DCXX ("surrogateescape").

* **Plain output** must keep one result per line: a newline, tab, other control
  characters and a backslash in a name are written as `\\n`, `\\t`, `\\xNN` and
  `\\\\`, and an undecodable byte as `\\xNN` — but only in a name that needs any of
  that; an ordinary name (Windows backslashes included) is printed as it is.
* **JSON** is always valid UTF-8: an undecodable byte 0xXX is written as the
  escape `\\udcXX`, the surrogate Python itself uses, so
  `os.fsencode(json.loads(line)["path"])` gives back the exact bytes of the name
  (tools that are not Python read those characters as U+FFFD).
"""

from __future__ import annotations

import json
import re
from typing import TextIO

_NEEDS_ESCAPE = re.compile(r"[\x00-\x1f\x7f\udc80-\udcff]")


def _escape_char(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\"}.get(ch, f"\\x{code:02x}")


def shown_path(path: str) -> str:
    """A file name fit for one line of a terminal (see the module's docstring)."""
    if not _NEEDS_ESCAPE.search(path):
        return path
    return re.sub(r"[\x00-\x1f\x7f\\\udc80-\udcff]", _escape_char, path)


def json_text(value, indent: int | None = 1) -> str:
    """`value` as JSON text that is valid UTF-8 whatever the file names in it."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    # Lone surrogates (undecodable bytes of a name) become JSON's own \\udcXX escapes.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def write_json(value, out: TextIO, indent: int | None = 1) -> None:
    out.write(json_text(value, indent))
    out.write("\n")
