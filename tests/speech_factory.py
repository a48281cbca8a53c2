"""Talking videos the tests and benches make: sentences spoken by espeak-ng at known times, mixed with sox
(music or noise under the voice where asked), muxed with PyAV under world shots, with subtitles as a
stream or a sidecar `.srt` where asked. Needs the Debian packages espeak-ng and sox
(packaging/deps/test-debian.txt)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

RATE = 16000
#: espeak-ng voices PocketSphinx's US-English model hears best (of those tried: en, en-us, en-gb-x-rp, +m3, +f2).
VOICES = ("en-us+f2", "en-us+m3", "en-us")


def have_tools() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


@dataclass(frozen=True)
class Said:
    """A sentence as said in a video: where its voice starts and ends."""

    text: str
    start_s: float
    end_s: float


def speak(text: str, voice: str = VOICES[0], speed: int = 150) -> np.ndarray:
    """`text` spoken by espeak-ng as 16 kHz mono int16, leading and trailing silence cut."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True)
        with wave.open(str(out), "rb") as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
    return pcm[loud[0]:loud[-1] + 1] if loud.size else pcm


def under_voice(kind: str, seconds: float, seed: int = 0) -> np.ndarray:
    """A bed for under the voice, made by sox: "music" (two-note chords) or "noise" (pink noise)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bed.wav"
        if kind == "music":
            notes = [220, 277, 330, 247, 294, 370][seed % 3:][:4]
            synth = ["synth", f"{seconds:.2f}"] + [x for n in notes[:2] for x in ("sine", str(n))]
            subprocess.run(["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(out), *synth,
                            "tremolo", "3", "40", "vol", "0.04"], check=True)
        else:
            subprocess.run(["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(out), "synth", f"{seconds:.2f}",
                            "pinknoise", "vol", "0.06"], check=True)
        with wave.open(str(out), "rb") as w:
            return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def soundtrack(lines: list[tuple[float, str]], seconds: float, bed: str | None = None, seed: int = 0,
               voice: str | None = None) -> tuple[np.ndarray, list[Said]]:
    """A `seconds`-long track with each (time, sentence) spoken from its time; what was said where."""
    track = np.zeros(int(seconds * RATE), np.int32)
    said = []
    for k, (t, text) in enumerate(lines):
        pcm = speak(text, voice or VOICES[(seed + k) % len(VOICES)])
        a = int(t * RATE)
        b = min(len(track), a + len(pcm))
        track[a:b] += pcm[:b - a]
        said.append(Said(text, t, b / RATE))
    if bed:
        track[:] += under_voice(bed, seconds, seed)[:len(track)]
    return np.clip(track, -32768, 32767).astype(np.int16), said


def write_srt(path: Path, cues: list[tuple[float, float, str]]) -> Path:
    def ts(t: float) -> str:
        ms = round(t * 1000)
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    path.write_text("".join(f"{i}\n{ts(a)} --> {ts(b)}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1)),
                    encoding="utf-8")
    return path


def write_talking_video(path: Path, frames: list, fps: int, audio: np.ndarray | None,
                        subtitle_file: Path | None = None, size: tuple[int, int] = (160, 120)) -> Path:
    """Mux `frames` (PIL pictures, `fps` a second) with `audio` (16 kHz mono int16; None: no audio track) and,
    when given, the cues of a subtitle file copied in as a stream (use a .mkv `path` then)."""
    import av
    from PIL import Image

    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="mono") if audio is not None else None
        subs = src = None
        if subtitle_file is not None:
            src = av.open(str(subtitle_file))
            subs = out.add_stream_from_template(src.streams.subtitles[0])
        for n, img in enumerate(frames):
            frame = av.VideoFrame.from_image(img.convert("RGB").resize(size, Image.BILINEAR))
            frame.pts, frame.time_base = n, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            step = 1024
            for i in range(0, len(audio), step):
                chunk = audio[i:i + step].astype(np.float32)[None, :] / 32768.0
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = RATE, i, Fraction(1, RATE)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
        if src is not None:
            for packet in src.demux(src.streams.subtitles[0]):
                if packet.size:
                    packet.stream = subs
                    out.mux(packet)
            src.close()
    return path
