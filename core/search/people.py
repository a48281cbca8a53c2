"""Searching by who is in a picture, alone or with words: `person:"Barack Obama" a purple tie`.

A query names people with `person:Name` or `person:"Full Name"` (several: all of them together in
one photo or one video frame) and people to leave out with `-person:Name` ("Obama without Biden");
the rest of the text, its `-avoided` terms included, is searched as usual.

The ranking (`person_matches`): the people decide *which* photos and frames qualify (their faces were
found and grouped there: a fact, not a similarity), and the words decide the *order*, searched
**without the names**. The baseline the issue names — person filter, then the plain text ranking of
the whole query text — hands the names to CLIP too: for a person CLIP has never heard of ("Aunt
Mary") the name is noise, and for a famous one it pulls the portraits where the face is biggest back
to the top, which the face filter has already rewarded. Without words, a person's photos come
biggest face first. The cutoff is the text's own (`core.search.cutoff`): its background is the
whole library, so "a purple tie" among Obama's photos ends where the ties end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import QueryError
from core.search.cutoff import CALIBRATIONS, MIN_BACKGROUND, Matches, background, match_count, query_kind, relevance

if TYPE_CHECKING:  # pragma: no cover
    from core.search.engine import Filters, Hit, SearchEngine
    from core.search.query import Query
    from core.store.catalog_people import PeopleStore

_PERSON = re.compile(r'(?:(?<=\s)|^)(-?)person:(?:"([^"]*)"?|(\S+))', re.IGNORECASE)


@dataclass(frozen=True)
class PersonQuery:
    """A search text split into the people it wants together, the people it leaves out, and its words."""

    text: str
    people: tuple[str, ...] = ()
    without: tuple[str, ...] = ()

    @property
    def names_people(self) -> bool:
        return bool(self.people or self.without)


def parse_people(raw: str, people: tuple[str, ...] = (), without: tuple[str, ...] = ()) -> PersonQuery:
    """Take `person:`/`-person:` terms out of `raw`; `people`/`without` add names given apart (`--person`)."""
    wanted, avoided = list(people), list(without)

    def take(m: re.Match) -> str:
        name = " ".join((m.group(2) if m.group(2) is not None else m.group(3).rstrip(",.;:!?")).split())
        if not name:
            raise QueryError(f"the search text {raw!r} names an empty person (person:\"\")")
        (avoided if m.group(1) else wanted).append(name)
        return " "

    text = " ".join(_PERSON.sub(take, raw or "").split())
    return PersonQuery(text, tuple(wanted), tuple(avoided))


def allowed_items(store: PeopleStore, people: list[int], without: list[int]) -> dict[int, float]:
    """item id -> the smallest share of the picture's width among the wanted people's faces there, for the
    items (photos, video frames) showing every wanted person and none of the others."""
    if not people:
        raise QueryError("say who to look for (person:Name); -person: only leaves people out")
    shares: dict[int, float] | None = None
    for pid in people:
        mine = store.person_items(pid)
        shares = mine if shares is None else {i: min(s, mine[i]) for i, s in shares.items() if i in mine}
    for pid in without:
        for item in store.person_items(pid):
            shares.pop(item, None)
    return shares or {}


def person_matches(engine: SearchEngine, store: PeopleStore, people: list[int], without: list[int],
                   filters: Filters | None = None, words_query: Query | None = None,
                   video_step: float = 1.0) -> Matches:
    """The photos and moments showing `people` (and none of `without`), ordered by the words if any.

    `words_query`: the text query of the words (`core.search.query.text_query`), None without words.
    The baseline ranking is this with the whole text, names included, as `words_query`.
    """
    shares = allowed_items(store, people, without)
    if filters is not None and filters.active:
        passing = set(engine.catalog.item_ids_where(filters.kinds, filters.folder, filters.date_from,
                                                    filters.date_to))
        shares = {i: s for i, s in shares.items() if i in passing}
    if not shares:
        return Matches([], 0, True, True)
    if words_query is None:
        hits = _biggest_first(engine, store, shares, people[0], video_step)
        return Matches(hits, len(hits), True, True)
    hits = engine.rank_items(words_query.vector, list(shares), words_query.exclude)
    _within_spans(hits, store, people[0], video_step)
    calibration = CALIBRATIONS[query_kind(words_query.words)]
    bg = background(engine, words_query.vector)
    if not hits:
        return Matches([], 0, True, True)
    p = relevance(np.array([h.score for h in hits]), bg, calibration)
    for hit, prob in zip(hits, p, strict=True):
        hit.extra["relevance"] = round(float(prob), 3)
        hit.extra["confidence"] = calibration.confidence(float(prob))
    if bg.size < MIN_BACKGROUND:
        return Matches(hits, len(hits), False, True)
    return Matches(hits, match_count(p, calibration), True, True)


def _within_spans(hits: list[Hit], store: PeopleStore, person_id: int, video_step: float) -> None:
    """A video moment the words found becomes the person's span nearest to its best frame (the moment grouper
    reads the whole video's frames, so its moment may lie where the person is not seen)."""
    spans: dict[int, list[tuple[float, float]]] = {}
    for hit in hits:
        if hit.file.kind != "video" or hit.t_s is None:
            continue
        if hit.file.id not in spans:
            spans[hit.file.id] = person_moments(store, person_id, hit.file.id, video_step)
        if spans[hit.file.id]:
            start, end = min(spans[hit.file.id], key=lambda se: max(se[0] - hit.t_s, hit.t_s - se[1], 0.0))
            hit.start_s, hit.end_s, hit.t_s = start, end, min(max(hit.t_s, start), end)


def _biggest_first(engine: SearchEngine, store: PeopleStore, shares: dict[int, float], person_id: int,
                   video_step: float) -> list[Hit]:
    """Without words every photo the people are in is a match, the biggest face first; a video gives
    one hit per span where the (first) person is seen."""
    from core.search.engine import Hit

    info = engine.catalog.items_info(shares)
    files = engine.catalog.files(fid for fid, _ in info.values())
    hits: list[Hit] = []
    videos: dict[int, float] = {}
    for item_id, (fid, _) in info.items():
        f = files.get(fid)
        if f is None:
            continue
        if f.kind == "video":
            videos[fid] = max(videos.get(fid, 0.0), shares[item_id])
        else:
            hits.append(Hit(f, item_id, float(shares[item_id]), extra={"confidence": "strong"}))
    for fid, share in videos.items():
        frames = {t: i for i, t in store.looked_frames(fid)}
        for start, end in person_moments(store, person_id, fid, video_step):
            hits.append(Hit(files[fid], frames.get(start, 0), share, start_s=start, end_s=end, t_s=start,
                            extra={"confidence": "strong"}))
    hits.sort(key=lambda h: -h.score)
    return hits


def person_moments(store: PeopleStore, person_id: int, file_id: int, step: float) -> list[tuple[float, float]]:
    """(start, end) seconds of the spans of a video where the person's face is seen on the frames looked at.

    A span runs from a frame with the face to the next frame looked at without it (or `step` past the
    last); frames with the face that follow each other join one span.
    """
    frames = store.looked_frames(file_id)
    seen = set(store.person_items(person_id))
    spans: list[tuple[float, float]] = []
    start = None
    for k, (item_id, t) in enumerate(frames):
        if t is None:
            continue
        if item_id in seen:
            if start is None:
                start = t
        elif start is not None:
            spans.append((start, t))
            start = None
        if k == len(frames) - 1 and start is not None:
            spans.append((start, t + step))
    return spans


def hit_people(hits: list[Hit], store: PeopleStore) -> None:
    """Name who is in each hit (`extra["people"]`), for the CLI's JSON and the window's captions."""
    names = {p.id: p.name for p in store.people(include_hidden=True)}
    for hit in hits:
        faces = [f for f in store.faces_of_file(hit.file.id) if f.item_id == hit.item_id]
        hit.extra["people"] = sorted({names.get(f.person_id) or f"person {f.person_id}"
                                      for f in faces if f.person_id is not None})
