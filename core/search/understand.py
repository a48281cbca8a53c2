"""What a search text says besides what to look for: when, where, with which camera.

"beach July 2023" is a beach (for the model) taken in July 2023 (a filter); "sunset in Lisbon" a
sunset taken in Lisbon; "photos from my Pixel" every photo whose camera is a Pixel. The model
knows nothing of dates, places or cameras, so these parts are taken out of the text and become
filters; the rest goes to the model. What was taken out is said back (`Understood.line`, the
window's chips) so a wrong guess is seen and undone.

The rules lean towards leaving text alone: a date needs a month with its year ("July 2023",
"juillet 2023", "2023年7月"), a preposition before a bare year ("in 2019"), or a relative phrase
("last winter", "去年夏天"); "1984 poster" and "May flowers" stay text. A place or a camera is only
understood when the library has it (names come from the catalog: `vocabulary`), a place after
"in/at/near/from" (or 在), a camera after "from/with/on/by/shot on" (a possessive "my" allowed).
Month names in other languages are recognised by `dateparser` (asked only about a word followed by
a year, in `LANGUAGES`, which keeps it to milliseconds). Seasons are the northern hemisphere's
meteorological ones (winter: December to February).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from core.search.engine import Filters

#: Languages whose month names are understood (dateparser); English is also matched without it.
LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl", "cs", "ru", "uk", "tr",
             "zh", "ja", "ko"]

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"]
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12,
            "春": 3, "夏": 6, "秋": 9, "冬": 12}
_SEASON_NAMES = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}
_FILLER = re.compile(r"^\s*(?:(photos?|pictures?|pics|images|shots|snaps|videos?|clips?|照片|图片|相片|视频)"
                     r"(?:\s+(?:of|from|taken|shot))?)(?=\s|$)\s*", re.I)
_YEAR = r"((?:19|20)\d{2})"


@dataclass(frozen=True)
class Part:
    """One thing understood: its kind ("date", "place", "camera", "kind"), what it says, and the words it came from."""

    kind: str
    label: str
    words: str
    value: object = None  # (from, to) datetimes for a date; the name for a place or camera; "video"/"image"


@dataclass(frozen=True)
class Understood:
    """A search text split into what goes to the model (`text`) and the parts that became filters."""

    text: str
    parts: tuple[Part, ...] = ()
    original: str = ""
    #: what `understand` was given besides the text (places, cameras, today, kinds skipped), for `without`
    given: tuple = field(default=((), (), None, frozenset()), repr=False, compare=False)

    def part(self, kind: str) -> Part | None:
        return next((p for p in self.parts if p.kind == kind), None)

    @property
    def line(self) -> str:
        """"July 2023 · place Lisbon": what was understood, as the CLI prints it after "# understood: "."""
        return " · ".join(p.label if p.kind == "date" else f"{p.kind} {p.label}" for p in self.parts)

    def without(self, kind: str) -> Understood:
        """The same text with one part given back to the model (a chip removed in the window)."""
        if self.part(kind) is None:
            return self
        places, cameras, today, skipped = self.given
        return understand(self.original, places, cameras, today, skip=skipped | {kind})

    def filters(self, base: Filters | None = None) -> Filters:
        """`base` with the understood date, place, camera and kind added (the base's own values win)."""
        from core.search.engine import Filters

        f = base or Filters()
        changes: dict = {}
        date, place, camera, kind = self.part("date"), self.part("place"), self.part("camera"), self.part("kind")
        if date is not None and f.date_from is None and f.date_to is None:
            changes["date_from"], changes["date_to"] = date.value
        if place is not None and f.place is None:
            changes["place"] = place.value
        if camera is not None and f.camera is None:
            changes["camera"] = camera.value
        if kind is not None and not f.kinds:
            changes["kinds"] = frozenset([kind.value])
        return replace(f, **changes) if changes else f


@dataclass
class _State:
    text: str
    parts: list[Part] = field(default_factory=list)

    def take(self, m: re.Match, part: Part) -> None:
        self.text = self.text[:m.start()] + " " + self.text[m.end():]
        self.parts.append(part)


def _month_span(year: int, month: int, months: int = 1) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1)
    y, m = divmod(month - 1 + months, 12)
    return start, dt.datetime(year + y, m + 1, 1)


def _season(year: int, season_month: int) -> tuple[dt.datetime, dt.datetime]:
    """A meteorological season starting in `year` (winter: December of `year` to February)."""
    return _month_span(year, season_month, 3)


def _last_season(today: dt.date, season_month: int) -> tuple[int, tuple[dt.datetime, dt.datetime]]:
    """The latest such season that has ended by `today`."""
    year = today.year
    while _season(year, season_month)[1].date() > today:
        year -= 1
    return year, _season(year, season_month)


def _month_of(word: str, year: int) -> int | None:
    """The month a word names in any of `LANGUAGES`, asked of dateparser with its year."""
    w = word.lower().rstrip(".")
    if w in _MONTHS:
        return _MONTHS[w]
    if not re.fullmatch(r"[^\W\d_]{3,12}", word):
        return None
    import dateparser

    found = dateparser.parse(f"{word} {year}", languages=LANGUAGES,
                             settings={"REQUIRE_PARTS": ["month", "year"], "PREFER_DAY_OF_MONTH": "first"})
    return found.month if found is not None and found.year == year else None


def _dates(st: _State, today: dt.date) -> None:
    t = st.text
    # 2023年7月4日, 2023年7月, 2023年
    m = re.search(r"(?:在)?" + _YEAR + r"\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?", t)
    if m:
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        if mo and 1 <= int(mo) <= 12:
            if d:
                start = dt.datetime(y, int(mo), int(d))
                st.take(m, Part("date", start.strftime("%-d %B %Y"), m.group(0), (start, start + dt.timedelta(1))))
            else:
                st.take(m, Part("date", f"{_MONTH_NAMES[int(mo) - 1]} {y}", m.group(0), _month_span(y, int(mo))))
        else:
            st.take(m, Part("date", str(y), m.group(0), _month_span(y, 1, 12)))
        return
    # 去年夏天, 今年冬天, 去年, 今年, 上个月
    m = re.search(r"(去年|今年|前年)\s*(?:的)?\s*(?:([春夏秋冬])(?:天|季))?", t)
    if m:
        y = today.year - {"去年": 1, "今年": 0, "前年": 2}[m.group(1)]
        if m.group(2):
            sm = _SEASONS[m.group(2)]
            st.take(m, Part("date", f"{_SEASON_NAMES[sm]} {y}", m.group(0), _season(y, sm)))
        else:
            st.take(m, Part("date", str(y), m.group(0), _month_span(y, 1, 12)))
        return
    m = re.search(r"上个?月", t)
    if m:
        first = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
        st.take(m, Part("date", f"{_MONTH_NAMES[first.month - 1]} {first.year}", m.group(0),
                        _month_span(first.year, first.month)))
        return
    # last winter, this summer, last year, this year, last month
    m = re.search(r"\b(?:in\s+|during\s+)?(last|this|past)\s+(spring|summer|autumn|fall|winter|year|month)\b", t, re.I)
    if m:
        which, unit = m.group(1).lower(), m.group(2).lower()
        if unit == "year":
            y = today.year - (0 if which == "this" else 1)
            st.take(m, Part("date", str(y), m.group(0), _month_span(y, 1, 12)))
        elif unit == "month":
            first = (dt.date(today.year, today.month, 1) - dt.timedelta(days=1)) if which != "this" else today
            st.take(m, Part("date", f"{_MONTH_NAMES[first.month - 1]} {first.year}", m.group(0),
                            _month_span(first.year, first.month)))
        else:
            sm = _SEASONS[unit]
            y, span = _last_season(today, sm) if which != "this" else (today.year, _season(today.year, sm))
            st.take(m, Part("date", f"{_SEASON_NAMES[sm]} {y}", m.group(0), span))
        return
    # summer 2023, winter of 2022
    m = re.search(r"\b(?:in\s+|during\s+)?(?:the\s+)?(spring|summer|autumn|fall|winter)\s+(?:of\s+)?" + _YEAR + r"\b",
                  t, re.I)
    if m:
        sm, y = _SEASONS[m.group(1).lower()], int(m.group(2))
        st.take(m, Part("date", f"{_SEASON_NAMES[sm]} {y}", m.group(0), _season(y, sm)))
        return
    # 4 July 2023, July 4 2023, July 4th, 2023
    for pat, day_group, month_group in (
            (r"\b(?:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([^\W\d_]+)\.?,?\s+" + _YEAR + r"\b", 1, 2),
            (r"\b(?:on\s+)?([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b", 2, 1)):
        for m in re.finditer(pat, t, re.I):
            y, d = int(m.group(3)), int(m.group(day_group))
            mo = _month_of(m.group(month_group), y)
            if mo is not None and 1 <= d <= 31:
                try:
                    start = dt.datetime(y, mo, d)
                except ValueError:
                    continue
                st.take(m, Part("date", f"{d} {_MONTH_NAMES[mo - 1]} {y}", m.group(0),
                                (start, start + dt.timedelta(days=1))))
                return
    # July 2023, juillet 2023, julio de 2023, 2023-07
    month_year = r"\b(?:(?:in|from|during|en|im)\s+)?([^\W\d_]+)\.?,?\s+(?:(?:de|del|of)\s+)?" + _YEAR + r"\b"
    for m in re.finditer(month_year, t, re.I):
        y = int(m.group(2))
        mo = _month_of(m.group(1), y)
        if mo is not None:
            st.take(m, Part("date", f"{_MONTH_NAMES[mo - 1]} {y}", m.group(0), _month_span(y, mo)))
            return
    m = re.search(r"\b" + _YEAR + r"-(0[1-9]|1[0-2])\b", t)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        st.take(m, Part("date", f"{_MONTH_NAMES[mo - 1]} {y}", m.group(0), _month_span(y, mo)))
        return
    # in 2019, from 2019, since 2019, before 2019, after 2019
    m = re.search(r"\b(in|from|during|since|after|before)\s+" + _YEAR + r"\b", t, re.I)
    if m:
        word, y = m.group(1).lower(), int(m.group(2))
        if word in ("since", "after"):
            start = dt.datetime(y + (1 if word == "after" else 0), 1, 1)
            st.take(m, Part("date", f"{word} {y}", m.group(0), (start, None)))
        elif word == "before":
            st.take(m, Part("date", f"before {y}", m.group(0), (None, dt.datetime(y, 1, 1))))
        else:
            st.take(m, Part("date", str(y), m.group(0), _month_span(y, 1, 12)))


def _names_pattern(names: Iterable[str]) -> str | None:
    names = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not names:
        return None
    return "(" + "|".join(re.escape(n) for n in names) + ")"


def _places(st: _State, places: Iterable[str]) -> None:
    names = _names_pattern(places)
    if names is None:
        return
    m = (re.search(r"(?:\b(?:in|at|near|from|around)\s+(?:the\s+)?)" + names + r"(?![\w])", st.text, re.I)
         or re.search(r"在\s*" + names, st.text, re.I))
    if m:
        name = m.group(1)
        canonical = next((p for p in places if p.lower() == name.lower()), name)
        st.take(m, Part("place", canonical, m.group(0), canonical))


def _camera_words(cameras: Iterable[str]) -> set[str]:
    """Words a camera goes by: each make and model, and each model's first word ("Pixel" of "Pixel 7")."""
    words = set()
    for c in cameras:
        c = c.strip()
        if not c:
            continue
        words.add(c)
        first = c.split()[0]
        if len(first) >= 3 and not first.isdigit():
            words.add(first)
    return words


def _cameras(st: _State, cameras: Iterable[str]) -> None:
    names = _names_pattern(_camera_words(cameras))
    if names is None:
        return
    m = (re.search(r"\b(?:from|with|on|by|shot\s+on|taken\s+(?:with|on)|using)\s+(?:my\s+|the\s+|a\s+|an\s+)?"
                   + names + r"(?![\w])", st.text, re.I)
         or re.search(r"(?:用|我的)\s*" + names + r"\s*(?:拍的?|拍摄的?)?", st.text, re.I))
    if m:
        st.take(m, Part("camera", m.group(1), m.group(0), m.group(1)))


def understand(text: str, places: Iterable[str] = (), cameras: Iterable[str] = (), today: dt.date | None = None,
               skip: Iterable[str] = ()) -> Understood:
    """Take dates, places (of `places`), cameras (of `cameras`) and a leading "photos"/"videos" out of `text`.

    `skip`: kinds of part to leave as text (a chip the user removed).
    """
    today = today or dt.date.today()
    skip = frozenset(skip)
    places, cameras = tuple(places), tuple(cameras)
    st = _State(text)
    if "date" not in skip:
        _dates(st, today)
    if "place" not in skip:
        _places(st, places)
    if "camera" not in skip:
        _cameras(st, cameras)
    rest = " ".join(st.text.split())
    m = _FILLER.match(rest)
    if m and "kind" not in skip:
        word = m.group(1).lower()
        if word.startswith(("video", "clip", "视频")):
            st.parts.append(Part("kind", "videos", m.group(0).strip(), "video"))
        rest = rest[m.end():].strip() if st.parts or m.end() < len(rest) else rest
    rest = re.sub(r"^(?:(?:and|of|from|in|at|on|with)\s+|的|在)|\s+(?:and|of|from|in|at|on|with|taken|shot)$", "",
                  rest, flags=re.I).strip(" ,")
    order = {"date": 0, "place": 1, "camera": 2, "kind": 3}
    return Understood(rest, tuple(sorted(st.parts, key=lambda p: order[p.kind])), text,
                      (places, cameras, today, skip))
