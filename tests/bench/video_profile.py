"""Where indexing a video spends its CPU, in CPU-seconds per video-second, stage by stage.

    python tests/bench/video_profile.py [--clips set,mixed,4k] [--model ViT-B-32] [--weights PATH]

CPU time (`time.process_time`: every thread of the process, FFmpeg's and ONNX Runtime's
included), not wall time: the machine is shared and wall time says more about the others.
Stages run one after another in this process, single-threaded decoding so a wrapper's CPU
delta is that stage's own (`time.thread_time`), then the same clips through `Library.index`
as the program runs them (threads on) for the total; what the stages do not explain there is
catalog writes, queues and Python around them.

Stages of the default (adaptive, shared frames) reading of a video:

* **demux + decode**: FFmpeg reading packets and decoding the frames the plan needs;
* **key probe**: the look-ahead keyframe decoder that finds quiet long GOPs;
* **cut miniature**: the 16×16 grey signature of every decoded frame;
* **to RGB + shrink**: `frame.reformat` to the small RGB picture, and the PIL image;
* **novelty**: the 16×16 colour miniature compared with the last embedded frame;
* **thumbnail**: the WEBP thumbnail of every embedded frame;
* **preprocess**: the model's resize/crop/normalise of every embedded frame;
* **embed**: the image tower on batches of 32 (the encoder `Library` opens: ONNX Runtime
  when the model has an export under $MEDIALENS_MODELS, as `video_decode.py` makes one).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _common import Timer, machine
from video_decode import CACHE, onnx_models, wanted_clips

STAGES = ["demux + decode", "key probe", "cut miniature", "to RGB + shrink", "novelty", "thumbnail",
          "preprocess", "embed"]


class _Wrapped:
    """Replaces module functions by ones that add their thread CPU time to `spent[stage]`."""

    def __init__(self, spent: dict[str, float], targets: list[tuple[object, str, str]]):
        self.spent, self.targets, self.saved = spent, targets, []

    def __enter__(self):
        for owner, attr, stage in self.targets:
            fn = getattr(owner, attr)
            self.saved.append((owner, attr, fn))

            def timed(*a, _fn=fn, _stage=stage, **k):
                t0 = time.thread_time()
                try:
                    return _fn(*a, **k)
                finally:
                    self.spent[_stage] += time.thread_time() - t0

            setattr(owner, attr, timed)
        return self

    def __exit__(self, *exc):
        for owner, attr, fn in reversed(self.saved):
            setattr(owner, attr, fn)


def profile_stages(paths: list[Path], encoder, home: Path) -> tuple[dict[str, float], int, int]:
    """CPU seconds per stage over the clips, samples taken and frames embedded."""
    from core.media import video
    from core.media.image import ThumbnailCache

    spent: dict[str, float] = defaultdict(float)
    thumbs = ThumbnailCache(home / "thumbs")
    samples = embedded = 0
    saved_threads = video.THREAD_TYPE
    video.THREAD_TYPE = "NONE"  # single-threaded decoding: its CPU is the calling thread's
    targets = [(video, "_signature", "cut miniature"), (video, "_to_image", "to RGB + shrink"),
               (video, "miniature", "novelty"), (video._KeyProbe, "miniature", "key probe")]
    try:
        for path in paths:
            images = []
            wrapped = [s for _, _, s in targets]
            before = sum(spent[s] for s in wrapped)
            with _Wrapped(spent, targets):
                t0 = time.thread_time()
                for sf in video.read_frames(path, video.Sampling(), min_side=max(encoder.image_size, 240)):
                    samples += 1
                    if not sf.shares:
                        images.append(sf.image)
                total = time.thread_time() - t0
            spent["demux + decode"] += total - (sum(spent[s] for s in wrapped) - before)
            for i, img in enumerate(images):
                t0 = time.thread_time()
                thumbs.put(f"{path.stem}", img, f"-{i}")
                spent["thumbnail"] += time.thread_time() - t0
            t0 = time.process_time()
            tensors = [encoder.preprocess(img) for img in images]
            spent["preprocess"] += time.process_time() - t0
            t0 = time.process_time()
            for i in range(0, len(tensors), 32):
                encoder.encode_preprocessed(tensors[i:i + 32])
            spent["embed"] += time.process_time() - t0
            embedded += len(images)
    finally:
        video.THREAD_TYPE = saved_threads
    return spent, samples, embedded


#: Decoder variants measured against the default: (label, thread type, decoder options, strategy).
VARIANTS = [
    ("default (threads AUTO, skip loop filter)", None, None, "adaptive"),
    ("threads NONE", "NONE", None, "adaptive"),
    ("threads SLICE", "SLICE", None, "adaptive"),
    ("threads FRAME", "FRAME", None, "adaptive"),
    ("+ skip_idct ALL", None, {"skip_loop_filter": "all", "skip_idct": "all"}, "adaptive"),
    ("loop filter on", None, {}, "adaptive"),
    ("keyframes only (NONKEY)", None, None, "keyframes"),
]


@contextlib.contextmanager
def _decoder(thread_type: str | None, options: dict | None):
    from core.media import video

    saved = video.THREAD_TYPE, video.DECODER_OPTIONS
    video.THREAD_TYPE = thread_type or saved[0]
    video.DECODER_OPTIONS = saved[1] if options is None else options
    try:
        yield
    finally:
        video.THREAD_TYPE, video.DECODER_OPTIONS = saved


def _read(paths: list[Path], strategy: str, min_side: int, targets: dict | None = None):
    from core.media import video

    out = {}
    for p in paths:
        out[p] = list(video.read_frames(p, video.Sampling(1.0, strategy), min_side, targets[p] if targets else None))
    return out


def options_table(clips: dict[str, list[Path]], encoder, repeat: int) -> None:
    """Decoding alone (read_frames, default sampling) under each variant: CPU and wall per video second.

    Agreement: the frames at the default's sample times, decoded with the variant's options, embedded
    and compared (cosine) with the same frames decoded with no skipping at all.
    """
    import statistics

    import numpy as np

    from core.media.video import probe

    size = max(encoder.image_size, 240)
    print(f"\n# decoding alone under FFmpeg options (read_frames, 1 sample/s), median of {repeat}, alternated; "
          f"agreement: cosine of embeddings vs the same frames fully decoded (min / mean)")
    print("| clips | variant | CPU s per video s | CPU-bound × real time | wall × real time | agreement min / mean |")
    print("|---|---|---|---|---|---|")
    for label, paths in clips.items():
        duration = sum(probe(p).duration_s or 0.0 for p in paths)
        runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for _ in range(repeat):
            for name, threads, options, strategy in VARIANTS:
                with _decoder(threads, options):
                    cpu, wall = time.process_time(), time.perf_counter()
                    _read(paths, strategy, size)
                    runs[name].append((time.process_time() - cpu, time.perf_counter() - wall))
        times = {p: [f.t_s for f in fs] for p, fs in _read(paths, "adaptive", size).items()}
        with _decoder(None, {}):
            ref = _read(paths, "full", size, times)
        ref_v = encoder.encode_preprocessed([encoder.preprocess(f.image) for fs in ref.values() for f in fs])
        for name, threads, options, strategy in VARIANTS:
            agree = "—"
            if strategy == "adaptive" and options is not None:
                with _decoder(threads, options):
                    got = _read(paths, "full", size, times)
                v = encoder.encode_preprocessed([encoder.preprocess(f.image) for fs in got.values() for f in fs])
                cos = np.sum(v * ref_v, axis=1) / np.linalg.norm(v, axis=1) / np.linalg.norm(ref_v, axis=1)
                agree = f"{cos.min():.4f} / {cos.mean():.4f}"
            cpu = statistics.median(r[0] for r in runs[name])
            wall = statistics.median(r[1] for r in runs[name])
            print(f"| {label} | {name} | {cpu / duration:.4f} | {duration / (cpu / 2):.1f}x | {duration / wall:.1f}x "
                  f"| {agree} |", flush=True)


def whole_run(paths: list[Path], model: str, weights: Path, home: Path, options: dict) -> tuple[float, float]:
    """Process CPU seconds and wall seconds of `Library.index` over the clips (decode + embed + write)."""
    from core.library import Library

    folder = home / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        shutil.copy2(p, folder / p.name)
    with Library(home / "lib", model=model, weights=weights, device="cpu") as lib:
        lib.models.encoder.load()
        cpu, wall = time.process_time(), time.perf_counter()
        report = lib.index([folder], **options)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert report.indexed == len(paths), report.failed
    return cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", default="set,mixed", help="which clips: set, mixed, 4k (comma-separated)")
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--weights", help="weights file for --model (default: random weights; speed only)")
    ap.add_argument("--options", action="store_true", help="also the table of FFmpeg decoder options")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    wanted = set(args.clips.split(","))
    model, weights = onnx_models(args.model, args.weights)

    from core.library import Library
    from core.media.video import probe

    clips = wanted_clips(wanted)
    home = Path(tempfile.mkdtemp(prefix="medialens-bench-profile-"))
    with Library(home / "enc", model=model, weights=weights, device="cpu") as lib:
        encoder = lib.models.encoder
        encoder.load()
        print(f"# CPU-seconds per video-second by stage, {model} on {type(encoder).__name__} ({machine()})")
        print("| clips | video s | samples | embedded | " + " | ".join(STAGES) + " | stages sum | whole index run "
              "| writes + overhead | CPU-bound × real time (2 cores) | wall × real time |")
        print("|---|---|---|---|" + "---|" * len(STAGES) + "---|---|---|---|---|")
        for label, paths in clips.items():
            duration = sum(probe(p).duration_s or 0.0 for p in paths)
            spent, samples, embedded = profile_stages(paths, encoder, home / "p")
            cpu, wall = whole_run(paths, model, weights, home / label.replace(" ", "_"), {})
            stages = sum(spent[s] for s in STAGES)
            cells = " | ".join(f"{spent[s] / duration:.4f}" for s in STAGES)
            print(f"| {label} | {duration:.0f} | {samples} | {embedded} ({embedded / samples:.0%}) | {cells} | "
                  f"{stages / duration:.4f} | {cpu / duration:.4f} | {max(0.0, cpu - stages) / duration:.4f} | "
                  f"{duration / (cpu / 2):.1f}x | {duration / wall:.1f}x |", flush=True)
        if args.options:
            options_table(clips, encoder, args.repeat)
    with contextlib.suppress(OSError):
        shutil.rmtree(home)


if __name__ == "__main__":
    CACHE.mkdir(exist_ok=True)
    with Timer() as total:
        main()
    print(f"\n(total {total.s:.0f} s)")
