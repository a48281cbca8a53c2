"""Videos: probing and frame sampling with PyAV (the indexer's decoder is `core.indexing.decoders`).

A video becomes a sequence of sampled frames, each an embedded item with its
time, so a query can say *where* in a video it matches (`core.search.moments`).

Sampling
--------
About one frame per `interval` (1 s by default, `fps` option), plus a frame at
each shot change so that short shots are not missed. Times come from the
frames' own timestamps (variable frame rate is fine), counted from the stream's
start. A frame without a timestamp gets the previous one's plus a frame
duration; a frame whose timestamp goes backwards is skipped, and after
`_MAX_BACKWARDS` of those the file's clock is rebuilt from its frame rate.

Decoding costs only what it must. H.264/HEVC/VP9 frames depend on the frames
before them back to the last keyframe, so a frame cannot be had without
decoding its group of pictures (GOP) up to it. The `adaptive` strategy (the
default) looks at each GOP before decoding it (its packets are buffered until
the next keyframe shows where it ends):

* a short GOP (at most 1.5 intervals, as phones and cameras write) is
  represented by its keyframe alone, the rest of its packets never decoded;
* a long GOP is decoded only as far as its last due sample; its tail is skipped.

`full` decodes every frame (exact spacing, every cut seen); `keyframes` decodes
keyframes only (fastest, spacing as the encoder chose). `tests/bench/video_decode.py`
measures them (and seeking) on a 1080p H.264 clip: that is how the default was chosen.
The loop filter is skipped while decoding (`skip_loop_filter`): frames are
shrunk to a few hundred pixels for the model, where deblocking is invisible, and
it saves a good part of H.264 decoding time (the benchmark measures the
embedding difference). Decoder threads are FFmpeg's choice (a thread per core, plus one): a
thread per core took 28 % less CPU decoding a lone 4K video, but neither that nor one thread
per decoder measured better end to end on a loaded machine (`video_decode.py`, issue 29).
Hardware decoding is optional (`$MEDIALENS_HWDEC`, `hardware_decoders`): a device that fails
to open falls back to software decoding, the same frames. Measured and left out
(`tests/bench/video_profile.py --options`):
`skip_idct` (FFmpeg's H.264 decoder ignores it: same CPU); `skip_frame=BIDIR` (a third less decoding
on the 1080p x264 clip, but in 6 of the 13 shared H.264 clips P frames are predicted
from B frames, and skipping them smeared every later frame of the GOP, by up to 12/255).

A shot change is a frame whose 16×16 grey miniature differs from the previous
decoded frame's by more than `CUT_THRESHOLD`; it is kept if no sample was
taken in the `MIN_GAP_S` before it. The miniature is read off a grid of the
decoded luma plane (no scaling pass: at 1080p scaling every frame cost a
quarter of the decoding time).

Embed only what is new
----------------------
With `Sampling.dedup` (the default), a sample whose 16×16 colour miniature
differs from the last *embedded* sample's by less than `SAME_AS_LAST` on
average and `SAME_AS_LAST_BLOCK` in every 4×4 block (so a small object that
changes colour is still a change) is marked `shares`: the indexer embeds nothing for it
and the last embedded frame's vector stands for the stretch until the next
embedded one (each item covers the time until the next, see `core.search.moments`).
A cut is always new, and no vector stands for more than `MAX_SHARED_S`.
Decoding uses the same test before it decodes: a GOP longer than
`SHORT_GOP_INTERVALS` whose keyframe looks like the next GOP's keyframe
(both decoded by a second, keyframes-only decoder that runs one GOP ahead) is a
quiet stretch with no cut inside (encoders put keyframes at cuts): its keyframe
alone is decoded and stands for it. Other long GOPs skip their non-reference
frames (`skip_frame=NONREF`: B-frames nothing is predicted from) when samples
are at least `NONREF_MIN_FRAMES` frames apart. `tests/bench/video_decode.py`
measures each of these and the share of frames embedded; `video_moments.py`
measures moment quality with sharing on and off.

Errors: a file that is not a video, has no video stream, or yields no frame is
a `MediaError` (recorded, skipped). A corrupt or truncated video keeps the
frames decoded before the damage, and the file gets a warning saying so.

`import av` happens inside functions: importing this module is free.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import LibraryError, MediaError
from core.media.image import sniff_kind

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

log = logging.getLogger(__name__)

DEFAULT_FPS = 1.0
STRATEGIES = ("adaptive", "full", "keyframes")
DEFAULT_STRATEGY = "adaptive"
#: Mean absolute difference (0..1) of consecutive 16×16 grey miniatures that counts as a cut.
CUT_THRESHOLD = 0.12
#: A cut closer than this to the previous sample adds no sample (flashes, strobes).
MIN_GAP_S = 0.2
#: A GOP no longer than this many intervals is represented by its keyframe alone.
SHORT_GOP_INTERVALS = 1.5
#: FFmpeg decoder threading: frame and slice threads, as many as FFmpeg chooses (one per core, plus one).
THREAD_TYPE = "AUTO"
#: Environment variable naming the devices to decode on (`hardware_decoders`).
HWDEC_ENV = "MEDIALENS_HWDEC"
#: Device types that failed to open in this process: not tried again for every file.
_HW_FAILED: set[str] = set()
#: Decoder options: deblocking is invisible once frames are shrunk for the model, and costs.
DECODER_OPTIONS = {"skip_loop_filter": "all"}
#: A keyframe this many intervals before a sample is due is taken as that sample.
KEYFRAME_SLACK = 0.4
#: Packets buffered while looking for the end of a GOP; beyond this it is decoded as it streams.
GOP_BUFFER_BYTES = 48 * 1024 * 1024
#: Consecutive undecodable packets after which the rest of a file is given up.
MAX_BAD_PACKETS = 50
#: A grey miniature with less spread than this is a blank frame (fades), not a poster.
POSTER_MIN_STD = 8.0
#: A sample whose 16×16 colour miniature differs from the last embedded one's by less than these
#: (mean absolute difference 0..1 over the miniature, and the largest over its 4×4 blocks) shares that
#: one's vector. Chosen on the validation world videos (tests/bench/video_moments.py): 43 % of samples
#: embedded, no merge across a shot, vectors of merged frames at cosine 0.998 (1st percentile 0.979).
SAME_AS_LAST = 0.02
SAME_AS_LAST_BLOCK = 0.1
#: The longest stretch one shared vector stands for.
MAX_SHARED_S = 10.0
#: Non-reference frames are skipped when samples are at least this many frames apart.
NONREF_MIN_FRAMES = 4
#: 8-bit pixel formats whose first plane is luma: the cut miniature is read straight off it.
_LUMA_FORMATS = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
                           "yuvj440p", "yuv411p", "yuv410p", "nv12", "nv21", "nv16", "gray", "yuva420p"})


# ----- options ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sampling:
    """How frames are taken from videos: `fps` samples per second, decoded per `strategy`."""

    fps: float = DEFAULT_FPS
    strategy: str = DEFAULT_STRATEGY
    #: Samples that look like the last embedded one share its vector (and long quiet GOPs their keyframe's).
    dedup: bool = True

    @property
    def interval(self) -> float:
        return 1.0 / self.fps

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Sampling:
        """The sampling named by index options (`fps`, `decode`); unset ones take the defaults.

        Raises `LibraryError` for values that make no sense, so a typo fails the
        run at once instead of failing every video in it.
        """
        fps = options.get("fps")
        strategy = options.get("decode") or DEFAULT_STRATEGY
        dedup = options.get("dedup")
        if dedup is None:
            dedup = True
        if not isinstance(dedup, bool):
            raise LibraryError(f"video dedup must be true or false, not {dedup!r}")
        if fps is None:
            fps = DEFAULT_FPS
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            raise LibraryError(f"video sampling rate must be a number of frames per second, not {fps!r}") from None
        if not (0 < fps <= 60) or not math.isfinite(fps):
            raise LibraryError(f"video sampling rate must be above 0 and at most 60 frames per second, not {fps}")
        if strategy not in STRATEGIES:
            raise LibraryError(f"unknown video decode strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
        return cls(fps, strategy, dedup)


# ----- probing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VideoInfo:
    """What a container says about its first video stream (display size: rotation applied)."""

    format: str
    codec: str
    width: int
    height: int
    fps: float | None
    duration_s: float | None
    rotation: int
    taken_at: dt.datetime | None
    frames: int | None = None  # as the container counts them (None: it does not say)


def hardware_decoders() -> list[str]:
    """FFmpeg device types to decode on, in order: $MEDIALENS_HWDEC ("cuda", "vaapi,cuda", "auto"; unset: none).

    Off unless asked for: no machine this was built on has a decoding device, so its speed is
    unmeasured; types this FFmpeg lacks, and ones that failed to open in this process, are left out.
    """
    wanted = os.environ.get(HWDEC_ENV, "").strip().lower()
    if wanted in ("", "off", "none", "0"):
        return []
    from av.codec.hwaccel import hwdevices_available

    available = list(hwdevices_available())
    names = available if wanted == "auto" else [n.strip() for n in wanted.split(",") if n.strip() in available]
    return [n for n in names if n not in _HW_FAILED]


def _open_on_device(path: str):
    """The file opened for decoding on the first device that opens, or None (decode in software)."""
    import av
    from av.codec.hwaccel import HWAccel

    for device in hardware_decoders():
        try:
            return av.open(path, metadata_errors="ignore", hwaccel=HWAccel(device, allow_software_fallback=True))
        except (OSError, ValueError, av.error.FFmpegError) as exc:
            _HW_FAILED.add(device)
            log.info("hardware decoding on %s is not available (%s); decoding in software", device, _reason(exc))
    return None


def _open(path: str, hardware: bool = False):
    import av

    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise MediaError(f"cannot be read: {(exc.strerror or str(exc)).lower()}") from None
    if size == 0:
        raise MediaError("empty file (0 bytes)")
    try:
        container = _open_on_device(path) if hardware else None
        return container if container is not None else av.open(path, metadata_errors="ignore")
    except OSError as exc:  # av's FileNotFoundError / PermissionError are OSErrors too
        raise MediaError(f"cannot be read: {(exc.strerror or str(exc)).lower()}") from None
    except av.error.FFmpegError as exc:
        if sniff_kind(path) == "video":  # a video's signature, but FFmpeg cannot read on
            raise MediaError(f"corrupt or truncated video ({_reason(exc)})") from None
        ext = os.path.splitext(path)[1] or "(no extension)"
        raise MediaError(f"not a video or image: the contents do not match its {ext} name") from None


def _video_stream(container):
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        raise MediaError("no video stream (audio only)" if "audio" in kinds else "no video stream in the file")
    return container.streams.video[0]


def _format_name(container, path: str) -> str:
    names = container.format.name.split(",")
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    return (ext if ext in names else names[0])[:16]


def _creation_time(container, stream) -> dt.datetime | None:
    for meta in (container.metadata, stream.metadata):
        raw = meta.get("creation_time")
        if raw:
            try:
                when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                continue
            if when.year > 1970:  # 1904/1970 epochs are what cameras write when they know nothing
                return when.replace(tzinfo=None)
    return None


def _header_duration(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    return None


def _display_aspect(stream) -> float:
    """Width stretch for non-square pixels (anamorphic video), 1.0 for square ones."""
    sar = stream.sample_aspect_ratio
    return float(sar) if sar and sar.numerator and sar.denominator else 1.0


def _info(container, stream, path: str, rotation: int = 0) -> VideoInfo:
    w = round(stream.codec_context.width * _display_aspect(stream))
    h = stream.codec_context.height
    if rotation % 180:
        w, h = h, w
    rate = stream.average_rate or stream.guessed_rate
    return VideoInfo(format=_format_name(container, path), codec=stream.codec_context.name, width=w, height=h,
                     fps=float(rate) if rate else None, duration_s=_header_duration(container, stream),
                     rotation=rotation, taken_at=_creation_time(container, stream), frames=stream.frames or None)


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Container facts without decoding (milliseconds): for planning and progress.

    The rotation is known only once a frame is decoded: here it is 0 and the size is the coded one.
    """
    path = os.fspath(path)
    with _open(path) as container:
        return _info(container, _video_stream(container), path)


# ----- frames -----------------------------------------------------------------------------------

@dataclass
class SampledFrame:
    """One kept frame: its time (s from the start), upright RGB pixels, and why it was kept."""

    t_s: float
    image: Image.Image
    cut: bool = False
    #: Looks like the last sample not marked so (`Sampling.dedup`): it shares that one's vector.
    shares: bool = False


@dataclass
class ReadResult:
    """What reading a video found besides its frames: facts for the catalog and damage, if any."""

    info: VideoInfo | None = None
    decoded: int = 0
    extent_s: float = 0.0  # time of the last packet seen plus one frame: how far the file goes
    error: str | None = None  # why reading stopped early, if it did


def _signature(frame) -> np.ndarray:
    """16×16 grey miniature (0..1): block means of a 64×64 grid read off the luma plane."""
    if frame.format.name in _LUMA_FORMATS and frame.width >= 64 and frame.height >= 64:
        plane = frame.planes[0]
        luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        rows = (np.arange(64) * frame.height) // 64
        cols = (np.arange(64) * frame.width) // 64
        grid = luma[rows[:, None], cols[None, :]].astype(np.float32)
        return grid.reshape(16, 4, 16, 4).mean(axis=(1, 3)) / 255.0
    grey = frame.reformat(width=16, height=16, format="gray", interpolation="AREA")
    plane = grey.planes[0]
    return np.frombuffer(plane, np.uint8).reshape(16, plane.line_size)[:, :16].astype(np.float32) / 255.0


def miniature(image: Image.Image) -> np.ndarray:
    """16×16 RGB miniature (0..1) of a picture: what "looks like the last embedded frame" compares."""
    from PIL import Image

    return np.asarray(image.convert("RGB").resize((16, 16), Image.Resampling.BOX), np.float32) / 255.0


def _frame_miniature(frame) -> np.ndarray:
    small = frame.reformat(width=16, height=16, format="rgb24", interpolation="AREA")
    plane = small.planes[0]
    return np.frombuffer(plane, np.uint8).reshape(16, plane.line_size)[:, :48].reshape(16, 16, 3) / 255.0


def alike(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two miniatures look alike: close on average, and in every 4×4 block."""
    diff = np.abs(a - b).mean(axis=2)
    return bool(diff.mean() < SAME_AS_LAST and diff.reshape(4, 4, 4, 4).mean(axis=(1, 3)).max() < SAME_AS_LAST_BLOCK)


class Novelty:
    """Marks samples that look like (`alike`) the last new one as sharing it."""

    def __init__(self, max_shared_s: float = MAX_SHARED_S):
        self.max_shared_s = max_shared_s
        self.last: tuple[float, np.ndarray] | None = None

    def shares(self, t: float, image: Image.Image, cut: bool) -> bool:
        mini = miniature(image)
        if (self.last is not None and not cut and t - self.last[0] < self.max_shared_s
                and alike(mini, self.last[1])):
            return True
        self.last = (t, mini)
        return False


class _KeyProbe:
    """A second, keyframes-only decoder that looks one GOP ahead: what each keyframe shows, in miniature."""

    def __init__(self, stream):
        import av

        self.ctx = av.CodecContext.create(stream.codec_context.name, "r")
        if stream.codec_context.extradata:
            self.ctx.extradata = stream.codec_context.extradata
        self.ctx.options = dict(DECODER_OPTIONS)
        self.seen: dict[int, np.ndarray | None] = {}  # packet pts -> miniature (None: not decodable alone)

    @classmethod
    def open(cls, stream) -> _KeyProbe | None:
        """A probe for the stream, or None where FFmpeg cannot make a second decoder for it (GOPs are then decoded)."""
        import av

        try:
            return cls(stream)
        except (av.error.FFmpegError, ValueError, TypeError):
            return None

    def miniature(self, pkt) -> np.ndarray | None:
        import av

        key = pkt.pts if pkt.pts is not None else pkt.dts
        if key in self.seen:
            return self.seen[key]
        mini = None
        try:
            frames = self.ctx.decode(pkt) + self.ctx.decode(None)  # drained: keyframes stand alone
            self.ctx.flush_buffers()
            if frames and not frames[-1].is_corrupt:
                mini = _frame_miniature(frames[-1])
        except av.error.FFmpegError:
            mini = None
        if len(self.seen) > 4:
            self.seen.pop(next(iter(self.seen)))
        self.seen[key] = mini
        return mini

    def alike(self, first, following) -> bool:
        """Whether the keyframes of a GOP and of the GOP after it look alike."""
        a, b = self.miniature(first), self.miniature(following)
        return a is not None and b is not None and alike(a, b)


def _to_image(frame, min_side: int, aspect: float, rotation: int) -> Image.Image:
    """The frame as upright RGB, shrunk by FFmpeg so its short side is `min_side`.

    A YUV frame is shrunk in YUV first and only the small picture converted to RGB: a 4:2:0
    frame's colour planes are a quarter of its size, so the area filter reads half the bytes it
    would after conversion (1080p: 2.2 ms a frame against 4.5, 4K: 4.5 against 6.6).
    """
    from PIL import Image

    display_w, h = frame.width * aspect, frame.height
    scale = min(1.0, min_side / min(display_w, h))
    tw, th = max(2, round(display_w * scale)), max(2, round(h * scale))
    if frame.format.name in _LUMA_FORMATS and (tw, th) != (frame.width, frame.height):
        frame = frame.reformat(width=tw, height=th, interpolation="AREA")
    img = frame.reformat(width=tw, height=th, format="rgb24", interpolation="AREA").to_image()
    turn = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_270}.get(rotation % 360)
    return img.transpose(turn) if turn is not None else img


class _Sampler:
    """Decides which decoded frames to keep and which GOPs need decoding.

    Fresh sampling keeps a frame once an interval has passed since the last kept
    frame, and at a cut. With `targets` (the times of a video's existing items,
    when another model indexed it first) it keeps the frame nearest each target
    instead: exactly one per target, in order.
    """

    def __init__(self, sampling: Sampling, targets: list[float] | None, anchored: bool = False):
        self.sampling = sampling
        self.interval = sampling.interval
        self.targets = targets
        #: The next sample is due an interval after the last one was *due*, not taken (when frames are
        #: skipped, waiting for the next decoded frame would otherwise make every sample later).
        self.anchored = anchored
        self.next_target = 0
        self.last_kept: float | None = None
        self.prev_sig: np.ndarray | None = None
        self.prev: tuple[float, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.targets is not None and self.next_target >= len(self.targets)

    def due(self) -> float:
        """The earliest time of the next sample."""
        if self.targets is not None:
            return self.targets[self.next_target] if not self.finished else math.inf
        return -math.inf if self.last_kept is None else self.last_kept + self.interval

    def gop_plan(self, start: float, end: float | None, quiet: Callable[[], bool] | None = None) -> str:
        """'skip', 'key' (its keyframe only) or 'decode' for the GOP [start, end).

        `quiet`: asked for a long GOP in adaptive sampling; true when its keyframe may stand for it.
        """
        if self.targets is not None:
            due = self.due()
            if end is not None and due >= end - _EPS:
                return "skip"
            after = self.targets[self.next_target + 1] if self.next_target + 1 < len(self.targets) else math.inf
            if abs(due - start) <= _EPS and (after >= end - _EPS if end is not None else after == math.inf):
                return "key"
            return "decode"
        if self.sampling.strategy == "keyframes":
            return "key"
        if self.sampling.strategy == "adaptive" and end is not None:
            if end - start <= SHORT_GOP_INTERVALS * self.interval:
                return "key"
            if quiet is not None and end - start <= MAX_SHARED_S and quiet():
                return "key"
        return "decode"

    def gop_done(self, end: float | None) -> bool:
        """Whether the rest of a GOP ending at `end` can be left undecoded."""
        if end is None or (self.sampling.strategy == "full" and self.targets is None):
            return False
        return self.due() >= end - _EPS

    def offer(self, t: float, frame, frame_step: float) -> list[tuple[float, Any, bool]]:
        """Frames to keep now, as (time, av frame, is cut), given a newly decoded frame at `t`."""
        if self.targets is not None:
            return self._offer_targets(t, frame, frame_step)
        sig = _signature(frame)
        cut = self.prev_sig is not None and float(np.abs(sig - self.prev_sig).mean()) > CUT_THRESHOLD
        self.prev_sig = sig
        # A keyframe may stand in for a sample a little early: in short GOPs it is all there is
        # (under half an interval, so keyframes every half interval do not double the rate).
        slack = KEYFRAME_SLACK * self.interval if frame.key_frame else max(_EPS, frame_step / 2)
        if self.last_kept is None or t >= self.due() - slack:
            due = self.due()
            self.last_kept = due if self.anchored and math.isfinite(due) and t - due < self.interval / 2 else t
            return [(t, frame, False)]
        if cut and t - self.last_kept >= MIN_GAP_S:
            self.last_kept = t
            return [(t, frame, True)]
        return []

    def _offer_targets(self, t: float, frame, frame_step: float) -> list[tuple[float, Any, bool]]:
        out = []
        while not self.finished and t >= self.targets[self.next_target] - max(_EPS, frame_step / 2):
            target = self.targets[self.next_target]
            nearest = self.prev[1] if self.prev is not None and abs(self.prev[0] - target) < abs(t - target) else frame
            out.append((target, nearest, False))
            self.next_target += 1
        self.prev = (t, frame)
        return out

    def leftovers(self) -> list[tuple[float, Any, bool]]:
        """Targets past the last decoded frame get that frame (a re-read never falls short by much)."""
        if self.targets is None or self.prev is None:
            return []
        out = [(t, self.prev[1], False) for t in self.targets[self.next_target:]]
        self.next_target = len(self.targets)
        return out


_EPS = 1e-3
#: After this many timestamps that go backwards, a file's clock is rebuilt from its frame rate.
_MAX_BACKWARDS = 10
#: A frame at most this many frame steps behind the last one is out of order, not a broken clock.
_REORDER_FRAMES = 8


def read_frames(path: str | os.PathLike[str], sampling: Sampling | None = None, min_side: int = 240,
                targets: list[float] | None = None, result: ReadResult | None = None,
                should_stop: Callable[[], bool] | None = None) -> Iterator[SampledFrame]:
    """Sampled frames of a video, in time order (see the module notes for how they are chosen).

    `targets`: sorted times to take frames at instead (one frame each, the nearest).
    `result` is filled in as reading goes (facts, damage). Raises `MediaError` when
    the file cannot be opened as a video at all; damage later stops the frames and
    is reported in `result.error`.
    """
    path = os.fspath(path)
    result = result if result is not None else ReadResult()
    with _open(path, hardware=True) as container:
        reader = _Reader(container, path, sampling or Sampling(), min_side, targets, result)
        yield from reader.frames(should_stop)


class _Clock:
    """Frame times in seconds from the stream's start, from timestamps that may be missing or go backwards.

    Times start at 0 where the stream says it starts; without that, timestamps are taken as they are
    (never "the first decoded frame": a re-read that skips ahead must give the same times).
    """

    def __init__(self, stream, frame_step: float, reordering: bool):
        self.tb = stream.time_base
        self.start = float(stream.start_time * self.tb) if stream.start_time is not None and self.tb else 0.0
        self.frame_step = frame_step
        #: With non-reference frames skipped, some decoders hand frames out a little out of order:
        #: such a frame is dropped, and is no sign of a broken clock.
        self.reordering = reordering
        self.last_t = -math.inf
        self.backwards = 0

    def packet_time(self, pkt) -> float | None:
        ts = pkt.pts if pkt.pts is not None else pkt.dts
        return None if ts is None or self.tb is None else float(ts * self.tb) - self.start

    def frame_time(self, frame) -> float | None:
        """The frame's time, or None for a frame to drop (it goes back in time)."""
        # The stream's time base, not the frame's: frames drained at the end carry none.
        ts = frame.pts if frame.pts is not None else frame.dts
        if ts is None or self.tb is None or self.backwards > _MAX_BACKWARDS:
            t = max(0.0, self.last_t + self.frame_step)
        else:
            t = float(ts * self.tb) - self.start
            if t <= self.last_t:  # out of order (frames after skipped data) or a broken clock
                if not (self.reordering and self.last_t - _REORDER_FRAMES * self.frame_step < t < self.last_t):
                    self.backwards += 1
                return None
        self.last_t = t
        return t


class _Reader:
    """One pass over one video: packets grouped into GOPs, each decoded as far as its plan says, frames sampled."""

    def __init__(self, container, path: str, sampling: Sampling, min_side: int, targets: list[float] | None,
                 result: ReadResult):
        self.container, self.path, self.min_side, self.result = container, path, min_side, result
        self.stream = stream = _video_stream(container)
        rate = stream.average_rate or stream.guessed_rate
        self.frame_step = 1.0 / float(rate) if rate else 1.0 / 25
        fresh_adaptive = targets is None and sampling.strategy == "adaptive"
        skipping_nonref = fresh_adaptive and sampling.interval >= NONREF_MIN_FRAMES * self.frame_step
        _configure_decoder(stream, skipping_nonref)
        self.probe_keys = _KeyProbe.open(stream) if fresh_adaptive and sampling.dedup else None
        self.novelty = Novelty() if targets is None and sampling.dedup else None
        self.clock = _Clock(stream, self.frame_step, reordering=skipping_nonref)
        self.sampler = _Sampler(sampling, targets, anchored=skipping_nonref)
        self.aspect = _display_aspect(stream)
        self.rotation = 0
        self.bad_packets = 0
        result.info = _info(container, stream, path)

    def frames(self, should_stop: Callable[[], bool] | None) -> Iterator[SampledFrame]:
        """Every sample of the file; damage ends them early and is written into the result."""
        import av

        try:
            yield from self._read(should_stop)
        except _Damaged as exc:
            self.result.error = str(exc)
        except av.error.FFmpegError as exc:
            self.result.error = _reason(exc)
        for t, frame, cut in self.sampler.leftovers():
            yield self._sample(t, frame, cut)

    def _read(self, should_stop: Callable[[], bool] | None) -> Iterator[SampledFrame]:
        """Packets buffered a GOP at a time (its end is known once the next keyframe comes), then decoded."""
        gop: list = []
        gop_bytes = 0
        streaming = False  # the GOP outgrew the buffer: its packets are decoded as they come
        for pkt in self.container.demux(self.stream):
            if should_stop is not None and should_stop():
                return
            if pkt.size == 0:
                continue  # the demuxer's end-of-stream marker; the decoder is flushed below
            pt = self.clock.packet_time(pkt)
            if pt is not None:
                self.result.extent_s = max(self.result.extent_s, pt + self.frame_step)
            if pkt.is_keyframe:
                if not streaming:
                    yield from self._run_gop(gop, pt, pkt)
                streaming, gop, gop_bytes = False, [], 0
                if self.sampler.finished:
                    break
            if streaming:
                yield from self._decode(pkt)
                continue
            gop.append(pkt)
            gop_bytes += pkt.size
            if gop_bytes > GOP_BUFFER_BYTES:
                yield from self._run_gop(gop, None)
                streaming, gop = True, []
        if not streaming:
            yield from self._run_gop(gop, self.result.info.duration_s)
        yield from self._decode(None)

    def _run_gop(self, gop: list, end: float | None, following=None) -> Iterator[SampledFrame]:
        """Decode the GOP's packets as its plan says (none, its keyframe, or up to its last due sample)."""
        if not gop:
            return
        first = self.clock.packet_time(gop[0])
        quiet = None
        if self.probe_keys is not None and following is not None and gop[0].is_keyframe:
            quiet = lambda: self.probe_keys.alike(gop[0], following)  # noqa: E731
        plan = self.sampler.gop_plan(first if first is not None else max(self.clock.last_t, 0.0), end, quiet)
        if plan == "skip":
            return
        for pkt in gop[:1] if plan == "key" else gop:
            yield from self._decode(pkt)
            if plan == "decode" and self.sampler.gop_done(end):
                return

    def _decode(self, pkt) -> Iterator[SampledFrame]:
        """Decode one packet (None: drain the decoder) and offer its frames to the sampler."""
        import av

        try:
            frames = self.stream.decode(pkt)
        except av.error.FFmpegError as exc:
            self.bad_packets += 1
            if self.bad_packets >= MAX_BAD_PACKETS:
                raise _Damaged(f"undecodable data: {_reason(exc)}") from None
            return
        self.bad_packets = 0
        for frame in frames:
            if frame.is_corrupt:
                continue
            if self.result.decoded == 0:
                self._first_frame(frame)
            self.result.decoded += 1
            t = self.clock.frame_time(frame)
            if t is None:
                continue
            self.result.extent_s = max(self.result.extent_s, t + self.frame_step)
            for kt, kframe, cut in self.sampler.offer(max(0.0, t), frame, self.frame_step):
                yield self._sample(kt, kframe, cut)

    def _first_frame(self, frame) -> None:
        """The rotation is known only from a decoded frame: the facts get the upright size."""
        self.rotation = round(frame.rotation or 0) % 360
        if self.rotation:
            self.result.info = _info(self.container, self.stream, self.path, self.rotation)

    def _sample(self, t: float, frame, cut: bool) -> SampledFrame:
        img = _to_image(frame, self.min_side, self.aspect, self.rotation)
        return SampledFrame(t, img, cut, self.novelty is not None and self.novelty.shares(t, img, cut))


def _configure_decoder(stream, skipping_nonref: bool) -> None:
    """Threads, the options of `DECODER_OPTIONS`, and skipping of frames nothing is predicted from."""
    stream.thread_type = THREAD_TYPE
    stream.codec_context.options = dict(DECODER_OPTIONS)
    if skipping_nonref:
        stream.codec_context.skip_frame = "NONREF"


class _Damaged(Exception):
    pass


def _reason(exc: Exception) -> str:
    """FFmpeg's words for an error, without the errno and file name PyAV adds."""
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).strip().lower()


def frame_at(path: str | os.PathLike[str], t_s: float, min_side: int = 240) -> Image.Image:
    """The frame shown at `t_s` (nearest decoded frame), upright RGB: for thumbnails made on demand."""
    result = ReadResult()
    frames = list(read_frames(path, Sampling(strategy="full"), min_side, targets=[max(0.0, t_s)], result=result))
    if not frames:
        raise MediaError(result.error or "no video frame could be decoded")
    return frames[0].image


def sample_at(times: list[float], t_s: float) -> int:
    """Index of the sample that stands for time `t_s`: the last at or before it (the first if none is).

    Each sample stands for the time until the next one (a frame that looked like it shared its
    vector); the *nearest* sample may be the next shot's.
    """
    before = [i for i, t in enumerate(times) if t <= t_s + 1e-6]
    return max(before, key=lambda i: times[i]) if before else min(range(len(times)), key=lambda i: times[i])


def frame_thumb_suffix(t_s: float) -> str:
    """The `ThumbnailCache` suffix of a sampled frame's thumbnail (the poster has none)."""
    return f"-t{round(t_s * 1000)}"


def format_hms(seconds: float) -> str:
    """Seconds as HH:MM:SS (for messages about where a video is damaged)."""
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def check_index_options(options: dict[str, Any]) -> None:
    """Fail fast (one clear line) on video options a run would otherwise fail every video with."""
    Sampling.from_options(options)

