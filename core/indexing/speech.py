"""What is said in videos: an optional indexing stage that transcribes their audio into timed lines.

The lines join the OCR and subtitle lines in one full-text index (`core.catalog_speech`), each word with
its time, so a spoken phrase is found as a moment that plays from its first word.

**Engines.** `SpeechEngine` is what the stage needs: 16 kHz mono samples in, timed words and the language
out. Two are built in, chosen by `choose_engine`:

* `WhisperEngine` — faster-whisper (CTranslate2): Whisper's quality (by its published figures a few per cent
  word errors on clear speech, robust to music and noise; untested here, where no weights download), ~100
  languages detected from the audio, int8 on the CPU and float16 on a GPU when CTranslate2 sees one. It runs
  when the library is given a converted Whisper model folder (`medialens index --speech-model DIR`, or the
  model catalogue's download); no weights are downloaded here.
* `SphinxEngine` — PocketSphinx 5, whose wheel carries a US-English acoustic model, dictionary and
  language model (38 MB, BSD), so speech search works offline with nothing to download. It is far weaker
  (tests/bench/speech.py, 48 espeak-ng sentences: WER 0.77 — 0.72 clean, 0.63 under noise, 0.96 under
  music; 39 CPU-s per minute of audio) and English only: its language is the model's, not detected. It is
  what the tests run.

**Cost bound.** Audio is decoded and heard in windows of `WINDOW_S` (memory stays flat on a 2-hour
track); a window quieter than `SILENCE_DBFS` is skipped without decoding speech, and each window is
committed with its lines, so a cancel or a kill loses at most one window: the next run resumes at the
time saved (`transcripts.done_s`). A line still being said at a window's end is heard again with the next.

It is off by default, like OCR (`medialens index --speech`, remembered by the library).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from core.errors import LibraryError, MediaError
from core.store import catalog_speech
from core.store.catalog import Catalog, TextLine

if TYPE_CHECKING:  # pragma: no cover
    from core.indexing.control import Control, IndexReport

log = logging.getLogger(__name__)

EXPERT = "speech"
#: The catalog setting that turns the stage on for a library ("on" / "off").
SETTING = "speech"
#: The catalog setting naming a faster-whisper model folder (else PocketSphinx's bundled English).
MODEL_SETTING = "speech_model"
SAMPLE_RATE = 16000
#: Audio heard per window (and committed per transaction).
WINDOW_S = 30.0
#: A line still going on within this much of a window's end is heard again with the next window.
TAIL_S = 1.0
#: A pause at least this long between words starts a new line (espeak-ng's sentences hold pauses of 0.55 s
#: between words that PocketSphinx hears apart; 0.45 split them).
PAUSE_S = 0.8
#: A line holds at most this many words.
LINE_WORDS = 14
#: Windows quieter than this (RMS, dB below full scale) hold no speech worth decoding.
SILENCE_DBFS = -50.0

_NO_BOX = (0, 0, 0, 0)


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float
    conf: float


class NoAudio(MediaError):
    """The video has no audio track."""


class SpeechEngine(Protocol):
    name: str

    def transcribe(self, pcm: np.ndarray, offset_s: float) -> tuple[list[Word], str | None, bool]:
        """Timed words of 16 kHz mono int16 `pcm` starting at `offset_s`, the language and whether the
        engine detected it (False: the model's only language)."""


class SphinxEngine:
    """PocketSphinx with the US-English model its wheel ships; loaded on first use under a lock."""

    name = "pocketsphinx-en-us"

    def __init__(self) -> None:
        self._decoder = None
        self._lock = threading.Lock()

    def transcribe(self, pcm: np.ndarray, offset_s: float) -> tuple[list[Word], str | None, bool]:
        with self._lock:
            if self._decoder is None:
                try:
                    from pocketsphinx import Decoder
                except ImportError:
                    raise LibraryError("hearing speech needs the pocketsphinx package (pip install pocketsphinx)") \
                        from None
                self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
            d = self._decoder
            d.start_utt()
            d.process_raw(np.ascontiguousarray(pcm, np.int16).tobytes(), full_utt=True)
            d.end_utt()
            frame_s = 1.0 / 100  # PocketSphinx's 10 ms frames
            words = []
            for seg in d.seg():
                text = re.sub(r"\(\d+\)$", "", seg.word)  # alternative pronunciations: "the(2)"
                if text.startswith(("<", "[", "+")):
                    continue  # <s>, <sil>, [NOISE], +BREATH+
                words.append(Word(text, offset_s + seg.start_frame * frame_s, offset_s + (seg.end_frame + 1) * frame_s,
                                  float(seg.prob)))
        return words, "en", False


class WhisperEngine:
    """faster-whisper on a converted Whisper model folder; the GPU when CTranslate2 sees one."""

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self.name = f"faster-whisper:{model_dir.rstrip('/').rsplit('/', 1)[-1]}"
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
        except ImportError:
            raise LibraryError("this speech model needs the faster-whisper package (pip install faster-whisper)") \
                from None
        gpu = ctranslate2.get_cuda_device_count() > 0
        return WhisperModel(self.model_dir, device="cuda" if gpu else "cpu", compute_type="float16" if gpu else "int8")

    def transcribe(self, pcm: np.ndarray, offset_s: float) -> tuple[list[Word], str | None, bool]:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            segments, info = self._model.transcribe(pcm.astype(np.float32) / 32768.0, word_timestamps=True,
                                                    vad_filter=True)
            words = [Word(w.word.strip(), offset_s + w.start, offset_s + w.end, float(w.probability))
                     for seg in segments for w in (seg.words or ()) if w.word.strip()]
        return words, info.language, True


def choose_engine(catalog: Catalog) -> SpeechEngine:
    """The library's Whisper model when it has one, else PocketSphinx's bundled English."""
    model_dir = catalog.get_setting(MODEL_SETTING)
    return WhisperEngine(model_dir) if model_dir else SphinxEngine()


def speech_enabled(catalog: Catalog) -> bool:
    return catalog.get_setting(SETTING, "off") == "on"


# ----- audio ---------------------------------------------------------------------------------------

def audio_windows(path: str, start_s: float = 0.0, window_s: float = WINDOW_S) -> Iterator[tuple[float, np.ndarray]]:
    """The audio track from `start_s` as 16 kHz mono int16, in windows of about `window_s`: (start time, samples).

    Raises `NoAudio` for a video without sound and `MediaError` for one that cannot be opened.
    """
    import av

    try:
        container = av.open(path, metadata_errors="ignore")
    except (OSError, av.error.FFmpegError) as exc:
        raise MediaError(f"cannot be read: {exc}") from None
    with container:
        if not container.streams.audio:
            raise NoAudio("no audio track")
        stream = container.streams.audio[0]
        if start_s > 0 and stream.time_base:
            container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        pieces: list[np.ndarray] = []
        held = 0
        buf_t0: float | None = None
        want = int(window_s * SAMPLE_RATE)
        try:
            for frame in container.decode(stream):
                if buf_t0 is None:
                    if frame.time is None:
                        continue
                    buf_t0 = float(frame.time)
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
                    held += pieces[-1].size
                if buf_t0 < start_s and held:  # a seek lands before the time asked for
                    drop = min(held, round((start_s - buf_t0) * SAMPLE_RATE))
                    joined = np.concatenate(pieces)[drop:]
                    pieces, held, buf_t0 = [joined], joined.size, buf_t0 + drop / SAMPLE_RATE
                while held >= want:
                    joined = np.concatenate(pieces)
                    yield buf_t0, joined[:want]
                    pieces, held, buf_t0 = [joined[want:]], joined.size - want, buf_t0 + window_s
        except av.error.FFmpegError as exc:
            log.info("%s: the audio stops early (%s)", path, exc)
        for out in resampler.resample(None):
            pieces.append(out.to_ndarray().reshape(-1))
        if pieces and buf_t0 is not None:
            joined = np.concatenate(pieces)
            if joined.size:
                yield buf_t0, joined


def loudness_dbfs(pcm: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(pcm.astype(np.float32))))) if pcm.size else 0.0
    return 20 * np.log10(max(rms, 1e-3) / 32768.0)


def to_lines(words: Sequence[Word]) -> list[TextLine]:
    """Timed words into lines: a new line after a pause of `PAUSE_S` or `LINE_WORDS` words."""
    lines: list[list[Word]] = []
    for w in words:
        if lines and w.start_s - lines[-1][-1].end_s < PAUSE_S and len(lines[-1]) < LINE_WORDS:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [TextLine(" ".join(w.text for w in ws), round(float(np.mean([w.conf for w in ws])), 4), _NO_BOX, EXPERT,
                     round(ws[0].start_s, 3), round(ws[-1].end_s, 3),
                     tuple((w.text, round(w.start_s, 3), round(w.end_s, 3)) for w in ws)) for ws in lines]


# ----- the stage -----------------------------------------------------------------------------------

@dataclass
class SpeechReport:
    videos: int = 0
    lines: int = 0
    audio_s: float = 0.0
    seconds: float = 0.0
    failed: int = 0


def hear_video(catalog: Catalog, engine: SpeechEngine, task: catalog_speech.HearTask, control: Control | None = None,
               heard: Callable[[float], None] | None = None) -> tuple[int, float, bool]:
    """Transcribe one video from where it was left (`task.done_s`), committing every window.

    Returns (lines saved, seconds of audio heard, complete). `heard(seconds)` after each window.
    """
    lines_saved = 0
    audio_s = 0.0
    language, detected = None, False
    resume = task.done_s
    carried: tuple[float, np.ndarray] | None = None  # audio of a line still going on at the last window's end
    try:
        for t0, pcm in audio_windows(task.path, resume):
            if control:
                control.wait_if_paused()
                if control.cancelled:
                    return lines_saved, audio_s, False
            if carried is not None:
                t0, pcm = carried[0], np.concatenate([carried[1], pcm])
                carried = None
            end = t0 + pcm.size / SAMPLE_RATE
            words: list[Word] = []
            if loudness_dbfs(pcm) > SILENCE_DBFS:
                words, language, detected = engine.transcribe(pcm, t0)
            lines = to_lines(words)
            done = end
            if lines and lines[-1].end_s > end - TAIL_S and lines[-1].start_s > t0 + 1e-3:
                done = lines[-1].start_s  # still being said: heard again with the next window
                carried = (done, pcm[int((done - t0) * SAMPLE_RATE):])
                lines = lines[:-1]
            if not catalog_speech.save(catalog, task.file_id, EXPERT, lines, from_s=resume, done_s=done,
                                       complete=False, language=language, language_detected=detected,
                                       engine=engine.name):
                return lines_saved, audio_s, False
            lines_saved += len(lines)
            audio_s += done - resume
            if heard:
                heard(done - resume)
            resume = done
        if carried is not None:
            words, language, detected = engine.transcribe(carried[1], carried[0])
            lines = to_lines(words)
            end = carried[0] + carried[1].size / SAMPLE_RATE
            catalog_speech.save(catalog, task.file_id, EXPERT, lines, from_s=resume, done_s=end, complete=False,
                                language=language, language_detected=detected, engine=engine.name)
            lines_saved += len(lines)
            audio_s += end - resume
            resume = end
    except NoAudio:
        catalog_speech.save(catalog, task.file_id, EXPERT, [], from_s=0.0, done_s=0.0, complete=True,
                            engine=engine.name, note="no audio track")
        return 0, 0.0, True
    state = catalog_speech.state(catalog, task.file_id).get(EXPERT)
    catalog_speech.save(catalog, task.file_id, EXPERT, [], from_s=resume, done_s=resume, complete=True,
                        language=state.language if state else language,
                        language_detected=state.language_detected if state else detected, engine=engine.name)
    return lines_saved, audio_s, True


def transcribe_library(catalog: Catalog, engine: SpeechEngine, control: Control | None = None,
                       progress: Callable[[int, int, float, float], None] | None = None,
                       root_ids: Sequence[int] | None = None) -> SpeechReport:
    """Hear every indexed video not heard yet; `progress(videos done, videos, audio s done, audio s total)`."""
    report = SpeechReport()
    t0 = time.monotonic()
    tasks = catalog_speech.pending(catalog, EXPERT, root_ids)
    total_s = catalog_speech.pending_seconds(tasks)
    done_s = 0.0

    def heard(seconds: float) -> None:
        nonlocal done_s
        done_s += seconds
        if progress:
            progress(report.videos, len(tasks), done_s, total_s)

    for task in tasks:
        if control and control.cancelled:
            break
        try:
            lines, audio, complete = hear_video(catalog, engine, task, control, heard)
        except MediaError as exc:
            log.warning("%s: its speech cannot be heard now: %s", task.path, exc)
            report.failed += 1
            continue
        report.lines += lines
        report.audio_s += audio
        report.videos += complete
        if progress:
            progress(report.videos, len(tasks), done_s, total_s)
    report.seconds = time.monotonic() - t0
    return report


def run_stage(catalog: Catalog, root_ids: Sequence[int], report: IndexReport, control: Control,
              progress: Callable[[int, int, float, float], None]) -> None:
    """The indexing stage: hear the roots' pending videos, adding to `report`."""
    got = transcribe_library(catalog, choose_engine(catalog), control, progress, root_ids)
    report.speech_videos += got.videos
    report.speech_lines += got.lines
    report.speech_audio_s += got.audio_s
    report.speech_s += got.seconds
