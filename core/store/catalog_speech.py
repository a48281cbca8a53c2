"""The catalog's part for what is said in videos: which videos were heard, by which expert, how far.

A `transcripts` row per (video, expert) — expert "subtitle" (subtitle streams and sidecar files) or
"speech" (the audio transcribed) — is the unit of resumable work: `done_s` is how far into the audio
every line is saved, `complete` whether the video is done. The lines themselves are rows of `ocr_lines`
(with their `expert` and time span, migration 0003) so one full-text index serves all experts. A row
made for another version of the file (size or mtime differ) is stale: the video is heard again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, and_, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from core.store.catalog import Base, Catalog, Item, MediaFile, OcrLine, TextLine, line_row, timed_words

EXPERTS = ("subtitle", "speech")


class Transcript(Base):
    __tablename__ = "transcripts"
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    expert: Mapped[str] = mapped_column(String(8), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    done_s: Mapped[float] = mapped_column(Float)
    complete: Mapped[bool] = mapped_column(Boolean)
    lines: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(16))
    language_detected: Mapped[bool] = mapped_column(Boolean)
    engine: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # why nothing was heard (no audio, a broken subtitle file)
    at: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class HearTask:
    """A video still to hear (from `done_s` on; 0 for a new one)."""

    file_id: int
    path: str
    duration_s: float | None
    done_s: float


@dataclass(frozen=True)
class TranscriptState:
    expert: str
    done_s: float
    complete: bool
    lines: int
    language: str | None
    language_detected: bool
    engine: str | None
    note: str | None


def _current(file_alias=MediaFile):
    return and_(Transcript.file_id == file_alias.id, Transcript.size == file_alias.size,
                Transcript.mtime_ns == file_alias.mtime_ns)


def pending(catalog: Catalog, expert: str, root_ids: Sequence[int] | None = None) -> list[HearTask]:
    """Indexed videos (with sampled frames) whose `expert` pass is not complete for their current version."""
    with catalog.session() as s:
        done = (select(Transcript.file_id).join(MediaFile, _current())
                .where(Transcript.expert == expert, Transcript.complete.is_(True)))
        q = (select(MediaFile.id, MediaFile.path, MediaFile.duration_s)
             .where(MediaFile.status == "ok", MediaFile.kind == "video", MediaFile.id.not_in(done),
                    # EXISTS, not IN: IN listed every item's file first (1.0 s at 1M photos and no video)
                    select(Item.id).where(Item.file_id == MediaFile.id).exists()))
        if root_ids is not None:
            q = q.where(MediaFile.root_id.in_(list(root_ids)))
        rows = s.execute(q.order_by(MediaFile.id)).all()
        started = dict(s.execute(select(Transcript.file_id, Transcript.done_s).join(MediaFile, _current())
                                 .where(Transcript.expert == expert, Transcript.complete.is_(False))).all())
    return [HearTask(fid, path, dur, started.get(fid, 0.0)) for fid, path, dur in rows]


def pending_seconds(tasks: Sequence[HearTask]) -> float:
    """Audio left to hear in `tasks` (what a speech progress bar counts)."""
    return sum(max(0.0, (t.duration_s or 0.0) - t.done_s) for t in tasks)


def save(catalog: Catalog, file_id: int, expert: str, lines: Sequence[TextLine], *, from_s: float, done_s: float,
         complete: bool, language: str | None = None, language_detected: bool = False, engine: str | None = None,
         note: str | None = None) -> bool:
    """Save `lines` of `expert` heard in a video from `from_s` to `done_s`, and how far it is heard, in one
    transaction.

    The expert's lines from `from_s` on (all of them for a changed file) are replaced, so hearing a
    stretch again never doubles it. Each line belongs to the sampled frame standing for its start.
    Returns False when the video left the catalog meanwhile.
    """
    with catalog.write() as s:
        rec = s.get(MediaFile, file_id)
        if rec is None or rec.status != "ok":
            return False
        items = s.execute(select(Item.id, Item.t_s).where(Item.file_id == file_id).order_by(Item.t_s)).all()
        if not items:
            return False
        row = s.get(Transcript, (file_id, expert))
        stale = row is None or (row.size, row.mtime_ns) != (rec.size, rec.mtime_ns)
        mine = [OcrLine.item_id.in_([i for i, _ in items]), OcrLine.expert == expert]
        s.execute(delete(OcrLine).where(*mine, *([] if stale else [OcrLine.start_s >= from_s - 1e-6])))
        if lines:
            s.execute(insert(OcrLine), [line_row(_item_at(items, ln.start_s or 0.0), ln) for ln in lines])
        count = s.scalar(select(func.count()).select_from(OcrLine).where(*mine)) or 0
        values = {"file_id": file_id, "expert": expert, "size": rec.size, "mtime_ns": rec.mtime_ns,
                  "done_s": done_s, "complete": complete, "lines": count, "language": language,
                  "language_detected": language_detected, "engine": engine, "note": note, "at": time.time()}
        s.execute(insert(Transcript).prefix_with("OR REPLACE"), [values])
        return True


def _item_at(items: Sequence[tuple[int, float | None]], t: float) -> int:
    """The sampled frame that stands for time `t`: the last at or before it (the first before any)."""
    chosen = items[0][0]
    for item_id, t_s in items:
        if t_s is not None and t_s <= t + 1e-6:
            chosen = item_id
    return chosen


def state(catalog: Catalog, file_id: int) -> dict[str, TranscriptState]:
    """The experts' records of one video (only those for its current version)."""
    with catalog.session() as s:
        rows = s.scalars(select(Transcript).join(MediaFile, _current()).where(Transcript.file_id == file_id))
        return {r.expert: TranscriptState(r.expert, r.done_s, r.complete, r.lines, r.language, r.language_detected,
                                          r.engine, r.note) for r in rows}


def timed_lines(catalog: Catalog, file_id: int, experts: Sequence[str] = EXPERTS) -> list[TextLine]:
    """A video's subtitle and speech lines in time order: its transcript."""
    with catalog.session() as s:
        q = (select(OcrLine).join(Item, Item.id == OcrLine.item_id)
             .where(Item.file_id == file_id, OcrLine.expert.in_(list(experts)))
             .order_by(OcrLine.start_s, OcrLine.id))
        return [TextLine(ln.text, ln.conf, (0, 0, 0, 0), ln.expert, ln.start_s, ln.end_s, timed_words(ln.words))
                for ln in s.scalars(q)]


def counts(catalog: Catalog, expert: str) -> tuple[int, int]:
    """(videos heard completely, lines found) by `expert`."""
    with catalog.session() as s:
        videos = s.scalar(select(func.count()).select_from(Transcript).join(MediaFile, _current())
                          .where(Transcript.expert == expert, Transcript.complete.is_(True))) or 0
        lines = s.scalar(select(func.count()).select_from(OcrLine).where(OcrLine.expert == expert)) or 0
        return videos, lines

