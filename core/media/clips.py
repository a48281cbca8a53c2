"""A video moment as its own file: the span cut from the video with PyAV.

The picture is decoded and encoded again (H.264) so the clip starts on the moment's first frame,
not on the keyframe before it; the sound, when there is any, is encoded again as AAC. The clip
is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from core.errors import LibraryError, MediaError


def clip_name(path: str | os.PathLike[str], start_s: float, end_s: float) -> str:
    """"walk 0m12s-0m20s.mp4": the video's name and the span."""
    def t(s: float) -> str:
        return f"{int(s // 60)}m{int(s % 60):02d}s"

    return f"{Path(path).stem} {t(start_s)}-{t(end_s)}.mp4"


def cut_clip(path: str | os.PathLike[str], start_s: float, end_s: float, folder: str | os.PathLike[str]) -> Path:
    """Cut [start_s, end_s) of a video into `folder` as an MP4; returns the clip's path."""
    import av

    if end_s <= start_s:
        raise LibraryError(f"the clip's end ({end_s:g} s) must come after its start ({start_s:g} s)")
    out_dir = Path(folder)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    target = out_dir / clip_name(path, start_s, end_s)
    tmp = target.with_name(f".{target.name}.part")
    try:
        with av.open(str(path)) as src, av.open(str(tmp), "w", format="mp4") as dst:
            vin = src.streams.video[0]
            ain = src.streams.audio[0] if src.streams.audio else None
            rate = vin.average_rate or Fraction(25)
            vout = dst.add_stream("libx264", rate=rate)
            vout.width, vout.height = vin.codec_context.width // 2 * 2, vin.codec_context.height // 2 * 2
            vout.pix_fmt = "yuv420p"
            aout = dst.add_stream("aac", rate=ain.codec_context.sample_rate) if ain is not None else None
            src.seek(int(max(0.0, start_s - 0.5) / vin.time_base), stream=vin, backward=True)
            streams = [s for s in (vin, ain) if s is not None]
            first_v = None
            done = False
            for packet in src.demux(*streams):
                for frame in packet.decode():
                    t = float(frame.pts * frame.time_base) if frame.pts is not None else None
                    if t is None or t < start_s:
                        continue
                    if t >= end_s:
                        done = done or packet.stream is vin
                        continue
                    if packet.stream is vin:
                        first_v = t if first_v is None else first_v
                        frame = frame.reformat(width=vout.width, height=vout.height, format="yuv420p")
                        frame.pts = round((t - first_v) * rate)
                        frame.time_base = 1 / rate
                        dst.mux(vout.encode(frame))
                    elif aout is not None:
                        frame.pts = None
                        dst.mux(aout.encode(frame))
                if done:
                    break
            dst.mux(vout.encode(None))
            if aout is not None:
                dst.mux(aout.encode(None))
    except (av.FFmpegError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise MediaError(f"{path}: cannot cut the clip ({exc})") from None
    return _finish(tmp, target)


def _finish(tmp: Path, target: Path) -> Path:
    if not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise MediaError(f"{target.name}: the span holds no frames")
    os.replace(tmp, target)
    return target
