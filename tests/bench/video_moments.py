"""Moment localisation quality: the per-frame baseline against the temporal map, R1@IoU, R5@IoU0.5, mean IoU.

    python tests/bench/video_moments.py [--weights PATH --model NAME] [--videos 8] [--fps 1]

(about 3 minutes with 8 videos per split on this machine; the figures in core/search/moments.py
came from ``--videos 12``.) Each query is a sentence that describes one stretch of one
video; the localiser's first moment in that video counts at IoU 0.5 / 0.7 when it overlaps
a true stretch that much (a sentence whose shot repeats has several true stretches: the
best one counts); R5@IoU0.5 counts any of its first five moments. Videos go through the
real pipeline: `Library.index` (sampling, frame sharing, embedding), then the moments of
`core.search.moments` on the stored frames.

* **World**: the *hard* generated videos of `tests/quality/world.py` (`plan_hard_video`:
  long shots that change slowly and are briefly hidden, near-duplicates next to their
  original, one subject in several places, repeats, 1 s cross-fades between shots) with
  the project's trained MediaLens-World model, test split (colour x shape pairs the model
  never saw together). The level `alpha` of each method is chosen on validation videos
  (test split, other seeds; the sweep is printed) and measured on the evaluation videos,
  indexed twice: with frame sharing (the default) and with every sample embedded.
* **Real clips**: one long video joined from the ten shared clips in the order of
  `moments.json` (re-encoded to 640x360 at 25 fps with PyAV); each clip's span is the
  truth for its sentence. Needs real weights (`--weights` and `--model`): without them
  this section is skipped, and says so.

Besides the two shipped methods, `pooled cosine + flanks` is the first temporal score
that was tried (cosine with the normalised mean vector of a span, less half its flanks'),
kept here as a measured alternative.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, machine

from core.search import moments
from core.search.moments import Moment, iou, sample_cells, span_lengths

WORLD_EVAL_SEED = 9_400_101
WORLD_VALIDATION_SEED = 9_500_101
ALPHAS = (0.2, 0.35, 0.5, 0.65, 0.8)
JOINED_SIZE, JOINED_FPS = (640, 360), 25


@dataclass(frozen=True)
class Query:
    video: Path
    text: str
    spans: tuple[tuple[float, float], ...]


# ----- the rejected alternative, for the record -----------------------------------------------------

def pooled_cosine_moments(vectors: np.ndarray, query: np.ndarray, times: np.ndarray, duration: float,
                          k: int = 1, flank_weight: float = 0.5) -> list[Moment]:
    """Spans scored by cosine with their normalised mean vector less `flank_weight` x the same of their flanks."""
    n = len(vectors)
    sims = vectors @ query
    csum = np.zeros((n + 1, vectors.shape[1]), np.float64)
    np.cumsum(vectors, axis=0, out=csum[1:])
    cq = np.concatenate([[0.0], np.cumsum(sims)])

    def pooled(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (cq[b] - cq[a]) / np.maximum(np.linalg.norm(csum[b] - csum[a], axis=1), 1e-9)

    idx = np.arange(n + 1)
    prefix = np.full(n + 1, np.nan)
    prefix[1:] = pooled(np.zeros(n, np.int64), idx[1:])
    suffix = np.full(n + 1, np.nan)
    suffix[:-1] = pooled(idx[:-1], np.full(n, n))
    cell_start, cell_end = sample_cells(times, duration)
    best: tuple[float, int, int, float] | None = None
    for length in span_lengths(n):
        i = np.arange(n - length + 1)
        p = pooled(i, i + length)
        left = np.where(i >= length, np.r_[np.full(length, np.nan), p][: len(i)], prefix[i])
        right = np.where(i + 2 * length <= n, np.r_[p, np.full(length, np.nan)][length:length + len(i)],
                         suffix[np.minimum(i + length, n)])
        flank = np.fmax(left, right)
        rank = p - flank_weight * np.where(np.isnan(flank), p, flank)
        c = int(np.argmax(rank))
        if best is None or rank[c] > best[0]:
            best = (float(rank[c]), c, c + length - 1, float(p[c]))
    _, a, b, score = best
    top = a + int(np.argmax(sims[a:b + 1]))
    return [Moment(float(cell_start[a]), float(cell_end[b]), score, best[0], top, float(times[top]))]


# ----- measuring --------------------------------------------------------------------------------------

Localiser = Callable[[np.ndarray, np.ndarray, np.ndarray, float], list[Moment]]


def shipped(method: str, alpha: float) -> Localiser:
    fn = moments.temporal_moments if method == "temporal" else moments.threshold_moments

    def localise(vectors: np.ndarray, query: np.ndarray, times: np.ndarray, duration: float) -> list[Moment]:
        return fn(vectors @ query, times, duration, 5, alpha=alpha)

    return localise


def pooled_cosine(vectors: np.ndarray, query: np.ndarray, times: np.ndarray, duration: float) -> list[Moment]:
    return pooled_cosine_moments(vectors, query, times, duration)


def index_videos(paths: Sequence[Path], home: Path, model: str, weights: Path, fps: float, dedup: bool = True):
    """Index the videos; returns the library and each video's frames (times, vectors, duration)."""
    from core.library import Library

    folder = home / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        if p.parent != folder:
            shutil.copy2(p, folder / p.name)
    lib = Library(home / "lib", model=model, weights=weights, device="cpu")
    report = lib.index([folder], fps=fps, dedup=dedup)
    if report.failed:
        raise SystemExit(f"indexing failed: {report.failed}")
    finder = moments.MomentFinder(lib.engine().context)
    frames = {p.name: finder.frames(lib.catalog.file_by_path(str(folder / p.name))) for p in paths}
    return lib, frames


def measure(lib, frames, queries: Sequence[Query], localisers: dict[str, Localiser]) -> dict[str, tuple]:
    """R1@IoU0.5, R1@IoU0.7, mean IoU (of each localiser's first moment) and R5@IoU0.5 over the queries."""
    texts = sorted({q.text for q in queries})
    vectors = dict(zip(texts, lib.models.encoder.encode_texts(texts), strict=True))
    out = {}
    for name, localise in localisers.items():
        ious, top5 = [], []
        for q in queries:
            vf = frames[q.video.name]
            found = localise(vf.vectors, vectors[q.text], vf.times, vf.duration_s)
            each = [max(iou((m.start_s, m.end_s), s) for s in q.spans) for m in found[:5]]
            ious.append(each[0])
            top5.append(max(each) >= 0.5)
        a = np.array(ious)
        out[name] = (float((a >= 0.5).mean()), float((a >= 0.7).mean()), float(a.mean()), float(np.mean(top5)),
                     len(a))
    return out


def print_table(title: str, results: dict[str, tuple], notes: Sequence[str] = ()) -> None:
    print(f"\n## {title}")
    print("| method | R1@IoU0.5 | R1@IoU0.7 | mean IoU | R5@IoU0.5 | queries |")
    print("|---|---|---|---|---|---|")
    for name, (r5, r7, miou, top5, n) in results.items():
        print(f"| {name} | {r5:.3f} | {r7:.3f} | {miou:.3f} | {top5:.3f} | {n} |")
    for note in notes:
        print(f"  {note}")


# ----- world --------------------------------------------------------------------------------------------

def world_queries(truths) -> list[Query]:
    """One query per distinct sentence of each video; all its spans are correct answers."""
    out = []
    for truth in truths:
        by_sentence: dict[str, list[tuple[float, float]]] = {}
        for span in truth.spans:
            by_sentence.setdefault(span.sentence, []).append((span.start_s, span.end_s))
        out += [Query(Path(truth.path), text, tuple(spans)) for text, spans in by_sentence.items()]
    return out


@dataclass
class WorldResults:
    """The validation sweep, the alphas it chose, and the evaluation of every method, sharing on and off."""

    sweep: dict[str, tuple]
    chosen: dict[str, float]
    results: dict[str, dict[str, tuple]]
    notes: list[str]
    truths: list


def _share(frames: dict, truths) -> str:
    embedded = sum(len(vf.times) for vf in frames.values())
    return f"{embedded} frames embedded for {sum(t.duration_s for t in truths):.0f} s of video"


def evaluate_world(n_videos: int, fps: float, weights: Path, model: str, work: Path) -> WorldResults:
    from tests.quality import world

    truths = {}
    for name, seed in (("validation", WORLD_VALIDATION_SEED), ("evaluation", WORLD_EVAL_SEED)):
        folder = work / f"world-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        truths[name] = world.make_videos(folder, n_videos, seed, "test", hard=True)
    lib, frames = index_videos([Path(t.path) for t in truths["validation"]], work / "lib-validation", model,
                               weights, fps)
    queries = world_queries(truths["validation"])
    sweep = measure(lib, frames, queries,
                    {f"{m} alpha={a}": shipped(m, a) for m in moments.METHODS for a in ALPHAS})
    # the best mean IoU; among equals, the alpha nearest the middle
    chosen = {m: max(ALPHAS, key=lambda a, m=m: (round(sweep[f"{m} alpha={a}"][2], 3), -abs(a - 0.5)))
              for m in moments.METHODS}
    queries = world_queries(truths["evaluation"])
    localisers = {
        **{f"{m} (alpha {chosen[m]}, chosen on validation)": shipped(m, chosen[m]) for m in moments.METHODS},
        **{f"{m} (alpha {a}, shipped default)": shipped(m, a)
           for m, a in (("temporal", moments.TEMPORAL_ALPHA), ("threshold", moments.THRESHOLD_ALPHA))},
        "pooled cosine + flanks (rejected)": pooled_cosine,
    }
    results, shares = {}, []
    paths = [Path(t.path) for t in truths["evaluation"]]
    for label, dedup in (("frame sharing on (default)", True), ("frame sharing off (every sample embedded)", False)):
        lib, frames = index_videos(paths, work / f"lib-evaluation-{dedup}", model, weights, fps, dedup=dedup)
        results[label] = measure(lib, frames, queries, localisers)
        shares.append(f"{label}: {_share(frames, truths['evaluation'])}")
    seconds = sum(t.duration_s for t in truths["evaluation"])
    notes = [f"{len(paths)} hard generated videos (test split), {seconds:.0f} s, "
             f"{len(queries)} sentences, sampled at {fps:g}/s; model {model} ({weights.name})", *shares]
    return WorldResults(sweep, chosen, results, notes, truths["evaluation"])


def false_merges(path: Path, spans: Sequence[tuple[float, float]]) -> tuple[int, int, int]:
    """(samples, embedded, shared across a true boundary) of one video under the default sampling.

    A shared sample is a false merge when it lies in another true span than the embedded sample whose
    vector it shares.
    """
    from core.media import video

    def where(t: float) -> int:
        return next((i for i, (a, b) in enumerate(spans) if a <= t < b), len(spans))

    samples = embedded = false = 0
    last = 0.0
    for f in video.read_frames(path):
        samples += 1
        if not f.shares:
            embedded, last = embedded + 1, f.t_s
        elif where(f.t_s) != where(last):
            false += 1
    return samples, embedded, false


def sharing_table(videos: dict[str, list[tuple[Path, list[tuple[float, float]]]]]) -> None:
    print("\n## frame sharing: samples that share the last embedded one's vector, and false merges")
    print("| videos | samples | embedded | share embedded | shared across a true boundary |")
    print("|---|---|---|---|---|")
    for label, items in videos.items():
        counts = np.array([false_merges(p, spans) for p, spans in items]).sum(axis=0)
        print(f"| {label} | {counts[0]} | {counts[1]} | {counts[1] / counts[0]:.0%} | {counts[2]} |")


def world_section(n_videos: int, fps: float, weights: Path, model: str, work: Path) -> None:
    found = evaluate_world(n_videos, fps, weights, model, work)
    print_table("world (hard videos), validation: choosing alpha (frame sharing on)", found.sweep)
    for label, results in found.results.items():
        print_table(f"world (hard videos), evaluation, {label}", results)
    for note in found.notes:
        print(f"  {note}")
    truths = found.truths
    sharing_table({
        "world, hard evaluation videos (true spans: shots)": [
            (Path(t.path), [(s.start_s, s.end_s) for s in t.spans]) for t in truths],
    })


# ----- real clips -------------------------------------------------------------------------------------

def join_real_clips(work: Path) -> tuple[Path, list[Query]]:
    """The ten clips of moments.json joined into one video; each clip's span is its sentence's truth."""
    import av

    spec = json.loads((SHARED_DATA / "videos" / "moments.json").read_text())
    path = work / "joined.mp4"
    spans = []
    n = 0
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=JOINED_FPS, options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = *JOINED_SIZE, "yuv420p"
        for clip in spec["clips"]:
            start = n
            with av.open(str(SHARED_DATA / clip["file"])) as src:
                first = None
                for frame in src.decode(video=0):
                    t = frame.time if frame.time is not None else 0.0
                    first = t if first is None else first
                    small = frame.reformat(width=JOINED_SIZE[0], height=JOINED_SIZE[1], format="yuv420p")
                    while (n - start) / JOINED_FPS <= t - first + 1e-6:  # resample to a constant rate
                        small.pts, small.time_base = n, Fraction(1, JOINED_FPS)
                        out.mux(stream.encode(small))
                        n += 1
            spans.append((start / JOINED_FPS, n / JOINED_FPS, clip["description"]))
        out.mux(stream.encode(None))
    return path, [Query(path, text, ((a, b),)) for a, b, text in spans]


def real_section(weights: Path | None, model: str | None, fps: float, work: Path) -> None:
    path, queries = join_real_clips(work)
    sharing_table({"real clips joined (true spans: the clips)": [(path, [q.spans[0] for q in queries])]})
    if weights is None or model is None:
        print("\n## real clips: skipped — no real weights given (--weights PATH --model NAME); random "
              "weights cannot tell a cockatoo from a bridge")
        return
    lib, frames = index_videos([path], work / "lib-real", model, weights, fps)
    results = measure(lib, frames, queries, {
        **{f"{m} (alpha {a})": shipped(m, a) for m, a in (("temporal", moments.TEMPORAL_ALPHA),
                                                         ("threshold", moments.THRESHOLD_ALPHA))},
        "pooled cosine + flanks (rejected)": pooled_cosine,
    })
    print_table(f"real clips joined: {queries[-1].spans[0][1]:.0f} s, 10 sentences, sampled at {fps:g}/s",
                results, [f"model {model} ({weights})"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", type=Path, help="real open_clip weights for the real-clip section")
    ap.add_argument("--model", help="the open_clip model those weights belong to")
    ap.add_argument("--videos", type=int, default=8, help="generated videos per split")
    ap.add_argument("--fps", type=float, default=1.0, help="sampling rate for indexing")
    args = ap.parse_args()
    from tests.quality.model import WEIGHTS

    print(f"# moment localisation ({machine()})")
    work = Path(tempfile.mkdtemp(prefix="medialens-bench-moments-"))
    if Path(WEIGHTS).exists():
        world_section(args.videos, args.fps, Path(WEIGHTS), "MediaLens-World", work)
    else:
        print(f"\n## world: skipped — the trained model is not there ({WEIGHTS})")
    real_section(args.weights, args.model, args.fps, work)


if __name__ == "__main__":
    main()
