"""Search quality: the project's world-trained model on generated media, and real media with real weights.

    python tests/bench/quality.py [--gallery 2000] [--weights PATH --model NAME]

Sections are functions that return a ``Table``: text -> image, attributes, composed
retrieval (R@1/5/10 per method), video moments (R1@IoU0.5/0.7, mIoU) and relevance
feedback (recall@10 after 0/1/2 rounds). The composed, moments and feedback sections
measure simple baselines; add the engine's methods as rows (or new sections listed in
``main``). The world's data makers live in ``tests/quality/world.py``
(``make_pictures``, ``make_triplets``, ``make_attribute_probes``, ``make_videos``) and
the measures in ``tests/quality/measures.py``.

Text -> image is measured four ways on one held-out gallery written as JPEG files:
exact cosine in numpy float32, a usearch HNSW index storing f16, the same storing i8,
and the engine's fast decode path (``engine_fast_decode``) in place of full decoding.
Real media (COCO photos with five human captions each, from ``../shared/data``) need
real weights: ``--weights`` and ``--model`` name an open_clip model and its file.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.quality import measures, world  # noqa: E402
from tests.quality.metrics import recall_at_k, recall_from_ranked, relevance  # noqa: E402
from tests.quality.model import MODEL_NAME, WEIGHTS  # noqa: E402

GALLERY_SEED = 9_100_001
PROBE_SEED = 9_200_001
TRIPLET_SEED = 9_300_001
VIDEO_SEED = 9_400_001
KS = (1, 5, 10)


@dataclass
class Table:
    """One section of the report: a title, column names, rows and notes printed under it."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        cells = [[_cell(v) for v in row] for row in self.rows]
        widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(self.columns)]
        line = "  ".join(str(c).ljust(w) for c, w in zip(self.columns, widths, strict=True))
        out = [f"\n## {self.title}", line, "  ".join("-" * w for w in widths)]
        out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
        out += [f"  {note}" for note in self.notes]
        return "\n".join(out)


def _cell(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- encoders and decoding


def load_encoder(model: str, weights: Path) -> Any:
    """The engine's encoder (``core.models.embed.Encoder``) on CPU: the code path users get."""
    from core.models.embed import Encoder

    return Encoder(model, weights=weights, device="cpu").load()


def full_decode(path: Path) -> Image.Image:
    """Every pixel of the file, as RGB (the reference path)."""
    with Image.open(path) as image:
        return image.convert("RGB")


def engine_fast_decode(image_size: int) -> Callable[[Path], Image.Image] | None:
    """The engine's reduced-scale decode for a model that looks at ``image_size`` pixels.

    Hook for the engine: returns None where the engine has no fast path, and the
    text->image section then reports only the full decode.
    """
    try:
        from core.media.image import load_image
    except ImportError:
        return None
    return lambda path: load_image(str(path), min_side=image_size)[0]


def encode_files(
    encoder: Any, paths: Sequence[Path], decode: Callable[[Path], Image.Image], batch: int = 128
) -> tuple[np.ndarray, float]:
    """(vectors, seconds per file spent decoding + preprocessing) for image files."""
    import torch

    vectors, decode_seconds = [], 0.0
    for start in range(0, len(paths), batch):
        begun = time.perf_counter()
        tensors = [encoder.preprocess(decode(p)) for p in paths[start : start + batch]]
        decode_seconds += time.perf_counter() - begun
        vectors.append(encoder.encode_tensors(torch.stack(tensors)))
    return np.concatenate(vectors), decode_seconds / max(1, len(paths))


# --------------------------------------------------------------------------- text -> image


def ann_search(vectors: np.ndarray, queries: np.ndarray, dtype: str, k: int) -> tuple[np.ndarray, float, float]:
    """(top-k gallery indices, build seconds, query ms) with a usearch HNSW index storing ``dtype``."""
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="cos", dtype=dtype, connectivity=16)
    begun = time.perf_counter()
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors)
    built = time.perf_counter() - begun
    begun = time.perf_counter()
    matches = index.search(queries, k)
    query_ms = 1000 * (time.perf_counter() - begun) / len(queries)
    keys = np.asarray(matches.keys, dtype=np.int64)
    keys[np.asarray(matches.distances) >= np.finfo(np.float32).max] = -1
    return keys, built, query_ms


def text_to_image(
    title: str, encoder: Any, paths: Sequence[Path], queries: Sequence[str], relevant: np.ndarray, image_size: int
) -> Table:
    """R@1/5/10 exact, via HNSW f16 and i8, and with the engine's fast decode."""
    table = Table(title, ["method", "R@1", "R@5", "R@10", "top-10 overlap vs exact", "cost"])
    vectors, full_s = encode_files(encoder, paths, full_decode)
    query_vectors = encoder.encode_texts(list(queries))
    k = max(KS)
    scores = query_vectors @ vectors.T
    exact = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    table.rows.append(
        [
            "exact f32 (numpy)",
            *recall_at_k(scores, relevant, KS).values(),
            1.0,
            f"decode+preprocess {1000 * full_s:.2f} ms/file",
        ]
    )
    for dtype in ("f16", "i8"):
        top, built, query_ms = ann_search(vectors, query_vectors, dtype, k)
        overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(top, exact, strict=True)])
        table.rows.append(
            [
                f"usearch HNSW {dtype}",
                *recall_from_ranked(top, relevant, KS).values(),
                float(overlap),
                f"build {built:.2f} s, query {query_ms:.3f} ms",
            ]
        )
    fast = engine_fast_decode(image_size)
    if fast is None:
        table.notes.append("engine fast decode: not available in core.media.image, skipped")
    else:
        fast_vectors, fast_s = encode_files(encoder, paths, fast)
        fast_scores = query_vectors @ fast_vectors.T
        top = np.argsort(-fast_scores, axis=1, kind="stable")[:, :k]
        overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(top, exact, strict=True)])
        cosine = float(np.mean(np.sum(vectors * fast_vectors, axis=1)))
        table.rows.append(
            [
                "engine fast decode, exact",
                *recall_at_k(fast_scores, relevant, KS).values(),
                float(overlap),
                f"decode+preprocess {1000 * fast_s:.2f} ms/file, cosine to full {cosine:.5f}",
            ]
        )
    table.notes.append(f"{len(paths)} images, {len(queries)} queries; R@k: a relevant image in the top k")
    return table


def world_text_to_image(encoder: Any, n: int, folder: Path) -> Table:
    pictures = world.make_pictures(n, GALLERY_SEED, "test")
    paths = []
    for i, picture in enumerate(pictures):
        path = folder / f"world-{i:05d}.jpg"
        picture.image().save(path, "JPEG", quality=90)
        paths.append(path)
    keys = [p.scene for p in pictures]
    table = text_to_image(
        f"text -> image, generated world ({n} held-out pictures as JPEG)",
        encoder,
        paths,
        [p.query for p in pictures],
        relevance(keys, keys),
        encoder.image_size,
    )
    table.notes.append("queries: each picture's full caption in test-only phrasing; same scene = relevant")
    return table


def coco_text_to_image(encoder: Any) -> Table | str:
    captions_file = SHARED_DATA / "images" / "coco" / "captions.json"
    if not captions_file.exists():
        return f"real media skipped: {captions_file} not found (no ../shared/data beside the repository)"
    entries = json.loads(captions_file.read_text())
    paths = [SHARED_DATA / entry["file"] for entry in entries]
    queries, owners = [], []
    for i, entry in enumerate(entries):
        queries += entry["captions"]
        owners += [i] * len(entry["captions"])
    relevant = relevance(owners, list(range(len(paths))))
    return text_to_image(
        f"text -> image, COCO ({len(paths)} photos, 5 human captions each)",
        encoder,
        paths,
        queries,
        relevant,
        encoder.image_size,
    )


# --------------------------------------------------------------------------- world-only sections


def world_attributes(encoder: Any, sets: int) -> Table:
    table = Table(
        "attributes: pick the right picture among variants differing in one attribute",
        ["attribute", "accuracy", "chance", "sets"],
    )
    for attribute in ("colour", "shape", "count", "size", "position", "texture", "background"):
        probes = world.make_attribute_probes(attribute, sets, PROBE_SEED)
        images = [[p.image() for p in variants] for variants in probes]
        accuracy, chance = measures.attribute_accuracy(encoder, probes, images)
        table.rows.append([attribute, accuracy, chance, len(probes)])
    return table


def world_composed(encoder: Any, n: int) -> Table:
    table = Table(
        "composed retrieval: target among all references and targets (own reference excluded)",
        ["method", "R@1", "R@5", "R@10"],
    )
    triplets = world.make_triplets(n, TRIPLET_SEED, "test")
    vectors = measures.composed_vectors(
        encoder, triplets, [t.reference.image() for t in triplets], [t.target.image() for t in triplets]
    )
    for name, recall in measures.composed_recall(encoder, triplets, vectors, KS).items():
        table.rows.append([name, *recall.values()])
    wins = []
    for kind in world.EDIT_KINDS:
        chosen = [i for i, t in enumerate(triplets) if t.kind == kind]
        subset = {key: value[chosen] for key, value in vectors.items()}
        wins.append(f"{kind} {measures.composed_target_wins(subset):.2f}")
    table.notes.append(f"{n} held-out triplets of {len(world.EDIT_KINDS)} edit kinds; gallery {2 * n} pictures")
    table.notes.append(
        "image + text = normalise(image vector + text vector); target above reference: " + ", ".join(wins)
    )
    return table


def world_video_moments(encoder: Any, n: int, folder: Path) -> Table:
    step_s = 0.5
    table = Table(
        f"video moments: frames every {step_s} s; localiser = single-frame threshold baseline",
        ["video", "codec", "duration s", "shots", "peak in span", "R1@IoU0.5", "R1@IoU0.7", "mIoU"],
    )
    all_peaks, all_ious = [], []
    for i in range(n):
        codec = "h264" if i % 2 == 0 else "vp9"
        truth = world.make_video(folder, VIDEO_SEED + i, "test", codec=codec)
        times, frames = measures.decode_frames(truth.path, every_s=step_s)
        vectors = encoder.encode_images(frames)
        peaks = measures.video_peak_hits(encoder, truth, times, vectors)
        ious = np.array(measures.moment_ious(encoder, truth, times, vectors, step_s))
        all_peaks.append(peaks)
        all_ious += list(ious)
        table.rows.append([truth.path.name, codec, truth.duration_s, len(truth.spans), peaks, *_moment_row(ious)])
    table.rows.append(["all", "", "", "", float(np.mean(all_peaks)), *_moment_row(np.array(all_ious))])
    table.notes.append("shots 2-20 s, moving objects, exact repeats and near-duplicates (one attribute changed)")
    table.notes.append("a repeated shot's sentence counts as found in any of its spans")
    return table


def _moment_row(ious: np.ndarray) -> list[float]:
    return [float(np.mean(ious >= 0.5)), float(np.mean(ious >= 0.7)), float(np.mean(ious))]


def world_feedback(encoder: Any, n: int, rounds: int = 2) -> Table:
    table = Table("relevance feedback: recall@10 after each round (Rocchio baseline)", ["round", "recall@10"])
    pictures = world.make_pictures(n, GALLERY_SEED + 1, "test")
    vectors = encoder.encode_images([p.image() for p in pictures])
    pairs = measures.colour_shape_queries(pictures, held_out_only=False)
    queries = encoder.encode_texts([world.object_query(colour, shape) for colour, shape in pairs])
    relevant = np.array(
        [[any((g.colour, g.shape) == pair for g in p.scene.groups) for p in pictures] for pair in pairs]
    )
    for round_, recall in enumerate(measures.rocchio_recall(queries, vectors, relevant, rounds)):
        table.rows.append([round_, recall])
    table.notes.append(f'{len(pairs)} queries "a <colour> <shape>" over {n} held-out pictures; relevant = shows one')
    return table


def engine_video_moments(n_videos: int, weights: Path, folder: Path) -> str:
    """The engine's localisers (per-frame threshold baseline vs temporal map) through `Library.index`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import video_moments  # imports _common from this folder

    video_moments.world_section(n_videos, 1.0, weights, MODEL_NAME, folder / "engine-moments")
    return "  (moments above: tests/bench/video_moments.py, world section; real clips there with --weights)"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gallery", type=int, default=2000, help="held-out world pictures for text -> image")
    parser.add_argument("--probe-sets", type=int, default=40, help="probe sets per attribute")
    parser.add_argument("--triplets", type=int, default=400, help="held-out composed-edit triplets")
    parser.add_argument("--videos", type=int, default=4, help="generated videos (H.264 and VP9 alternately)")
    parser.add_argument("--moment-videos", type=int, default=12,
                        help="generated videos per split for the engine's moment localisers")
    parser.add_argument("--feedback-gallery", type=int, default=1000, help="held-out pictures for feedback")
    parser.add_argument("--world-weights", type=Path, default=WEIGHTS)
    parser.add_argument("--weights", type=Path, help="real open_clip weights file, for the real-media sections")
    parser.add_argument("--model", help="the open_clip model those weights belong to")
    args = parser.parse_args(argv)
    if (args.weights is None) != (args.model is None):
        parser.error("--weights and --model go together")

    import torch

    from tests.bench import compose as composed_bench  # composed methods, CIRR and feedback (issue 4)

    torch.manual_seed(0)
    print(f"# MediaLens search quality ({MODEL_NAME}: {args.world_weights.name})")
    encoder = load_encoder(MODEL_NAME, args.world_weights)
    with tempfile.TemporaryDirectory(prefix="medialens-quality-") as tmp:
        folder = Path(tmp)
        sections: list[Callable[[], Table | str]] = [
            lambda: world_text_to_image(encoder, args.gallery, folder),
            lambda: world_attributes(encoder, args.probe_sets),
            lambda: world_composed(encoder, args.triplets),
            lambda: composed_bench.composed_methods(encoder, args.triplets, TRIPLET_SEED),
            lambda: composed_bench.cirr_pipeline(encoder),
            lambda: world_video_moments(encoder, args.videos, folder),
            lambda: engine_video_moments(args.moment_videos, args.world_weights, folder),
            lambda: world_feedback(encoder, args.feedback_gallery),
            lambda: composed_bench.feedback_rounds(encoder, args.feedback_gallery, seed=GALLERY_SEED + 1),
        ]
        if args.weights is None:
            sections.append(lambda: "real media skipped: no real weights given (--weights PATH --model NAME)")
        else:
            real = load_encoder(args.model, args.weights)
            sections.append(lambda: coco_text_to_image(real))
            sections.append(lambda: composed_bench.cirr_pipeline(real))
        for section in sections:
            begun = time.perf_counter()
            result = section()
            text = result if isinstance(result, str) else result.render()
            print(f"{text}\n  ({time.perf_counter() - begun:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
