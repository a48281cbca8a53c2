"""How fast videos are sampled and indexed: decode strategies on 1080p H.264, in × real time.

    python tests/bench/video_decode.py [--repeat 3] [--model ViT-B-32] [--weights PATH] [--skip-index]

None of the shared clips is 1080p, so two are made from them (cached in the temp folder):
cockatoo + Big Buck Bunny + Chaplin (53.6 s) scaled to 1920x1080 at 30 fps, H.264 (x264
veryfast, CRF 21), once with x264's default GOP (keyframes up to 250 frames apart and at
cuts, like downloaded video) and once with a keyframe every second (like phones and cameras).

Strategies, each producing ~1 sample per second as RGB at the model's scale:

* naive full decode (the baseline, 1.00x): every frame decoded, loop filter on, slice
  threads, each kept frame converted at full size and shrunk by Pillow;
* full decode as `core.video` does it, then without its frame threads, then without skipping
  the loop filter — what each setting is worth;
* keyframes only (`decode="keyframes"`): spacing is whatever the encoder chose;
* seek per sample: seek to each second, decode forward to it;
* adaptive (the default): a short GOP costs its keyframe, a long one stops at its last sample.

Each figure is the best of `--repeat` runs (the machine is shared; the best run is the
least disturbed). Embedding agreement: cosine between the model's vectors of the same
frames decoded with and without the loop filter. Then end-to-end indexing through
`Library.index` (decode + embed + write) for the default and for full decoding, with the
model alone on preprocessed batches as the rate everything hides behind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, Timer, machine, random_weights

SOURCES = ["imageio_cockatoo.mp4", "moviepy_big_buck_bunny_0_30.webm", "moviepy_chaplin.mp4"]
CACHE = Path(tempfile.gettempdir()) / "medialens-bench-video"
MIN_SIDE = 240


def make_clips() -> dict[str, Path]:
    """The two 1080p H.264 clips, encoded in one pass over the sources (a few minutes, once)."""
    import av

    CACHE.mkdir(exist_ok=True)
    clips = {"x264 default GOP": CACHE / "clip1080_default_gop.mp4", "1 s GOP": CACHE / "clip1080_gop1s.mp4"}
    if all(p.exists() for p in clips.values()):
        return clips
    params = {"x264 default GOP": "", "1 s GOP": "keyint=30:min-keyint=30:scenecut=0"}
    tmp = {k: p.with_suffix(".part.mp4") for k, p in clips.items()}
    outs = {k: av.open(str(p), "w") for k, p in tmp.items()}
    streams = {}
    for k, out in outs.items():
        opts = {"preset": "veryfast", "crf": "21"}
        if params[k]:
            opts["x264-params"] = params[k]
        s = out.add_stream("libx264", rate=30, options=opts)
        s.width, s.height, s.pix_fmt = 1920, 1080, "yuv420p"
        streams[k] = s
    n = 0
    for name in SOURCES:
        with av.open(str(SHARED_DATA / "videos" / name)) as src:
            next_t = 0.0
            for frame in src.decode(video=0):
                big = frame.reformat(width=1920, height=1080, format="yuv420p")
                big.pict_type = av.video.frame.PictureType.NONE  # keyframes where the encoder puts them
                while next_t <= frame.time + 1e-6:  # resample to a constant 30 fps
                    big.pts, big.time_base = n, Fraction(1, 30)
                    for k in outs:
                        outs[k].mux(streams[k].encode(big))
                    n += 1
                    next_t += 1 / 30
    for k, out in outs.items():
        out.mux(streams[k].encode(None))
        out.close()
        tmp[k].rename(clips[k])
    return clips


def clip_facts(path: Path) -> tuple[float, int, float]:
    """Duration, keyframe count and longest keyframe gap."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        keys = [float(p.pts * s.time_base) for p in c.demux(s) if p.is_keyframe and p.pts is not None]
        duration = float(s.duration * s.time_base)
    return duration, len(keys), max(np.diff([*keys, duration]))


# ----- the strategies -------------------------------------------------------------------------------

def naive(path: Path) -> list[float]:
    import av
    from PIL import Image

    times = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "SLICE"
        due = 0.0
        for frame in c.decode(s):
            if frame.time >= due - 1e-3:
                img = frame.to_image()
                img.resize((round(img.width * MIN_SIDE / img.height), MIN_SIDE), Image.Resampling.BILINEAR)
                times.append(frame.time)
                due = frame.time + 1.0
    return times


def seek_each_second(path: Path) -> list[float]:
    import av

    from core import video

    times = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = video.THREAD_TYPE
        s.codec_context.options = dict(video.DECODER_OPTIONS)
        duration = float(s.duration * s.time_base)
        t = 0.0
        while t < duration:
            c.seek(int(t / s.time_base), stream=s, backward=True)
            for frame in c.decode(s):
                if frame.time >= t - 1e-3:
                    video._to_image(frame, MIN_SIDE, 1.0, 0)
                    times.append(frame.time)
                    break
            t += 1.0
    return times


def core_strategy(strategy: str, thread_type: str | None = None, options: dict | None = None
                  ) -> Callable[[Path], list[float]]:
    def run(path: Path) -> list[float]:
        from core import video

        saved = video.THREAD_TYPE, video.DECODER_OPTIONS
        video.THREAD_TYPE = thread_type or saved[0]
        video.DECODER_OPTIONS = saved[1] if options is None else options
        try:
            return [f.t_s for f in video.read_frames(path, video.Sampling(1.0, strategy), MIN_SIDE)]
        finally:
            video.THREAD_TYPE, video.DECODER_OPTIONS = saved

    return run


STRATEGIES: list[tuple[str, Callable[[Path], list[float]]]] = [
    ("naive full decode (baseline)", naive),
    ("full decode (core: frame threads, skip loop filter, shrink in FFmpeg)", core_strategy("full")),
    ("  same, slice threads only", core_strategy("full", thread_type="SLICE")),
    ("  same, loop filter on", core_strategy("full", options={})),
    ("keyframes only", core_strategy("keyframes")),
    ("seek to each second", seek_each_second),
    ("adaptive (default)", core_strategy("adaptive")),
]


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    runs = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return min(runs), result


def loop_filter_agreement(path: Path, encoder) -> tuple[float, float]:
    """Cosine between vectors of the same sampled frames decoded with and without the loop filter."""
    from core import video

    times = [f.t_s for f in video.read_frames(path, video.Sampling(1.0, "full"), MIN_SIDE)]
    images = {}
    for name, options in (("skip", {"skip_loop_filter": "all"}), ("on", {})):
        saved = video.DECODER_OPTIONS
        video.DECODER_OPTIONS = options
        try:
            images[name] = [f.image for f in video.read_frames(path, video.Sampling(1.0, "full"), MIN_SIDE,
                                                                targets=times)]
        finally:
            video.DECODER_OPTIONS = saved
    a, b = encoder.encode_images(images["skip"]), encoder.encode_images(images["on"])
    cos = (a * b).sum(axis=1)
    return float(cos.mean()), float(cos.min())


def index_speed(path: Path, model: str, weights: Path, decode: str, home: Path) -> tuple[float, int]:
    """Seconds of decode + embed + write for one clip through `Library.index`, and its frames."""
    import shutil

    from core.library import Library

    folder = home / f"clip-{decode}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, folder / path.name)
    with Library(home / f"lib-{decode}", model=model, weights=weights, device="cpu") as lib:
        report = lib.index([folder], decode=decode)
    assert report.indexed == 1, report.failed
    return report.embed_s, report.frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--weights", help="weights file for --model (default: random weights; speed only)")
    ap.add_argument("--skip-index", action="store_true", help="decode strategies only")
    args = ap.parse_args()

    clips = make_clips()
    facts = {k: clip_facts(p) for k, p in clips.items()}
    print(f"# video decode strategies, 1080p30 H.264 ({machine()}), best of {args.repeat}")
    for k, (dur, keys, gap) in facts.items():
        print(f"#   {k}: {dur:.1f} s, {keys} keyframes, longest keyframe gap {gap:.1f} s ({clips[k]})")
    names = list(clips)
    header = "| strategy | " + " | ".join(f"{k}: × real time | samples | max gap s" for k in names)
    print(header + " | load after |")
    print("|---|" + "---|---|---|" * len(names) + "---|")
    base = {}
    for label, fn in STRATEGIES:
        cells = []
        for k in names:
            seconds, times = best_of(lambda fn=fn, k=k: fn(clips[k]), args.repeat)
            dur = facts[k][0]
            speed = dur / seconds
            base.setdefault(k, speed)
            gap = max(np.diff([*times, dur])) if times else float("nan")
            cells.append(f"{speed:.1f}x ({speed / base[k]:.2f}x baseline) | {len(times)} | {gap:.2f}")
        print(f"| {label} | " + " | ".join(cells) + f" | {os.getloadavg()[0]:.1f} |", flush=True)

    if args.skip_index:
        return
    import torch

    from core.embed import Encoder

    home = Path(tempfile.mkdtemp(prefix="medialens-bench-index-"))
    weights = Path(args.weights) if args.weights else random_weights(args.model, CACHE)
    encoder = Encoder(args.model, weights=weights, device="cpu").load()
    batch = torch.randn(32, 3, encoder.image_size, encoder.image_size)
    encoder.encode_tensors(batch)
    model_s, _ = best_of(lambda: encoder.encode_tensors(batch), args.repeat)
    model_rate = 32 / model_s
    mean_cos, min_cos = loop_filter_agreement(clips[names[0]], encoder)
    print(f"\n# loop filter skipped vs on, same frames, {args.model} vectors: cosine mean {mean_cos:.5f}, "
          f"min {min_cos:.5f}")
    print(f"\n# indexing through Library.index, {args.model} "
          f"({'given weights' if args.weights else 'random weights'}), CPU ({machine()})")
    print(f"# model alone: {model_rate:.1f} frames/s on preprocessed batches of 32 "
          f"= {model_rate:.1f}x real time at 1 frame per second (the ceiling)")
    print("| clip | decode | × real time | frames | seconds | load after |")
    print("|---|---|---|---|---|---|")
    for k in names:
        for decode in ("adaptive", "full"):
            runs = [index_speed(clips[k], args.model, weights, decode, home / f"{k}-{i}".replace(" ", "_"))
                    for i in range(args.repeat)]
            seconds = min(r[0] for r in runs)
            print(f"| {k} | {decode} | {facts[k][0] / seconds:.1f}x | {runs[0][1]} | "
                  f"{seconds:.1f} (median {statistics.median(r[0] for r in runs):.1f}) | {os.getloadavg()[0]:.1f} |",
                  flush=True)


if __name__ == "__main__":
    with Timer() as total:
        main()
    print(f"\n(total {total.s:.0f} s)")
