"""Numbers, times and sizes as people read them, in the user's language."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale


def clock(seconds: float | None) -> str:
    """0:07, 1:02:03: the form video players use."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def span(start: float | None, end: float | None) -> str:
    """A moment's time span, e.g. 0:12–0:18 (a single time when it has no length)."""
    if start is None:
        return ""
    if end is None or round(end) <= round(start):
        return clock(start)
    return f"{clock(start)}–{clock(end)}"


def duration(seconds: float | None) -> str:
    """Time left or video length in words: "about 3 min", "2 h 5 min", "40 s"."""
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return QCoreApplication.translate("Format", "%1 s").replace("%1", str(round(seconds)))
    minutes = round(seconds / 60)
    if minutes < 60:
        return QCoreApplication.translate("Format", "%1 min").replace("%1", str(minutes))
    h, m = divmod(minutes, 60)
    return QCoreApplication.translate("Format", "%1 h %2 min").replace("%1", str(h)).replace("%2", str(m))


def count(n: int) -> str:
    """1,234 with the locale's grouping."""
    return QLocale().toString(int(n))


def size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return ""
    return QLocale().formattedDataSize(int(num_bytes))


def when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return QLocale().toString(QDateTime(value), QLocale.FormatType.ShortFormat)


def place(lat: float | None, lon: float | None) -> str:
    """52.5200° N, 13.4050° E."""
    if lat is None or lon is None:
        return ""
    translate = QCoreApplication.translate
    ns = translate("Format", "N", "north") if lat >= 0 else translate("Format", "S", "south")
    ew = translate("Format", "E", "east") if lon >= 0 else translate("Format", "W", "west")
    return f"{abs(lat):.4f}° {ns}, {abs(lon):.4f}° {ew}"


def confidence(level: str | None) -> str:
    """A result's confidence (core's strong / likely / weak) in words; empty when it has none."""
    translate = QCoreApplication.translate
    if level == "strong":
        return translate("Format", "Strong match")
    if level == "likely":
        return translate("Format", "Likely match")
    return translate("Format", "Weak match") if level == "weak" else ""


def words_found(hit) -> str:
    """The lines of text read in a result's picture, or said or subtitled in its video, that matched the search,
    quoted, with when they are said ("" when none did)."""
    lines = hit.extra.get("text", {}).get("lines", [])
    how = {"speech": "said", "subtitle": "subtitled"}
    return ", ".join(f"“{line['text']}”" + (f" {how[line['expert']]} at {clock(line['start_s'])}"
                                            if line.get("expert") in how else "") for line in lines)
