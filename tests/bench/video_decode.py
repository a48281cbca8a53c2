"""How fast videos are indexed, in × real time: full decoding, the old adaptive default, and the default.

    python tests/bench/video_decode.py [--repeat 3] [--model ViT-B-32] [--weights PATH] [--strategies]
                                       [--no-4k] [--clips set,mixed,4k,4k-1s] [--configs "before issue 29,default"]
                                       [--decode-only]

Clips (made once from the shared clips and cached in the temp folder):

* **shared real clips, as a set**: every video in ``../shared/data/videos`` (17 files, 4 min);
* **1080p30 mixed**: a default-GOP H.264 clip (x264 veryfast, CRF 21, keyframes up to 250
  frames apart and at cuts, like downloaded video) of static and moving shots: the cockatoo
  (moving close-up), 12 s of one still frame (a static shot), the plaza seen from above
  (static camera, people walking), the bridge traffic (static camera) and Big Buck Bunny
  (animation, cuts);
* **4K**: 20 s of the same kinds of shots at 3840x2160 (x264 ultrafast, default GOP: no B frames,
  a keyframe every 250 frames and none at cuts, so every frame up to the last sample is decoded);
* **4K, 1 s GOP** (``--clips 4k-1s``, not in the default set): the same with a keyframe every
  second, as phones and cameras write 4K.

Configurations, indexed end to end through ``Library.index`` (decode + embed + write),
alternated A/B/C per repeat, median of ``--repeat`` runs:

* **full decode**: every frame decoded, every sample embedded (``decode="full"``, ``dedup=False``);
* **old adaptive default**: adaptive GOP plans as before this change — every sample embedded,
  non-reference frames decoded, the cut miniature scaled by FFmpeg;
* **before issue 29**: the default as it ran before issue 29 — frames converted to RGB at full
  size and then shrunk, the image tower in float32;
* **fp32 model**: the default with the image tower in float32 ($MEDIALENS_PRECISION=fp32), to tell
  the int8 tower's share of a gain from the decoding's;
* **default**: samples that look like the last embedded one share its vector, quiet long
  GOPs cost their keyframe, non-reference frames skipped, frames shrunk in YUV before they
  become RGB (``core.media.video`` notes).

``--configs`` picks and orders the configurations (the first is the baseline of the ratios).

The model is run as the program runs it: the ONNX export on ONNX Runtime, int8 towers on the CPU (made
once in the cache, remade when an older export there lacks the int8 towers).
The CPU-bound figure (video seconds / (process CPU seconds / 2 cores)) does not depend on what
else the machine runs; "CPU vs baseline" is the baseline's CPU over this one's.

Speed is video seconds / embed-phase seconds; "embedded" is frames embedded / samples taken (the
samples of the old default). The model alone on preprocessed batches is the ceiling everything
hides behind. ``--strategies`` adds the decode-only table of the older strategies (naive, full,
keyframes, seek, adaptive) on the 1080p clip.
"""

from __future__ import annotations

import argparse
import os
import shutil
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


#: (shared clip, seconds of it or None for all, whether its first frame is held as a still shot)
MIXED = [("imageio_cockatoo.mp4", None, False), ("moviepy_chaplin.mp4", 12.0, True),
         ("vtest_opencv_copy.avi", 20.0, False), ("car_traffic_small.mp4", 15.0, False),
         ("moviepy_big_buck_bunny_0_30.webm", None, False)]
MIXED_4K = [("moviepy_chaplin.mp4", 6.0, True), ("vtest_opencv_copy.avi", 8.0, False),
            ("imageio_cockatoo.mp4", 6.0, False)]


def _encode(path: Path, parts: list[tuple[str, float | None, bool]], size: tuple[int, int], preset: str,
            x264_params: str = "") -> Path:
    """Parts of shared clips joined at 30 fps, H.264 with x264's default GOP unless `x264_params` say (cached)."""
    import av

    if path.exists():
        return path
    part = path.with_suffix(".part.mp4")
    n = 0
    with av.open(str(part), "w") as out:
        options = {"preset": preset, "crf": "21", **({"x264-params": x264_params} if x264_params else {})}
        stream = out.add_stream("libx264", rate=30, options=options)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"

        def put(frame) -> None:
            nonlocal n
            big = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            big.pict_type = av.video.frame.PictureType.NONE  # keyframes where the encoder puts them
            big.pts, big.time_base = n, Fraction(1, 30)
            out.mux(stream.encode(big))
            n += 1

        for name, seconds, still in parts:
            with av.open(str(SHARED_DATA / "videos" / name)) as src:
                frames = src.decode(video=0)
                if still:
                    first = next(frames)
                    for _ in range(round(seconds * 30)):
                        put(first)
                    continue
                start, next_t = n, 0.0
                for frame in frames:
                    while next_t <= (frame.time or 0.0) + 1e-6:  # resample to a constant 30 fps
                        put(frame)
                        next_t += 1 / 30
                    if seconds is not None and n - start >= seconds * 30:
                        break
        out.mux(stream.encode(None))
    part.rename(path)
    return path


def mixed_clips(with_4k: bool, with_4k_phone: bool = False) -> dict[str, list[Path]]:
    CACHE.mkdir(exist_ok=True)
    clips = {"1080p30 mixed, default GOP": [_encode(CACHE / "mixed1080.mp4", MIXED, (1920, 1080), "veryfast")]}
    if with_4k:
        clips["4K30 mixed, default GOP"] = [_encode(CACHE / "mixed4k.mp4", MIXED_4K, (3840, 2160), "ultrafast")]
    if with_4k_phone:  # a keyframe every second, as phones and cameras write 4K
        clips["4K30 mixed, 1 s GOP"] = [_encode(CACHE / "mixed4k_gop1s.mp4", MIXED_4K, (3840, 2160), "ultrafast",
                                               "keyint=30:min-keyint=30")]
    return clips


def onnx_models(model: str, weights: str | None) -> tuple[str, Path]:
    """The model as the program runs it: its ONNX export on ONNX Runtime (made once under the cache).

    $MEDIALENS_MODELS points every `Library` of this process at the cache, so `open_encoder` finds the
    export (random weights unless `weights` is given: timing needs no training).
    """
    from core.models.embed import model_key, resolve_identity
    from core.models.runtime.export import export_model
    from core.models.runtime.manifest import find_export, read_manifest

    models = CACHE / "models"
    os.environ["MEDIALENS_MODELS"] = str(models)
    path = Path(weights) if weights else random_weights(model, CACHE)
    name, _, pretrained, resolved = resolve_identity(model, None, path)
    found = find_export(model_key(name, pretrained, resolved), models)
    if found is not None and "visual_int8" not in read_manifest(found).files:
        shutil.rmtree(found)  # made before the export carried int8 towers: the program would run int8
        found = None
    if found is None:
        export_model(model, weights=path, models_dir=models)
    return model, path


def shared_clips() -> list[Path]:
    return sorted(p for p in (SHARED_DATA / "videos").iterdir() if p.suffix != ".json")


def wanted_clips(wanted: set[str] | list[str]) -> dict[str, list[Path]]:
    """The clip sets named in `wanted` ("set": the shared real clips, "mixed": 1080p, "4k", "4k-1s"), by label."""
    clips = {}
    if "set" in wanted:
        clips[f"shared real clips ({len(shared_clips())})"] = shared_clips()
    made = mixed_clips("4k" in wanted, "4k-1s" in wanted)
    clips.update({k: v for k, v in made.items() if "1080" not in k or "mixed" in wanted})
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

    from core.media import video

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
        from core.media import video

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


CONFIGS = {
    "full decode": {"decode": "full", "dedup": False},
    "old adaptive default": {"decode": "adaptive", "dedup": False},
    "before issue 29": {},
    "fp32 model": {},
    "default": {},
}


class _OldAdaptive:
    """core.media.video as it decoded before frame sharing: non-reference frames decoded, miniatures scaled by
    FFmpeg."""

    def __enter__(self):
        from core.media import video

        self.saved = video.NONREF_MIN_FRAMES, video._LUMA_FORMATS
        video.NONREF_MIN_FRAMES, video._LUMA_FORMATS = float("inf"), frozenset()

    def __exit__(self, *exc):
        from core.media import video

        video.NONREF_MIN_FRAMES, video._LUMA_FORMATS = self.saved


def _to_image_before_issue_29(frame, min_side: int, aspect: float, rotation: int):
    """core.media.video._to_image before issue 29: converted to RGB at full size, then shrunk."""
    from PIL import Image

    display_w, h = frame.width * aspect, frame.height
    scale = min(1.0, min_side / min(display_w, h))
    tw, th = max(2, round(display_w * scale)), max(2, round(h * scale))
    img = frame.reformat(width=tw, height=th, format="rgb24", interpolation="AREA").to_image()
    turn = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_270}.get(rotation % 360)
    return img.transpose(turn) if turn is not None else img


class _Float32Model:
    """The image tower in float32 ($MEDIALENS_PRECISION=fp32), as before the export carried int8 towers."""

    def __enter__(self):
        self.saved_precision = os.environ.get("MEDIALENS_PRECISION")
        os.environ["MEDIALENS_PRECISION"] = "fp32"

    def __exit__(self, *exc):
        if self.saved_precision is None:
            os.environ.pop("MEDIALENS_PRECISION", None)
        else:
            os.environ["MEDIALENS_PRECISION"] = self.saved_precision


class _BeforeIssue29(_Float32Model):
    """core.media.video as it decoded before issue 29 (RGB at full size, then shrunk), the model in float32."""

    def __enter__(self):
        from core.media import video

        super().__enter__()
        self.saved = video._to_image
        video._to_image = _to_image_before_issue_29

    def __exit__(self, *exc):
        from core.media import video

        video._to_image = self.saved
        super().__exit__(*exc)


GUARDS = {"old adaptive default": _OldAdaptive, "before issue 29": _BeforeIssue29, "fp32 model": _Float32Model}


def index_once(paths: list[Path], model: str, weights: Path, config: str, home: Path) -> tuple[float, float, int]:
    """Embed-phase seconds of indexing the clips through `Library.index`, CPU seconds, frames embedded."""
    import contextlib

    from core.library import Library

    folder = home / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        shutil.copy2(p, folder / p.name)
    guard = GUARDS[config]() if config in GUARDS else contextlib.nullcontext()
    with guard, Library(home / "lib", model=model, weights=weights, device="cpu") as lib:
        lib.models.encoder.load()
        cpu = time.process_time()
        report = lib.index([folder], **CONFIGS[config])
        cpu = time.process_time() - cpu
    assert report.indexed == len(paths), report.failed
    shutil.rmtree(home)
    return report.embed_s, cpu, report.frames


def index_table(clips: dict[str, list[Path]], model: str, weights: Path, repeat: int, given: bool,
                configs: list[str]) -> None:
    """Each configuration on each clip set, alternated `repeat` times; ratios against `configs[0]`."""
    from core.media.video import probe

    base = configs[0]
    home = Path(tempfile.mkdtemp(prefix="medialens-bench-index-"))
    print(f"\n# indexing through Library.index, {model} ({'given weights' if given else 'random weights'}), "
          f"CPU ({machine()}); median of {repeat}, configurations alternated; baseline: {base}")
    print("# × real time: video seconds / wall seconds of the embed phase (what a user waits on this machine,")
    print("# shared and loaded); CPU-bound: video seconds / (process CPU seconds / 2 cores), what two free cores")
    print("# would give if the work parallelised perfectly (load-independent, for comparing configurations)")
    print("| clips | video s | configuration | × real time | vs baseline | CPU-bound × real time | CPU vs baseline | "
          "frames embedded | seconds (runs) | load before / after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, paths in clips.items():
        duration = sum(probe(p).duration_s or 0.0 for p in paths)
        runs, load_before = _alternated(configs, repeat, lambda config, i, done, paths=paths: index_once(
            paths, model, weights, config, home / f"{i}-{done}"))
        med, cpus = _medians(runs, 0), _medians(runs, 1)
        for config, rs in runs.items():
            print(f"| {label} | {duration:.0f} | {config} | {duration / med[config]:.1f}x "
                  f"| {med[base] / med[config]:.2f}x "
                  f"| {duration / (cpus[config] / 2):.1f}x | {cpus[base] / cpus[config]:.2f}x | {rs[0][2]} "
                  f"| {med[config]:.1f} ({', '.join(f'{r[0]:.1f}' for r in rs)}) "
                  f"| {load_before:.1f} / {os.getloadavg()[0]:.1f} |", flush=True)


def _alternated(configs: list[str], repeat: int, run_once) -> tuple[dict[str, list[tuple]], float]:
    """`run_once(config, round, runs of it so far)` for every configuration, alternated, `repeat` rounds; with
    the load before the first."""
    runs: dict[str, list[tuple]] = {c: [] for c in configs}
    load_before = os.getloadavg()[0]
    for i in range(repeat):
        for config in configs:
            runs[config].append(run_once(config, i, len(runs[config])))
    return runs, load_before


def _medians(runs: dict[str, list[tuple]], field: int) -> dict[str, float]:
    return {c: statistics.median(r[field] for r in rs) for c, rs in runs.items()}


def decode_table(clips: dict[str, list[Path]], repeat: int, configs: list[str]) -> None:
    """`read_frames` alone (no model): where the decoding changes act, without the model's noise around them."""
    import contextlib

    from core.media import video

    base = configs[0]
    print(f"\n# decoding alone: read_frames at the default sampling, every sample made into its picture "
          f"({machine()}); median of {repeat}, alternated; baseline: {base}")
    print("# per core: video seconds / process CPU seconds; wall: video seconds / wall seconds (loaded machine)")
    print("| clips | video s | configuration | × real time per core | CPU vs baseline | wall × real time "
          "| wall vs baseline | samples (embedded) | load before / after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, paths in clips.items():
        duration = sum(video.probe(p).duration_s or 0.0 for p in paths)
        def decode_once(config: str, _i: int, _done: int) -> tuple[float, float, int, int]:
            with GUARDS[config]() if config in GUARDS else contextlib.nullcontext():
                cpu, wall = time.process_time(), time.perf_counter()
                frames = [f for p in paths for f in video.read_frames(  # noqa: B023
                    p, video.Sampling.from_options(CONFIGS[config]), MIN_SIDE)]
                return (time.process_time() - cpu, time.perf_counter() - wall, len(frames),
                        sum(not f.shares for f in frames))

        runs, load_before = _alternated(configs, repeat, decode_once)
        cpus, walls = _medians(runs, 0), _medians(runs, 1)
        for config, rs in runs.items():
            print(f"| {label} | {duration:.0f} | {config} | {duration / cpus[config]:.1f}x "
                  f"| {cpus[base] / cpus[config]:.2f}x | {duration / walls[config]:.1f}x "
                  f"| {walls[base] / walls[config]:.2f}x | {rs[0][2]} ({rs[0][3]}) "
                  f"| {load_before:.1f} / {os.getloadavg()[0]:.1f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--weights", help="weights file for --model (default: random weights; speed only)")
    ap.add_argument("--clips", default="set,mixed,4k", help="which clips: set, mixed, 4k, 4k-1s (comma-separated)")
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help=f"configurations to alternate, the first the baseline (of: {', '.join(CONFIGS)})")
    ap.add_argument("--no-4k", action="store_true", help="skip the 4K clip (it takes a minute to make)")
    ap.add_argument("--strategies", action="store_true", help="also the decode-only table of older strategies")
    ap.add_argument("--decode-only", action="store_true",
                    help="only the table of read_frames alone under --configs (no model, minutes)")
    args = ap.parse_args()
    wanted = set(args.clips.split(","))
    if args.no_4k:
        wanted.discard("4k")

    configs = [c.strip() for c in args.configs.split(",")]
    if unknown := [c for c in configs if c not in CONFIGS]:
        ap.error(f"unknown configuration {unknown[0]!r}; choose from {', '.join(CONFIGS)}")
    if args.decode_only:
        decode_table(wanted_clips(wanted), args.repeat, configs)
        return
    if args.strategies:
        strategies_table(args.repeat)
    model, weights = onnx_models(args.model, args.weights)
    from core.library import Library

    with Library(CACHE / "model-alone", model=model, weights=weights, device="cpu") as lib:
        encoder = lib.models.encoder.load()
        batch = [np.random.default_rng(0).standard_normal((3, encoder.image_size, encoder.image_size),
                                                          dtype=np.float32) for _ in range(32)]
        encoder.encode_preprocessed(batch)
        model_s, _ = best_of(lambda: encoder.encode_preprocessed(batch), args.repeat)
        session = encoder._session("visual") if hasattr(encoder, "_session") else None
        tower = Path(session._model_path).name if session is not None else "torch"  # int8 or float32 ONNX file
        print(f"# model alone ({type(encoder).__name__}, {tower}): {32 / model_s:.1f} frames/s on preprocessed batches "
              f"of 32 "
              f"= {32 / model_s:.1f}x real time at 1 frame per second if every sample is embedded")
    clips = wanted_clips(wanted)
    index_table(clips, args.model, weights, args.repeat, bool(args.weights), configs)


def strategies_table(repeat: int) -> None:
    clips = make_clips()
    facts = {k: clip_facts(p) for k, p in clips.items()}
    print(f"# video decode strategies, 1080p30 H.264 ({machine()}), best of {repeat}")
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
            seconds, times = best_of(lambda fn=fn, k=k: fn(clips[k]), repeat)
            dur = facts[k][0]
            speed = dur / seconds
            base.setdefault(k, speed)
            gap = max(np.diff([*times, dur])) if times else float("nan")
            cells.append(f"{speed:.1f}x ({speed / base[k]:.2f}x baseline) | {len(times)} | {gap:.2f}")
        print(f"| {label} | " + " | ".join(cells) + f" | {os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    with Timer() as total:
        main()
    print(f"\n(total {total.s:.0f} s)")
