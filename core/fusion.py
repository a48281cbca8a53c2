"""One ranking from two experts: the picture's meaning (CLIP) and the words written in it (OCR).

A text query is matched against both. The OCR expert ranks the pictures whose text
holds the query's words (`text_evidence`); reciprocal-rank fusion then merges that list
with CLIP's: each result scores Σ 1/(K + rank) over the lists it is in, so a picture that
shows the words climbs above pictures that only look like the query, while a query whose
words are written nowhere ("a dog on a beach") returns CLIP's list unchanged. Ranks, not
scores, are fused: a cosine and a bm25 live on scales no fixed weight reconciles across
models (tests/bench/ocr.py compares CLIP alone, OCR alone and fused, R@1 and R@5).

Matching is forgiving where OCR is weak and strict where chance is high: recognisers often
drop the spaces between words ("MUSEUMOFART") and read letters as digits ("INV0ICE"), so
both sides are folded alike (`core.catalog.fold_text`), a word of `LOOSE_MATCH` or more
letters counts anywhere inside a line, and a shorter one must start a word or a run of
letters or digits there ("art" must not match "PARTY"; "2024" is in "INVOICE2024"). Words
like "a", "the", "on" never count. A picture is evidence only when its lines hold at least
`MIN_COVERAGE` of the query's words, weighted by their length, so a long caption is not
captured by one short word that happens to be written somewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.catalog import Catalog, TextLine, fold_text
from core.query import parse_query
from core.vectors import from_blobs

if TYPE_CHECKING:  # pragma: no cover
    from core.search import Filters, Hit, SearchEngine

#: Reciprocal-rank fusion's constant (the value of Cormack et al. 2009, which ranks well without tuning).
RRF_K = 60
#: Share of the query's words (weighted by length) a picture's text must hold to count as evidence.
MIN_COVERAGE = 0.5
#: Words at least this long match anywhere inside a line; shorter ones must start a word.
LOOSE_MATCH = 5
#: CLIP results fused with the text evidence (a page beyond it is CLIP's alone).
FUSION_DEPTH = 100
#: Lines fetched from the full-text index per query.
TEXT_CANDIDATES = 500

_STOPWORDS_TEXT = ("a an the and or of on in at to for with without by from into onto over under near is are was "
                   "were be this that these those it its there their some any photo photos picture pictures "
                   "image images")
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_RUN = re.compile(r"[^\W\d_]+|\d+")  # letters and digits apart: "invoice2024" holds "2024"


def query_words(text: str) -> list[str]:
    """The words of a search text that can be looked for in pictures (lowercase, no stopwords, no repeats)."""
    words = []
    for w in _WORD.findall(text.lower()):
        if w not in STOPWORDS and (len(w) >= 2 or w.isdigit()) and w not in words:
            words.append(w)
    return words


def _matches(word: str, line: str) -> bool:
    """Whether a folded query word is in a folded line (see the module's docstring)."""
    if len(word) >= LOOSE_MATCH:
        return word in "".join(_WORD.findall(line))
    tokens = _WORD.findall(line) + _RUN.findall(line)
    return any(token.startswith(word) for token in tokens)


@dataclass
class TextEvidence:
    """A picture (or video frame) whose text holds some of the query's words."""

    item_id: int
    file_id: int
    t_s: float | None
    words: list[str]
    lines: list[TextLine]
    coverage: float
    best_rank: float

    def to_json(self) -> dict:
        return {"words": self.words, "coverage": round(self.coverage, 3),
                "lines": [{"text": ln.text, "box": list(ln.box), "conf": ln.conf} for ln in self.lines]}


def text_evidence(catalog: Catalog, text: str, limit: int = TEXT_CANDIDATES) -> list[TextEvidence]:
    """Items whose text holds at least `MIN_COVERAGE` of the query's words, best first."""
    words = query_words(text)
    if not words:
        return []
    weight = {w: len(w) for w in words}
    total = sum(weight.values())
    per_item: dict[int, TextEvidence] = {}
    folded = {w: fold_text(w) for w in words}
    for m in catalog.text_matches(words, limit):
        line = fold_text(m.line.text)
        hit = [w for w in words if _matches(folded[w], line)]
        if not hit:
            continue
        ev = per_item.get(m.item_id)
        if ev is None:
            ev = per_item[m.item_id] = TextEvidence(m.item_id, m.file_id, m.t_s, [], [], 0.0, m.rank)
        ev.lines.append(m.line)
        ev.words.extend(w for w in hit if w not in ev.words)
        ev.best_rank = min(ev.best_rank, m.rank)
    out = []
    for ev in per_item.values():
        ev.words.sort(key=words.index)
        ev.coverage = sum(weight[w] for w in ev.words) / total
        if ev.coverage >= MIN_COVERAGE:
            out.append(ev)
    out.sort(key=lambda e: (-e.coverage, e.best_rank, -max(ln.conf for ln in e.lines)))
    return out


def rrf(ranks: Sequence[int | None], k: int = RRF_K) -> float:
    """Reciprocal-rank fusion of 1-based ranks (None: absent from that list)."""
    return sum(1.0 / (k + r) for r in ranks if r is not None)


def _passes(filters: Filters | None, rec) -> bool:
    if filters is None or not filters.active:
        return True
    if filters.kinds and rec.kind not in filters.kinds:
        return False
    if filters.folder and not rec.path.startswith(os.path.join(os.path.abspath(filters.folder), "")):
        return False
    if filters.date_from and (rec.taken_at is None or rec.taken_at < filters.date_from):
        return False
    return not (filters.date_to and (rec.taken_at is None or rec.taken_at >= filters.date_to))


def fused_search(engine: SearchEngine, vector: np.ndarray, raw_text: str, n: int = 20, offset: int = 0,
                 filters: Filters | None = None, exact: bool | None = None) -> list[Hit]:
    """CLIP's results for `vector` fused with the OCR evidence for `raw_text`'s words; paged by `offset`.

    Photos only carry text evidence (video frames are not read yet). Each fused hit keeps its
    cosine as `score`; `extra["text"]` says which words were found and where.
    """
    from core.search import Hit

    evidence = [e for e in text_evidence(engine.catalog, parse_query(raw_text).text) if e.t_s is None]
    if not evidence:
        return engine.by_vector(vector, n, offset, filters, exact=exact)
    clip = engine.by_vector(vector, max(FUSION_DEPTH, n + offset), 0, filters, exact=exact)
    by_file = {h.file.id: h for h in clip if h.kind == "image"}
    files = engine.catalog.files(e.file_id for e in evidence if e.file_id not in by_file)
    missing = [e for e in evidence if e.file_id not in by_file and e.file_id in files
               and _passes(filters, files[e.file_id])]
    if missing:
        q = np.asarray(vector, np.float32).reshape(-1)
        q = q / np.linalg.norm(q)
        blobs = engine.catalog.vectors_for_items(engine.model_id, [e.item_id for e in missing])
        for e in missing:
            if e.item_id in blobs:
                cos = float(from_blobs([blobs[e.item_id]], engine.dim)[0].astype(np.float32) @ q)
                by_file[e.file_id] = Hit(files[e.file_id], e.item_id, cos)
    text_rank = {}
    for e in evidence:
        if e.file_id in by_file and e.file_id not in text_rank:
            text_rank[e.file_id] = (len(text_rank) + 1, e)
    # CLIP's rank of every candidate, those found only by their text included (by their cosine).
    candidates = list(clip) + [by_file[f] for f in text_rank if by_file[f] not in clip]
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    clip_rank = {id(candidates[i]): r for r, i in enumerate(order, 1)}
    fused = []
    for h in candidates:
        tr = text_rank.get(h.file.id) if h.kind == "image" else None
        if tr is not None:
            h.extra["text"] = tr[1].to_json()
        fused.append((rrf([clip_rank[id(h)], tr[0] if tr else None]), h))
    fused.sort(key=lambda x: -x[0])
    return [h for _, h in fused][offset:offset + n]
