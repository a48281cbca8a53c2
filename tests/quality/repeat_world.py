"""Videos with planted repeated footage and distinct-but-similar footage, for the duplicates' moment groups.

Shots come from the generated world (``world.plan_video``: objects moving over textures, which the
trained model tells apart). Planted repeats, each a group with known spans:

* **clip**: a stretch cut from the middle of a longer video (cut mid-shot), smaller and re-encoded;
* **re-upload**: a whole video encoded again at another size and quality, after a new opening;
* **intro**: the same two opening shots in front of three different videos (one has it in the middle);
* **twice**: one stretch shown twice in one video.

Distinct but similar, which must not be grouped: two videos holding the same *static* shot (a
still scene, as two recordings of one wall), and a moving shot next to its near-duplicate (one
attribute changed, same motion) in another video.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.quality import world
from tests.video_factory import write_frames

FPS = 10
SIZE = (160, 160)


@dataclass(frozen=True)
class Occurrence:
    name: str
    start_s: float
    end_s: float


def _shots(seed: int, n: int, moving: bool | None, duration_s: float) -> list[world.Shot]:
    """`n` distinct shots drawn from world videos (only moving or only still ones when `moving` says)."""
    out: list[world.Shot] = []
    k = 0
    seen = set()
    while len(out) < n:
        for shot in world.plan_video(seed + k, "test", n_shots=8):
            if shot.sentence in seen or (moving is not None and (shot.motion is not None) != moving):
                continue
            seen.add(shot.sentence)
            out.append(dataclasses.replace(shot, duration_s=duration_s))
            if len(out) == n:
                break
        k += 1
    return out


def _frames(shots: Sequence[world.Shot]) -> list[Image.Image]:
    return [Image.fromarray(f) for s in shots for f in world._shot_frames(s, FPS, SIZE)]


def _write(folder: Path, name: str, frames: list[Image.Image], size=SIZE, crf: int = 23) -> float:
    n = write_frames(folder / name, frames, FPS, size, crf=crf)
    return n / FPS


def make_repeat_world(folder: Path, seed: int = 7_100_001) -> list[frozenset[Occurrence]]:
    """Write the videos into `folder`; returns the planted groups (each a set of occurrences)."""
    folder.mkdir(parents=True, exist_ok=True)
    moving = iter(_shots(seed, 25, True, 4.0))
    still = _shots(seed + 500, 3, False, 6.0)
    groups = []

    # clip: 6.3 s .. 14.3 s of a 20 s video, at 128×128 and lower quality
    long = _frames([next(moving) for _ in range(5)])
    _write(folder, "long.mp4", long)
    a, b = round(6.3 * FPS), round(14.3 * FPS)
    _write(folder, "clip.mp4", long[a:b], size=(128, 128), crf=30)
    groups.append(frozenset({Occurrence("long.mp4", 6.3, 14.3), Occurrence("clip.mp4", 0.0, 8.0)}))

    # re-upload: a 12 s video again, at 144×144, after a new 3 s opening
    talk = _frames([next(moving) for _ in range(3)])
    _write(folder, "talk.mp4", talk)
    opening = _frames([dataclasses.replace(next(moving), duration_s=3.0)])
    _write(folder, "talk (reupload).mp4", opening + talk, size=(144, 144), crf=28)
    groups.append(frozenset({Occurrence("talk.mp4", 0.0, 12.0), Occurrence("talk (reupload).mp4", 3.0, 15.0)}))

    # intro: 8 s in front of two videos and in the middle of a third
    intro = _frames([next(moving) for _ in range(2)])
    _write(folder, "episode1.mp4", intro + _frames([next(moving) for _ in range(2)]))
    _write(folder, "episode2.mp4", intro + _frames([next(moving) for _ in range(2)]))
    _write(folder, "episode3.mp4", _frames([next(moving)]) + intro + _frames([next(moving)]))
    groups.append(frozenset({Occurrence("episode1.mp4", 0.0, 8.0), Occurrence("episode2.mp4", 0.0, 8.0),
                             Occurrence("episode3.mp4", 4.0, 12.0)}))

    # twice: 8 s shown at 0 s and again at 12 s of one video
    part = _frames([next(moving) for _ in range(2)])
    _write(folder, "twice.mp4", part + _frames([next(moving)]) + part)
    groups.append(frozenset({Occurrence("twice.mp4", 0.0, 8.0), Occurrence("twice.mp4", 12.0, 20.0)}))

    # distinct but similar: one still scene in two videos; a moving shot and its near-duplicate
    wall = _frames([still[0]])
    _write(folder, "wall1.mp4", _frames([next(moving)]) + wall + _frames([still[1]]))
    _write(folder, "wall2.mp4", wall + _frames([next(moving)]) + _frames([still[2]]))
    rng = world._rng(seed, "near")
    source = next(moving)
    near = None
    while near is None:
        near = world._near_duplicate(source, rng, "test", f"{seed}/near")
        if near is not None and near.motion != source.motion:
            near = None  # same motion: only the look differs
    near = dataclasses.replace(near, duration_s=source.duration_s, seed=source.seed)
    _write(folder, "near1.mp4", _frames([source, next(moving)]))
    _write(folder, "near2.mp4", _frames([next(moving), near]))
    return groups


def _iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def score(groups, truth: list[frozenset[Occurrence]], iou: float = 0.5) -> dict:
    """Precision and recall of predicted moment groups against the planted ones.

    An occurrence is found when a predicted one in the same video overlaps it with IoU ≥ `iou`.
    A predicted group is correct when its occurrences all match occurrences of one planted group;
    a planted group is found when one correct predicted group holds all of its occurrences.
    Also: occurrence precision/recall, false groups, and the mean start error of found occurrences.
    """
    def match(occ) -> tuple[int, Occurrence] | None:
        name = Path(occ.file.path).name
        best = None
        for gi, g in enumerate(truth):
            for t in g:
                v = _iou((occ.start_s, occ.end_s), (t.start_s, t.end_s))
                if t.name == name and v >= iou and (best is None or v > best[0]):
                    best = (v, gi, t)
        return None if best is None else (best[1], best[2])

    correct, found_truth, occ_hits, occ_total = 0, set(), 0, 0
    found_occ: dict[Occurrence, float] = {}
    for g in groups:
        matched = [match(c) for c in g.copies]
        occ_total += len(matched)
        origins = {m[0] for m in matched if m is not None}
        ok = None not in matched and len(origins) == 1
        if ok:
            correct += 1
            occ_hits += len(matched)
            gi = origins.pop()
            for c, m in zip(g.copies, matched, strict=True):
                found_occ[m[1]] = abs(c.start_s - m[1].start_s)
            if {m[1] for m in matched} == set(truth[gi]):
                found_truth.add(gi)
    n_truth_occ = sum(len(g) for g in truth)
    return {
        "group_precision": correct / len(groups) if groups else 1.0,
        "group_recall": len(found_truth) / len(truth),
        "occurrence_precision": occ_hits / occ_total if occ_total else 1.0,
        "occurrence_recall": len(found_occ) / n_truth_occ,
        "false_groups": len(groups) - correct,
        "start_error_s": sum(found_occ.values()) / len(found_occ) if found_occ else float("nan"),
    }
