"""Subtitles: the words a video shows as text, read at index time into the full-text index with their times.

Two sources, both read with PyAV (FFmpeg's demuxers and decoders, no other parser):
* subtitle streams inside the video (mov_text in MP4, SubRip, ASS/SSA and WebVTT in Matroska, …);
* sidecar files beside it named after it: `video.srt`, `video.en.vtt`, `video.ass`, `video.ssa`.

Each line keeps its start and end, so a subtitled video is searched exactly where a line is shown
(tests/bench/speech.py: R1@IoU0.5 = 1.0 on the subtitled clips). Reading is cheap (milliseconds a file)
and always on; a broken or empty subtitle is recorded on the video (`transcripts.note`) with one log
line naming the file, and skipped. Picture subtitles (DVD, Blu-ray bitmaps) carry no text and are left out.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.store import catalog_speech
from core.store.catalog import Catalog, TextLine

log = logging.getLogger(__name__)

EXPERT = "subtitle"
SIDECAR_EXTENSIONS = (".srt", ".vtt", ".ass", ".ssa")
_NO_BOX = (0, 0, 0, 0)
_PICTURE_CODECS = frozenset({"dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle", "xsub"})
_ASS_TAGS = re.compile(r"\{[^}]*\}")
_HTML_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass
class SubtitleReport:
    videos: int = 0
    lines: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def clean(text: str) -> str:
    """A subtitle line's words: ASS override tags, HTML tags and line breaks taken out."""
    text = _ASS_TAGS.sub("", text).replace("\\N", " ").replace("\\n", " ").replace("\\h", " ")
    return " ".join(_HTML_TAGS.sub("", text).split())


def sidecars(video: str | os.PathLike[str]) -> list[Path]:
    """Subtitle files beside a video named after it: `trip.srt`, `trip.en.vtt` for `trip.mp4`."""
    path = Path(video)
    try:
        names = sorted(os.listdir(path.parent))
    except OSError:
        return []
    stem = path.stem
    return [path.parent / n for n in names
            if n.lower().endswith(SIDECAR_EXTENSIONS) and (n.rsplit(".", 1)[0] == stem or n.startswith(stem + "."))
            and not (path.parent / n).is_dir()]


def sidecar_language(video: str | os.PathLike[str], sidecar: Path) -> str | None:
    """The language tag in a sidecar's name (`trip.en.vtt` -> "en"), if it has one."""
    middle = sidecar.name[len(Path(video).stem) + 1:].rsplit(".", 1)[0]
    return middle.split(".")[-1].lower() if middle and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]+)?", middle) \
        else None


def _read_container(path: str) -> tuple[list[TextLine], str | None]:
    """The text subtitle lines of a media or subtitle file, in time order, and the first stream's language.

    Raises `av.error.FFmpegError` or `OSError` when the file cannot be read.
    """
    import av

    lines: list[TextLine] = []
    language = None
    with av.open(path, metadata_errors="ignore") as container:
        streams = [s for s in container.streams.subtitles if s.codec_context.name not in _PICTURE_CODECS]
        if not streams:
            return [], None
        language = next((s.metadata.get("language") for s in streams if s.metadata.get("language")), None)
        if language in ("und", ""):
            language = None
        for packet in container.demux(streams):
            if packet.size == 0 or packet.pts is None:
                continue
            start = float(packet.pts * packet.time_base)
            end = start + float((packet.duration or 0) * packet.time_base)
            for sub in packet.decode():
                raw = getattr(sub, "dialogue", None) or getattr(sub, "text", None) or b""
                text = clean(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
                if text:
                    lines.append(TextLine(text, 1.0, _NO_BOX, EXPERT, round(start, 3), round(max(end, start), 3)))
    lines.sort(key=lambda ln: (ln.start_s, ln.text))
    return lines, language


def read_subtitles(video: str) -> tuple[list[TextLine], str | None, list[tuple[str, str]]]:
    """All subtitle lines of a video (its streams and its sidecars), its subtitles' language, and problems
    (file, reason) for the sidecars or streams that could not be read or held no text."""
    import av

    lines: list[TextLine] = []
    language = None
    problems: list[tuple[str, str]] = []
    try:
        lines, language = _read_container(video)
    except (av.error.FFmpegError, OSError, UnicodeError) as exc:
        problems.append((video, f"its subtitle stream cannot be read ({exc}); skipped"))
    for path in sidecars(video):
        try:
            with open(path, "rb") as f:
                blank = not f.read(4096).strip()
            found, lang = ([], None) if blank else _read_container(str(path))
        except (av.error.FFmpegError, OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            problems.append((str(path), f"not a subtitle file that can be read ({reason}); skipped"))
            continue
        if not found:
            problems.append((str(path), "an empty subtitle file (no timed lines); skipped"))
            continue
        lines.extend(found)
        language = language or lang or sidecar_language(video, path)
    # A sidecar often repeats the stream (or another sidecar): each line once.
    unique = {(ln.start_s, ln.text): ln for ln in lines}
    return sorted(unique.values(), key=lambda ln: (ln.start_s, ln.text)), language, problems


def run_stage(catalog: Catalog, root_ids: Sequence[int] | None,
              progress: Callable[[int, int], None] | None = None) -> SubtitleReport:
    """Read the subtitles of every indexed video not read yet (new or changed since)."""
    tasks = catalog_speech.pending(catalog, EXPERT, root_ids)
    report = SubtitleReport()
    for n, task in enumerate(tasks, 1):
        lines, language, problems = read_subtitles(task.path)
        for where, reason in problems:
            log.warning("%s: %s", where, reason)
        report.problems.extend(problems)
        end = max((ln.end_s or 0.0 for ln in lines), default=0.0)
        if catalog_speech.save(catalog, task.file_id, EXPERT, lines, from_s=0.0, done_s=end, complete=True,
                               language=language, note="; ".join(f"{w}: {r}" for w, r in problems) or None):
            report.videos += 1
            report.lines += len(lines)
        if progress:
            progress(n, len(tasks))
    return report
