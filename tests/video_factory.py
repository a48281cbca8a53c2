"""Videos the tests make with PyAV: segments with known boundaries, rotated, truncated, audio-only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from tests.media_factory import picture


@dataclass(frozen=True)
class Segment:
    """`duration_s` of one content: a solid RGB colour, or `picture(seed)` drifting a little;
    `caption`: words shown still on top of it (`tests.text_pictures.draw_phrase`)."""

    duration_s: float
    colour: tuple[int, int, int] | None = None
    seed: int | None = None
    caption: str | None = None


def segment_frame(seg: Segment, k: int, size: tuple[int, int]) -> Image.Image:
    if seg.colour is not None:
        img = Image.new("RGB", size, seg.colour)
    else:
        base = picture(seg.seed if seg.seed is not None else 0, (size[0] + 16, size[1] + 16))
        dx = k % 16  # a slow pan, so frames inside a shot are alike but not identical
        img = base.crop((dx, 8, dx + size[0], 8 + size[1]))
    if seg.caption:
        from tests.text_pictures import draw_phrase

        draw_phrase(img, seg.caption, seed=seg.seed or 0)
    return img


def write_video(path: Path, segments: Sequence[Segment], fps: int = 10, size: tuple[int, int] = (96, 64),
                codec: str = "libx264", gop: int | None = None, rotation: int | None = None,
                faststart: bool = False) -> list[tuple[float, float]]:
    """Encode the segments back to back; returns each one's (start_s, end_s).

    `gop`: frames between keyframes (None: the encoder's default, with keyframes at cuts);
    `rotation`: display-matrix rotation, counter-clockwise degrees; `faststart`: the MP4
    index at the front, so a truncated file can still be read up to the cut.
    """
    spans = []
    t = 0.0

    def frames():
        nonlocal t
        for seg in segments:
            count = round(seg.duration_s * fps)
            for k in range(count):
                yield segment_frame(seg, k, size)
            spans.append((t, t + count / fps))
            t += count / fps

    write_frames(path, frames(), fps, size, codec, gop, rotation, faststart)
    return spans


def write_frames(path: Path, frames: Iterable[Image.Image], fps: int = 10, size: tuple[int, int] = (96, 64),
                 codec: str = "libx264", gop: int | None = None, rotation: int | None = None,
                 faststart: bool = False, crf: int | None = None) -> int:
    """Encode pictures (resized to `size` when they differ) as a video; returns the number of frames.

    `gop`, `rotation`, `faststart`: as `write_video`; `crf`: the encoder's quality (lower: better).
    """
    import av

    options = {"preset": "ultrafast"} if codec == "libx264" else {}
    if crf is not None:
        options["crf"] = str(crf)
    if gop is not None:
        options["g"] = str(gop)
        if codec == "libx264":
            options["x264-params"] = f"keyint={gop}:min-keyint={gop}:scenecut=0"
    container_options = {"movflags": "faststart"} if faststart else {}
    n = 0
    with av.open(str(path), "w", options=container_options) as out:
        stream = out.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for img in frames:
            if img.size != tuple(size):
                img = img.resize(size, Image.BILINEAR)
            frame = av.VideoFrame.from_image(img)
            frame.pts, frame.time_base = n, Fraction(1, fps)
            n += 1
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return n


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An MP4 with a sine tone and no picture."""
    import av

    rate = 22050
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=rate)
        samples = (0.2 * np.sin(np.arange(int(seconds * rate)) * 2 * np.pi * 440 / rate)).astype(np.float32)
        for i in range(0, len(samples), 1024):
            chunk = samples[i:i + 1024]
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def truncate(path: Path, keep: float) -> Path:
    """Cut a file to `keep` of its length, as an interrupted copy leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def mean_colour(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.float32).reshape(-1, 3).mean(axis=0)


def video_with_sound(path: Path, seed: int, seconds: float = 6.0, fps: int = 10,
                     size: tuple[int, int] = (160, 120)) -> Path:
    """An MP4 of `picture(seed)` drifting, with a stereo AAC tone under it: a video the player opens with
    an audio renderer (the soak test's freeze needed one)."""
    import av

    rate = 44100
    tone = 0.2 * np.sin(np.arange(int(seconds * rate)) * 2 * np.pi * (220 + 20 * seed) / rate)
    samples = np.stack([tone, tone]).astype(np.float32)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        audio = out.add_stream("aac", rate=rate, layout="stereo")
        seg = Segment(seconds, seed=seed)
        for k in range(round(seconds * fps)):
            frame = av.VideoFrame.from_image(segment_frame(seg, k, size))
            frame.pts, frame.time_base = k, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for i in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, i:i + 1024]), format="fltp",
                                               layout="stereo")
            frame.sample_rate, frame.pts = rate, i
            out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    return path
