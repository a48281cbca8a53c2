"""One ranking from the experts: the picture's meaning (CLIP), the words written in it (OCR), and the words
a video's subtitles show or its speech says (`core.indexing.subtitles`, `core.indexing.speech`), all three
text experts in one full-text index, each line marked with the expert that found it.

A text query is matched against the frames and the text. The text expert ranks the pictures, frames
and said lines whose text holds the query's words (`text_evidence`); reciprocal-rank fusion then merges that list
with CLIP's: each result scores Σ w/(K + rank) over the lists it is in (w: 1 for CLIP; for the
text, the share of the query's words the picture holds, and 2 when it holds them all), so a
picture that shows the words climbs above pictures that only look like the query, one that
shows them and looks like the rest of the query above one that only shows them ("invoice 2024
blue circle"), while a query whose
words are written nowhere ("a dog on a beach") returns CLIP's list unchanged. Ranks, not
scores, are fused: a cosine and a bm25 live on scales no fixed weight reconciles across
models (tests/bench/ocr.py compares CLIP alone, OCR alone and fused, R@1 and R@5).

Matching is forgiving where OCR is weak and strict where chance is high: recognisers often
drop the spaces between words ("MUSEUMOFART") and read letters as digits ("INV0ICE"), so
both sides are folded alike (`core.store.catalog.fold_text`), a word of `LOOSE_MATCH` or more
letters counts anywhere inside a line, and a shorter one must start a word or a run of
letters or digits there ("art" must not match "PARTY"; "2024" is in "INVOICE2024"), or be
one of the pieces a run-together token splits into ("PARKINGONLY": parking, only). Words
like "a", "the", "on" never count. A picture is evidence only when its lines hold at least
`MIN_COVERAGE` of the query's words, weighted by their length, so a long caption is not
captured by one short word that happens to be written somewhere.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from core.store.records import VIDEO_STEP_S, TextLine, fold_text
from core.vector_math import from_blobs

if TYPE_CHECKING:  # pragma: no cover
    from core.search.cutoff import Matches
    from core.search.engine import Filters, Hit, SearchEngine
    from core.search.query import QueryVector
    from core.store.catalog import Catalog

#: Reciprocal-rank fusion's constant (the value of Cormack et al. 2009, which ranks well without tuning).
RRF_K = 60
#: A picture holding every word of the query counts this many times in the text expert's list, so it
#: outranks one holding only some of them that CLIP happens to like ("sale 50%": the SALE 50% sign
#: above a GARAGE SALE sign); one holding some counts by the share it holds (tests/bench/ocr.py).
FULL_MATCH_WEIGHT = 2.0
#: Share of the query's words (weighted by length) a picture's text must hold to count as evidence:
#: low enough for a query that names the words and what the picture shows ("invoice 2024 blue circle").
MIN_COVERAGE = 0.25
#: Words at least this long match anywhere inside a line; shorter ones must start a word.
LOOSE_MATCH = 5
#: CLIP results fused with the text evidence (a page beyond it is CLIP's alone).
FUSION_DEPTH = 100
#: Lines fetched from the full-text index per query.
TEXT_CANDIDATES = 500
#: A said line joins a frames' moment of its video that comes this close (seconds).
SAID_SLACK_S = 0.5

_STOPWORDS_TEXT = ("a an the and or of on in at to for with without by from into onto over under near is are was "
                   "were be this that these those it its there their some any photo photos picture pictures "
                   "image images")
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_FOLDED_STOPWORDS = frozenset(fold_text(w) for w in STOPWORDS)

_WORD = re.compile(r"[^\W_]+")
_RUN = re.compile(r"[^\W\d_]+|\d+")  # letters and digits apart: "invoice2024" holds "2024"


def query_words(text: str) -> list[str]:
    """The words of a search text that can be looked for in pictures (lowercase, no stopwords, no repeats)."""
    words = []
    for w in _WORD.findall(text.lower()):
        if w not in STOPWORDS and (len(w) >= 2 or w.isdigit()) and w not in words:
            words.append(w)
    return words


def _segments(token: str, vocab: frozenset[str]) -> list[str] | None:
    """`token` cut into words of `vocab` ("parkingonly" -> parking, only), or None where it cannot be."""
    cuts: list[list[str] | None] = [[]] + [None] * len(token)
    for end in range(1, len(token) + 1):
        for start in range(end):
            if cuts[start] is not None and token[start:end] in vocab:
                cuts[end] = [*cuts[start], token[start:end]]
                break
    return cuts[-1]


def _found(words: dict[str, str], line: str) -> list[str]:
    """The query words (original -> folded) in a folded line (see the module's docstring)."""
    tokens = _WORD.findall(line) + _RUN.findall(line)
    joined = "".join(_WORD.findall(line))
    found = {w for w, f in words.items()
             if (len(f) >= LOOSE_MATCH and f in joined) or any(t.startswith(f) for t in tokens)}
    # Words whose spaces were lost: a token made only of query words (and small words) holds each of them.
    vocab = frozenset(words.values()) | _FOLDED_STOPWORDS
    by_folded = {f: w for w, f in words.items()}
    for token in tokens:
        for part in _segments(token, vocab) or ():
            if part in by_folded:
                found.add(by_folded[part])
    return [w for w in words if w in found]


@dataclass
class TextEvidence:
    """A picture (or video frame) whose text holds some of the query's words, or a subtitle or spoken line.

    `expert` says who found the words: "ocr" (written in the picture), "subtitle" or "speech" (said);
    a said line has `start_s`/`end_s`: from its first matching word to its last (the line's span when
    its words have no times).
    """

    item_id: int
    file_id: int
    t_s: float | None
    words: list[str]
    lines: list[TextLine]
    coverage: float
    best_rank: float
    expert: str = "ocr"
    start_s: float | None = None
    end_s: float | None = None

    def to_json(self) -> dict:
        lines = []
        for ln in self.lines:
            d = {"text": ln.text, "box": list(ln.box), "conf": ln.conf, "expert": ln.expert}
            if ln.start_s is not None:
                d["start_s"], d["end_s"] = ln.start_s, ln.end_s
            if ln.words:
                d["words"] = [list(w) for w in ln.words]
            lines.append(d)
        return {"words": self.words, "coverage": round(self.coverage, 3), "expert": self.expert, "lines": lines}


def _said_span(line: TextLine, folded: dict[str, str]) -> tuple[float, float]:
    """The moment of a said line: from its first word that matches the query (so it plays from the words)
    to the end of the line (the rest of what is being said); the whole line when its words have no times."""
    start = line.start_s or 0.0
    end = line.end_s if line.end_s is not None else start
    first = next((a for w, a, _ in line.words if _found(folded, fold_text(w))), None)
    return (start if first is None else first), end


def text_evidence(catalog: Catalog, text: str, limit: int = TEXT_CANDIDATES) -> list[TextEvidence]:
    """Items whose text holds at least `MIN_COVERAGE` of the query's words, best first."""
    words = query_words(text)
    if not words:
        return []
    weight = {w: len(w) for w in words}
    total = sum(weight.values())
    per_item: dict[object, TextEvidence] = {}  # OCR: per item; said words: per line
    folded = {w: fold_text(w) for w in words}
    for m in catalog.text_matches(words, limit):
        hit = _found(folded, fold_text(m.line.text))
        if not hit:
            continue
        said = m.line.expert != "ocr" and m.line.start_s is not None
        key = (m.file_id, m.line.expert, m.line.start_s, m.line.text) if said else m.item_id
        ev = per_item.get(key)
        if ev is None:
            span = _said_span(m.line, folded) if said else (None, None)
            ev = per_item[key] = TextEvidence(m.item_id, m.file_id, m.t_s, [], [], 0.0, m.rank, m.line.expert, *span)
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


def text_weight(evidence: TextEvidence) -> float:
    """How much a picture's place in the text expert's list counts: by the share of the query it holds."""
    return FULL_MATCH_WEIGHT if evidence.coverage >= 1.0 else evidence.coverage


def rrf(ranks: Sequence[int | None], weights: Sequence[float] | None = None, k: int = RRF_K) -> float:
    """Weighted reciprocal-rank fusion of 1-based ranks (None: absent from that list)."""
    weights = weights or [1.0] * len(ranks)
    return sum(w / (k + r) for r, w in zip(ranks, weights, strict=True) if r is not None)


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


@dataclass
class _Proposal:
    """One result the text expert proposes: a photo, or the span of a video where the words are shown."""

    evidence: TextEvidence  # the best of its items
    start_s: float | None = None
    end_s: float | None = None

    @property
    def said(self) -> bool:
        return self.evidence.expert != "ocr"

    def covers(self, hit: Hit) -> bool:
        if hit.file.id != self.evidence.file_id:
            return False
        if self.start_s is None:
            return hit.start_s is None
        if hit.start_s is None:
            return False
        slack = SAID_SLACK_S if self.said else VIDEO_STEP_S
        return hit.start_s <= self.end_s + slack and (hit.end_s or hit.start_s) >= self.start_s - slack


def _proposals(evidence: list[TextEvidence]) -> list[_Proposal]:
    """Photos once each; a video's frames joined into spans where the words stay on screen; best first."""
    out: list[_Proposal] = []
    spans: dict[int, list[_Proposal]] = {}
    for ev in evidence:
        if ev.start_s is not None:  # a said line is its own moment, from its first matching word
            out.append(_Proposal(ev, ev.start_s, ev.end_s))
            continue
        if ev.t_s is None:
            if all(p.evidence.file_id != ev.file_id for p in out if p.start_s is None):
                out.append(_Proposal(ev))
            continue
        for p in spans.setdefault(ev.file_id, []):
            if p.start_s - 1.5 * VIDEO_STEP_S <= ev.t_s <= p.end_s + 1.5 * VIDEO_STEP_S:
                p.start_s, p.end_s = min(p.start_s, ev.t_s), max(p.end_s, ev.t_s)
                break
        else:
            p = _Proposal(ev, ev.t_s, ev.t_s)
            spans[ev.file_id].append(p)
            out.append(p)
    return out


def _to_next_sample(catalog, proposals: list[_Proposal]) -> None:
    """End each video span where its last frame with the words stops standing for the video: at the next
    sampled frame (the indexer shares one frame across footage that does not change), or the video's end."""
    files: dict[int, list[float]] = {}
    for p in proposals:
        if p.start_s is None or p.said:
            continue
        fid = p.evidence.file_id
        if fid not in files:
            files[fid] = sorted(t for _, t in catalog.items_of_file(fid) if t is not None)
        later = [t for t in files[fid] if t > p.end_s + 1e-6]
        if later:
            p.end_s = later[0]
        else:
            rec = catalog.file(fid)
            p.end_s = max(p.end_s, (rec.duration_s or p.end_s) if rec is not None else p.end_s)


def ranked(engine: SearchEngine, query: QueryVector, n: int = 20, offset: int = 0, filters: Filters | None = None,
           exact: bool | None = None) -> list[Hit]:
    """A page of results for an engine query: fused with the text read in pictures when it has words."""
    if not query.words:
        return engine.by_vector(query.vector, n, offset, filters, exclude_files=query.exclude, exact=exact)
    return fused_search(engine, query.vector, query.words, n, offset, filters, exact)


def _text_proposals(catalog, words: str) -> list[_Proposal]:
    """Where the words are shown or said (OCR, subtitles, speech), each at the frame that stands for it."""
    proposals = _proposals(text_evidence(catalog, words))
    _to_next_sample(catalog, proposals)
    return proposals


def fused_search(engine: SearchEngine, vector: np.ndarray, words: str, n: int = 20, offset: int = 0,
                 filters: Filters | None = None, exact: bool | None = None,
                 proposals: list[_Proposal] | None = None) -> list[Hit]:
    """CLIP's results for `vector` fused with the text evidence for `words` (OCR, subtitles, speech); paged by
    `offset`.

    A video found by its on-screen text is a moment spanning the frames that show the words
    (joined with CLIP's moment of that video where they overlap); one found by its subtitles or speech is
    the stretch where the words are said, from the first. Each hit keeps its cosine as `score`;
    `extra["text"]` says which words were found, by which expert, and where.
    """
    proposals = _text_proposals(engine.catalog, words) if proposals is None else proposals
    if not proposals:
        return engine.by_vector(vector, n, offset, filters, exact=exact)
    clip = engine.by_vector(vector, max(FUSION_DEPTH, n + offset), 0, filters, exact=exact)
    return _fuse(engine, clip, proposals, vector, filters)[offset:offset + n]


def fused_video_moments(engine: SearchEngine, clip: list[Hit], vector: np.ndarray, words: str, file_id: int,
                        n: int) -> list[Hit]:
    """One video's moments for a query: the frames' (`clip`, best first) fused with where its words are
    shown or said, best first."""
    proposals = [p for p in _proposals(text_evidence(engine.catalog, words)) if p.evidence.file_id == file_id]
    _to_next_sample(engine.catalog, proposals)
    if not proposals:
        return clip[:n]
    return _fuse(engine, clip, proposals, vector, None)[:n]


def _fuse(engine: SearchEngine, clip: list[Hit], proposals: list[_Proposal], vector: np.ndarray,
          filters: Filters | None) -> list[Hit]:
    """Reciprocal-rank fusion of CLIP's hits and the text expert's proposals (see the module's docstring)."""
    from core.search.engine import Hit

    q = np.asarray(vector, np.float32).reshape(-1)
    q = q / np.linalg.norm(q)
    files = engine.catalog.files(p.evidence.file_id for p in proposals)
    blobs = engine.catalog.vectors_for_items(engine.model_id, [p.evidence.item_id for p in proposals])
    if filters is not None and filters.managed:  # album, tag, rating, place...: asked of the catalog, once
        proposed = frozenset(files) if filters.file_ids is None else frozenset(files) & filters.file_ids
        allowed = engine.catalog.file_ids_where(**dataclasses.asdict(replace(filters, file_ids=proposed)))
        files = {fid: rec for fid, rec in files.items() if fid in allowed}
    text_rank: dict[int, tuple[int, _Proposal]] = {}  # id(hit) -> (rank in the text list, proposal)
    extra_hits = []
    for p in proposals:
        hit = next((h for h in clip if id(h) not in text_rank and p.covers(h)), None)
        if hit is None:
            rec, blob = files.get(p.evidence.file_id), blobs.get(p.evidence.item_id)
            if rec is None or blob is None or not _passes(filters, rec):
                continue
            cos = float(from_blobs([blob], engine.dim)[0].astype(np.float32) @ q)
            hit = Hit(rec, p.evidence.item_id, cos, start_s=p.start_s, end_s=p.end_s, t_s=p.start_s)
            extra_hits.append(hit)
        text_rank[id(hit)] = (len(text_rank) + 1, p)
    # CLIP's rank of every candidate, those found only by their text included (by their cosine).
    candidates = clip + extra_hits
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    clip_rank = {id(candidates[i]): r for r, i in enumerate(order, 1)}
    fused = []
    for h in candidates:
        rank, p = text_rank.get(id(h), (None, None))
        if p is not None:
            h.extra["text"] = p.evidence.to_json()
            if p.start_s is not None:
                h.extra["text"]["at_s"] = [round(p.start_s, 3), round(p.end_s, 3)]
                if p.said:  # plays from the first word said, to the last
                    h.start_s, h.end_s, h.t_s = p.start_s, p.end_s, p.start_s
                else:  # joined with CLIP's moment of the video: it plays from where the words are on screen
                    h.end_s = max(p.end_s, h.end_s or p.end_s) if (h.end_s or 0.0) >= p.start_s else p.end_s
                    h.start_s, h.t_s = p.start_s, p.evidence.t_s
        fused.append((rrf([clip_rank[id(h)], rank], [1.0, text_weight(p.evidence) if p else 0.0]), h))
    fused.sort(key=lambda x: -x[0])
    return [h for _, h in fused]


def fused_matches(engine: SearchEngine, query: QueryVector, found: Matches, filters: Filters | None = None,
                  exact: bool | None = None) -> Matches:
    """A cut result list (`core.search.cutoff`) with the pictures that show the query's words among its
    matches, in the fused order: a picture holding the words is a match whatever its cosine."""
    from core.search.cutoff import Matches

    if not query.words:
        return found
    proposals = _text_proposals(engine.catalog, query.words)
    if not proposals:  # no picture shows the words: nothing to fuse (searching the vector again cost a third)
        return found
    fused = fused_search(engine, query.vector, query.words, max(FUSION_DEPTH, len(found.hits)), 0, filters, exact,
                         proposals)
    shown = [h for h in fused if "text" in h.extra]
    if not shown:
        return found
    for h in shown:
        h.extra.setdefault("confidence", "strong" if h.extra["text"]["coverage"] >= 1.0 else "likely")

    def new(h) -> bool:  # not a photo or a moment already shown (a text moment may have grown over CLIP's)
        return not any(s.file.id == h.file.id and (
            s.start_s is None if h.start_s is None else
            s.start_s is not None and s.start_s <= (h.end_s or h.start_s) and h.start_s <= (s.end_s or s.start_s))
            for s in shown)

    rest = [h for h in found.hits if new(h)]
    count = len(shown) + sum(1 for h in found.matches if new(h))
    hits = shown + rest
    for rank, h in enumerate(hits, 1):
        h.extra["rank"] = rank  # the fused order, which `sort_hits` keeps
    return Matches(hits, count, found.calibrated, found.complete)
