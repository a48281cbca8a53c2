"""Repeated video moments: the same footage in several videos, or twice in one (a re-upload, a clip cut
from a longer video, a repeated intro), found from the frame vectors the catalog already stores.

One frame is weak evidence: two videos of one static wall, or a shot that changes slowly, have
many near-identical frames that are not copies of one another. So a moment is repeated only when
a *sequence* recurs:

1. every sampled frame asks the vector index for its nearest neighbours (`NEIGHBOURS`, the
   index's own ANN search: O(n log n) over n frames, no all-pairs loop) and keeps the video frames
   at least `frame_threshold` similar, from another video or from at least `MIN_SPAN_S` away in
   its own;
2. per pair of videos, matched frames are chained along a diagonal (dynamic programming over
   matches sorted by time): both times move forward by about the same step (`OFFSET_TOL_S`), never
   more than `MAX_GAP_S` apart. A chain of at least `MIN_FRAMES` frames lasting `MIN_SPAN_S` is a
   repeated span pair;
3. a chain whose frames all look alike (the content does not change along it) is dropped: it could
   sit at any offset, so it proves nothing. Two spans of one video must not overlap (a slow shot
   matching itself a few seconds later).

Spans of one video that overlap are one occurrence; pairs are joined into groups (union-find),
so a clip found in three videos is one group of three occurrences. Footage that never changes
(a static title card) is therefore not reported: that is the price of not merging every static shot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.media.video import MAX_SHARED_S
from core.store.catalog import FileRecord
from core.vector_math import from_blobs

if TYPE_CHECKING:  # pragma: no cover
    from core.search.context import SearchContext

#: Neighbours asked for per frame (a frame's own video takes some of them).
NEIGHBOURS = 32
#: A repeated span has at least this many matched frames and lasts at least this long (a still stretch
#: is one shared frame, so two frames that differ already pin the alignment).
MIN_FRAMES = 2
MIN_SPAN_S = 2.0
#: Matched frames further apart than this (in either video) end a chain: one sampled frame stands for
#: up to `MAX_SHARED_S` of footage that does not change.
MAX_GAP_S = MAX_SHARED_S + 1.0
#: How far the step in one video may differ from the step in the other (sampling phase, cut frames).
OFFSET_TOL_S = 1.5
#: Frames are compared with a looser cosine than photos: two copies are sampled at different instants
#: (up to half an interval apart) and a chain of frames, not one, has to agree.
VIDEO_SLACK = 2.0
#: A chain proves an alignment only when its footage changes this many times more than copies differ
#: (tests/bench/duplicates.py: at 1, a moving shot matched a different moving shot of the world model).
CHANGE_SLACK = 2.0


def frame_threshold(photo_threshold: float) -> float:
    """The cosine at which two sampled frames may show the same footage, from the photo copy threshold."""
    return 1.0 - VIDEO_SLACK * (1.0 - photo_threshold)


@dataclass
class Occurrence:
    """Where a repeated moment appears: a span of one video."""

    file: FileRecord
    start_s: float
    end_s: float
    similarity: float  # mean cosine of its matched frames
    keep: bool = False  # moments are never moved to the trash: the rest of the video may be unique

    def to_json(self) -> dict:
        return {"path": self.file.path, "id": self.file.id, "kind": self.file.kind, "size": self.file.size,
                "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2),
                "similarity": round(self.similarity, 4)}


@dataclass
class RepeatedMoment:
    """Occurrences of one piece of footage, longest-video first."""

    copies: list[Occurrence]
    kind: str = "moment"
    reclaimable: int = 0  # nothing is freed by a moment: the videos hold other footage too

    @property
    def duration_s(self) -> float:
        return max(c.end_s - c.start_s for c in self.copies)

    def to_json(self) -> dict:
        return {"kind": self.kind, "count": len(self.copies), "duration_s": round(self.duration_s, 2),
                "copies": [c.to_json() for c in self.copies]}


@dataclass
class _Chain:
    file_a: int
    file_b: int
    items_a: list[int]
    items_b: list[int]
    span_a: tuple[float, float]
    span_b: tuple[float, float]
    similarity: float


def frame_matches(ctx: SearchContext, threshold: float) -> tuple[dict[tuple[int, int], list[tuple]], dict[int, float]]:
    """(file a, file b) -> [(time a, time b, item a, item b, cosine)] of frames at least `threshold` alike,
    and each frame's end: the time of its video's next sampled frame (a sample stands for the footage
    until the next one)."""
    frames = ctx.catalog.video_frames(ctx.model_id)
    if not frames:
        return {}, {}
    where = {item: (fid, t) for item, fid, t in frames}
    length = {fid: rec.duration_s for fid, rec in ctx.catalog.files({fid for _, fid, _ in frames}).items()}
    following = [*frames[1:], (0, -1, 0.0)]
    ends = {item: (nt if nf == fid else max(t + 1.0, length.get(fid) or 0.0))
            for (item, fid, t), (_, nf, nt) in zip(frames, following, strict=True)}
    out: dict[tuple[int, int], dict] = defaultdict(dict)
    for start in range(0, len(frames), 512):
        chunk = [f[0] for f in frames[start:start + 512]]
        blobs = ctx.catalog.vectors_for_items(ctx.model_id, chunk)
        vecs = from_blobs([blobs[i] for i in chunk], ctx.dim).astype(np.float32)
        for item, vec in zip(chunk, vecs, strict=True):
            fa, ta = where[item]
            keys, sims = ctx.vindex.search(vec, NEIGHBOURS)
            for k, s in zip(keys, sims, strict=True):
                if s < threshold:
                    break
                other = where.get(int(k))
                if other is None:
                    continue  # a photo
                fb, tb = other
                if fb == fa and abs(tb - ta) < MIN_SPAN_S:
                    continue  # the same moment, or its neighbour in a slow shot
                a, b = ((fa, ta, item), (fb, tb, int(k))) if (fa, ta) < (fb, tb) else ((fb, tb, int(k)), (fa, ta, item))
                out[a[0], b[0]][a[2], b[2]] = (a[1], b[1], a[2], b[2], float(s))
    return {pair: list(m.values()) for pair, m in out.items()}, ends


def _chains(pair: tuple[int, int], matches: list[tuple], ends: dict[int, float]) -> list[_Chain]:
    """Diagonal chains of matches between two videos (longest first, each match used once)."""
    ms = sorted(matches)
    n = len(ms)
    length = [1] * n
    prev = [-1] * n
    for j in range(n):
        ta, tb = ms[j][0], ms[j][1]
        for i in range(j - 1, -1, -1):
            da = ta - ms[i][0]
            if da > MAX_GAP_S:
                break
            db = tb - ms[i][1]
            if da > 0 and 0 < db <= MAX_GAP_S and abs(db - da) <= OFFSET_TOL_S and length[i] + 1 > length[j]:
                length[j], prev[j] = length[i] + 1, i
    used = [False] * n
    out = []
    for end in sorted(range(n), key=lambda j: -length[j]):
        if length[end] < MIN_FRAMES or used[end]:
            continue
        path = []
        j = end
        while j >= 0 and not used[j]:
            path.append(j)
            used[j] = True
            j = prev[j]
        path.reverse()
        if len(path) < MIN_FRAMES:
            continue
        picked = [ms[j] for j in path]
        span_a = (picked[0][0], ends[picked[-1][2]])
        span_b = (picked[0][1], ends[picked[-1][3]])
        if min(span_a[1] - span_a[0], span_b[1] - span_b[0]) < MIN_SPAN_S:
            continue
        if pair[0] == pair[1] and span_a[1] >= span_b[0]:
            continue  # one video's span overlapping its own repeat: a slow shot, not a repeat
        out.append(_Chain(pair[0], pair[1], [m[2] for m in picked], [m[3] for m in picked], span_a, span_b,
                          float(np.mean([m[4] for m in picked]))))
    return out


def _changes(ctx: SearchContext, chain: _Chain, threshold: float) -> bool:
    """Whether the footage changes along the chain: two of its frames are `CHANGE_SLACK` times further
    apart than two frames of one footage may be (a cut or real motion, not a slow drift or a still)."""
    blobs = ctx.catalog.vectors_for_items(ctx.model_id, chain.items_a)
    vecs = from_blobs([blobs[i] for i in chain.items_a], ctx.dim).astype(np.float32)
    return float((vecs @ vecs.T).min()) < 1.0 - CHANGE_SLACK * (1.0 - threshold)


def repeated_moments(ctx: SearchContext, photo_threshold: float) -> list[RepeatedMoment]:
    """Groups of repeated video footage, most occurrences first, then longest."""
    threshold = frame_threshold(photo_threshold)
    matches, ends = frame_matches(ctx, threshold)
    chains = [c for pair, ms in matches.items() for c in _chains(pair, ms, ends) if _changes(ctx, c, threshold)]
    # Nodes: (file, start, end) spans; spans of one file that overlap by half the shorter become one.
    spans: dict[int, list[list]] = defaultdict(list)  # file -> [[start, end, node id, sims]]
    parent: list[int] = []

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def node(fid: int, span: tuple[float, float], sim: float) -> int:
        for s in spans[fid]:
            overlap = min(s[1], span[1]) - max(s[0], span[0])
            if overlap >= 0.5 * min(s[1] - s[0], span[1] - span[0]):
                s[0], s[1] = min(s[0], span[0]), max(s[1], span[1])
                s[3].append(sim)
                return s[2]
        parent.append(len(parent))
        spans[fid].append([span[0], span[1], len(parent) - 1, [sim]])
        return len(parent) - 1

    for c in chains:
        a, b = node(c.file_a, c.span_a, c.similarity), node(c.file_b, c.span_b, c.similarity)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[tuple[int, list]]] = defaultdict(list)
    for fid, ss in spans.items():
        for s in ss:
            members[find(s[2])].append((fid, s))
    files = ctx.catalog.files({fid for fid in spans})
    groups = []
    for occ in members.values():
        copies = [Occurrence(files[fid], s[0], s[1], float(np.mean(s[3]))) for fid, s in occ if fid in files]
        if len(copies) < 2:
            continue
        copies.sort(key=lambda c: (-(c.file.duration_s or 0), c.file.path, c.start_s))
        groups.append(RepeatedMoment(copies))
    groups.sort(key=lambda g: (-len(g.copies), -g.duration_s, g.copies[0].file.path, g.copies[0].start_s))
    return groups
