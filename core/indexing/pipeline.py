"""The indexing pipeline: scan → plan → decode (thread pool) → embed (batches) → one writer.

* **Incremental.** (size, mtime, change time, inode) decide "unchanged" (a change time or
  inode alone that moved is checked by content hash: a chmod is not a change, a rewrite
  that put its mtime back is); a file that failed for a passing reason (an I/O or
  permission error) or whose change time moved is tried again; a new path whose content
  hash equals a vanished file's keeps that file's row, items and vectors (a move
  or rename); vanished files are swept — unless the folder they were in could not
  be read this time, or is where a drive was mounted at an earlier scan and is
  not now (an unplugged drive must not empty the library).
* **Bounded.** Decoder threads push preprocessed frames into a queue of fixed
  size, so look-ahead (and memory) is capped while decoding overlaps the model.
* **One writer.** This thread alone writes: per batch, one transaction holds
  the items, their vectors, and the files that became complete. A file counts
  as done for a model only when its `embedded` row is committed, so a cancel or
  a kill at any point loses nothing committed and the next run resumes.
* **Per-file errors never abort a run**: they are recorded on the file and skipped.

Decoders are chosen by media kind (`core.indexing.decoders.DECODERS`); every
statement the pipeline runs is a `Catalog` method.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

from core.errors import MediaError
from core.indexing import faces, ocr, speech, subtitles
from core.indexing.control import Control, IndexReport, Progress, ProgressCallback, TimeLeft
from core.indexing.decoders import (
    DECODERS,
    DecodeContext,
    DecodeJob,
    Decoder,
    FileDone,
    FileFailed,
    Frame,
    VideoFound,
    decode_image,
)
from core.indexing.scan import offline_mounts, under_any, walk
from core.media.image import ThumbnailCache, content_hash
from core.media.video import Sampling
from core.models.embed import BaseEncoder
from core.store.catalog import Catalog, FileRecord
from core.store.vectors import VectorIndex

log = logging.getLogger(__name__)

_WORKER_EXIT = object()


#: Why a file may fail once and not the next time: it is retried on the next run (a flaky or unplugged
#: drive, permissions being fixed, a file replaced while it was read).
PASSING_ERRNOS = (errno.EIO, errno.EACCES, errno.EPERM, errno.ENOENT, errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT,
                  errno.ESTALE, errno.ENOTCONN, errno.EINTR, errno.ENXIO, errno.ENODEV, errno.ENOMEM)
_PASSING_TEXTS = tuple(os.strerror(e).lower() for e in PASSING_ERRNOS)


def passing_failure(error: str | None) -> bool:
    """Whether a file's recorded failure is one that may pass (an I/O or permission error, not bad content)."""
    return bool(error) and any(text in error.lower() for text in _PASSING_TEXTS)


def _identity_changed(st, f) -> bool:
    """Whether the file's change time or inode differ from the catalog's (a rewrite, a chmod, a replacement)."""
    return f.ctime_ns is not None and (st.ctime_ns, st.inode) != (f.ctime_ns, f.inode)


def _hash_or_none(f) -> str | None:
    try:
        return content_hash(f.path, f.size)
    except OSError:
        return None


class Indexer:
    """Runs one indexing pass over some roots for one model."""

    def __init__(self, catalog: Catalog, encoder: BaseEncoder, vindex: VectorIndex, model_id: int,
                 thumbs: ThumbnailCache, *, batch_size: int | None = None, workers: int | None = None,
                 lookahead: int | None = None, sampling: Sampling | None = None, read_text: bool = False,
                 hear_speech: bool = False, find_faces: bool = False):
        self.catalog = catalog
        self.encoder = encoder
        self.vindex = vindex
        self.model_id = model_id
        self.thumbs = thumbs
        gpu = encoder.device.startswith("cuda")
        self.batch_size = batch_size or (128 if gpu else 32)
        self.workers = workers or max(2, min(8, (os.cpu_count() or 2)))
        self.lookahead = lookahead or 2 * self.batch_size
        self.sampling = sampling or Sampling()  # how frames are taken from videos
        self.read_text = read_text  # the OCR stage after embedding (core/indexing/ocr.py)
        self.hear_speech = hear_speech  # the speech stage after it (core/indexing/speech.py)
        self.find_faces = find_faces  # the face stage after it (core/indexing/faces.py)
        self.save_every_s = 120.0
        #: Replaces the local decoders and the model when set (`core.indexing.cluster.RemoteDecoder`).
        self.remote_decoder: Decoder | None = None

    # ----- phase 1: scan and plan -------------------------------------------------------------

    def scan(self, roots: list[tuple[int, str]], report: IndexReport, control: Control,
             emit: Callable[..., None]) -> None:
        """Bring the catalog's file rows in line with the disk (no decoding yet)."""
        from core.indexing.links import follows_outside_links, record_outside_links

        scan_id = int(self.catalog.get_setting("scan_counter", "0")) + 1
        kinds = set(DECODERS)
        follow = follows_outside_links(self.catalog)
        for root_id, root in roots:
            if control.cancelled:
                return
            result = walk(root, should_stop=lambda: control.cancelled,
                          on_found=lambda n: emit("scan", found=report.found + n), follow_outside=follow)
            report.problems.extend(result.problems)
            record_outside_links(self.catalog, root, result.outside_links)
            found = [f for f in result.files if f.kind in kinds]
            report.found += len(found)
            if control.cancelled:
                return  # a partial walk must not sweep anything
            offline = self._offline_mounts(root, result.mounts, report)
            self._plan_root(root_id, found, [*result.unreadable_dirs, *offline], scan_id, report)
        self.catalog.set_setting("scan_counter", str(scan_id))

    def _offline_mounts(self, root: str, mounted: list[str], report: IndexReport) -> list[str]:
        """Drives mounted inside `root` at an earlier scan and not now: their files are kept (not swept)."""
        key = f"mounts:{root}"
        known = json.loads(self.catalog.get_setting(key) or "[]")
        offline, keep = offline_mounts(known, mounted)
        if keep != known:
            self.catalog.set_setting(key, json.dumps(keep) if keep else None)
        report.problems.extend((folder, "a drive mounted here is offline (unmounted): its files are kept "
                                        "until it is back") for folder in offline)
        return offline

    def _plan_root(self, root_id: int, found, unreadable: list[str], scan_id: int, report: IndexReport) -> None:
        states = self.catalog.file_states(root_id)
        seen = {f.path for f in found}
        missing = {p: st for p, st in states.items() if p not in seen and not under_any(p, unreadable)}
        new, changed, refreshed = [], [], []
        for f in found:
            st = states.get(f.path)
            if st is None:
                new.append(f)
            elif (st.size, st.mtime_ns) != (f.size, f.mtime_ns):
                changed.append((st, f))
            elif st.status == "failed" and (passing_failure(st.error) or _identity_changed(st, f)):
                changed.append((st, f))  # failed for a reason that may have passed: tried again
            elif not _identity_changed(st, f):
                report.unchanged += 1
            elif st.ctime_ns is None or (st.content_hash and _hash_or_none(f) == st.content_hash):
                refreshed.append((st.id, f))  # first seen since migration 0003, or the same bytes (a chmod)
                report.unchanged += 1
            else:
                changed.append((st, f))  # rewritten with its size and mtime kept
        # Moves and renames: a new path with the content of a vanished file keeps its row.
        moved: list[tuple[int, object]] = []
        by_size: dict[int, list[tuple[str, object]]] = {}
        for p, st in missing.items():
            if st.content_hash:
                by_size.setdefault(st.size, []).append((p, st))
        if by_size:
            still_new = []
            for f in new:
                candidates = by_size.get(f.size)
                match = None
                if candidates:
                    try:
                        digest = content_hash(f.path, f.size)
                    except OSError:
                        digest = None
                    for i, (_path, st) in enumerate(candidates):
                        if st.content_hash == digest:
                            match = candidates.pop(i)
                            break
                if match:
                    moved.append((match[1].id, f))
                    del missing[match[0]]
                else:
                    still_new.append(f)
            new = still_new
        self.catalog.record_scan(root_id, scan_id, moved, [st.id for st in missing.values()], changed, new,
                                 refreshed)
        report.new += len(new)
        report.changed += len(changed)
        report.moved += len(moved)
        report.removed += len(missing)

    def _prepare(self, files: list[FileRecord]) -> list[DecodeJob]:
        """Jobs for pending files; leftovers of interrupted runs are cleared first.

        Items of a file that no model has completed are partial work: they are
        deleted so the file starts afresh. A file complete for another model keeps
        its items, and this model's vectors are added to them.
        """
        done_elsewhere = self.catalog.clear_partial_items([f.id for f in files])
        jobs = []
        for f in files:
            items = tuple(self.catalog.items_of_file(f.id)) if f.id in done_elsewhere else ()
            jobs.append(DecodeJob(f.id, f.path, f.kind, f.size, items))
        return jobs

    # ----- phase 2: decode, embed, write -------------------------------------------------------

    def run(self, roots: list[tuple[int, str]], progress: ProgressCallback | None = None,
            control: Control | None = None) -> IndexReport:
        control = control or Control()
        report = IndexReport()
        t0 = time.monotonic()
        state = Progress(phase="scan")
        last_emit = [0.0]

        def emit(phase: str, force: bool = False, **kw) -> None:
            state.phase = phase
            for k, v in kw.items():
                setattr(state, k, v)
            state.elapsed_s = time.monotonic() - t0
            state.paused = control.paused
            now = time.monotonic()
            if progress and (force or now - last_emit[0] >= 0.1):
                last_emit[0] = now
                progress(state)

        emit("scan", force=True)
        self.scan(roots, report, control, emit)
        report.scan_s = time.monotonic() - t0
        if control.cancelled:
            report.cancelled = True
            report.elapsed_s = time.monotonic() - t0
            return report
        pending = self.catalog.pending_files(self.model_id, [r[0] for r in roots])
        pending = [f for f in pending if f.kind in DECODERS]
        # The video total starts from the durations the catalog knows (videos another model indexed)
        # and grows as decoders open the others (VideoFound): opening every pending video for its
        # duration first cost a serial pass before the first frame.
        known = {f.id: f.duration_s for f in pending if f.duration_s and f.content_hash}
        emit("plan", force=True, found=report.found, files_total=len(pending), video_s_total=sum(known.values()))
        jobs = self._prepare(pending)
        t_embed = time.monotonic()
        self._embed(jobs, report, control, emit, t_embed, known)
        report.embed_s = time.monotonic() - t_embed
        self.vindex.save(wait=False)  # Library.index waits for a background rebuild (or a cancel)
        if self.read_text and not control.cancelled:
            ocr.run_stage(self.catalog, [r[0] for r in roots], report, control,
                          lambda done, total: emit("ocr", force=True, files_done=done, files_total=total))
        if not control.cancelled:  # cheap (milliseconds a video): always on
            got = subtitles.run_stage(self.catalog, [r[0] for r in roots])
            report.subtitle_videos, report.subtitle_lines = got.videos, got.lines
            report.problems.extend(got.problems)
        if self.hear_speech and not control.cancelled:
            speech.run_stage(self.catalog, [r[0] for r in roots], report, control,
                             lambda done, total, done_s, total_s: emit(
                                 "speech", force=True, files_done=done, files_total=total, video_s_done=done_s,
                                 video_s_total=total_s))
        if self.find_faces and not control.cancelled:
            faces.run_stage(self.catalog, [r[0] for r in roots], report, control,
                            lambda done, total: emit("faces", force=True, files_done=done, files_total=total))
        report.cancelled = control.cancelled
        report.elapsed_s = time.monotonic() - t0
        emit("done", force=True)
        return report

    def _embed(self, jobs: list[DecodeJob], report: IndexReport, control: Control,
               emit: Callable[..., None], t_start: float, known_s: dict[int, float] | None = None) -> None:
        if not jobs:
            return
        ctx = DecodeContext(preprocess=self.encoder.preprocess,
                            min_side=max(self.encoder.image_size, 240), thumbs=self.thumbs,
                            control=control, sampling=self.sampling)
        paths = {j.file_id: j.path for j in jobs}
        pool = _DecodePool(jobs, lambda job: self.remote_decoder or DECODERS.get(job.kind, decode_image), ctx,
                           control, self.lookahead, min(self.workers, len(jobs)))
        pool.start()
        writer = _Writer(self.catalog, self.vindex, self.model_id, report, paths, known_s)
        try:
            self._write_loop(pool.out, writer, len(pool.threads), len(jobs), report, emit, t_start)
        except BaseException:
            pool.abandon()
            raise
        pool.join()
        self._flush(writer)
        emit("embed", force=True, files_total=len(jobs), files_done=writer.files_done, failed=len(report.failed),
             frames_done=report.frames, video_s_done=writer.video_seconds, video_s_total=writer.video_s_total)

    def _flush(self, writer: _Writer) -> None:
        """Encode the writer's frames in one batch, then let it commit them."""
        vectors = [f.vector for f in writer.frames]  # made already where a cluster decoded them
        local = [i for i, f in enumerate(writer.frames) if f.vector is None]
        if local:
            encoded = self.encoder.encode_preprocessed([writer.frames[i].tensor for i in local])
            for i, v in zip(local, encoded, strict=True):
                vectors[i] = v
        writer.flush(vectors if writer.frames else None)

    def _write_loop(self, out: queue.Queue, writer: _Writer, n_workers: int, total: int, report: IndexReport,
                    emit: Callable[..., None], t_start: float) -> None:
        """Takes decoded frames until every decoder has exited, committing them in batches."""
        exited = 0
        last_save = time.monotonic()
        time_left = TimeLeft()
        while exited < n_workers:
            try:
                ev = out.get(timeout=0.05)
            except queue.Empty:
                ev = None
            if ev is _WORKER_EXIT:
                exited += 1
            elif ev is not None:
                writer.accept(ev)
            if writer.should_flush(self.batch_size, idle=ev is None, finishing=exited == n_workers):
                self._flush(writer)
                elapsed = time.monotonic() - t_start
                done = writer.files_done
                rate = done / elapsed if elapsed > 0 else 0.0
                emit("embed", files_total=total, files_done=done, failed=len(report.failed),
                     frames_done=report.frames, video_s_done=writer.video_seconds,
                     video_s_total=writer.video_s_total, rate_files_s=rate,
                     eta_s=time_left.update(time.monotonic(), done, total, writer.video_seconds,
                                            writer.video_s_total, t_start), current=writer.last_path)
                if time.monotonic() - last_save > self.save_every_s:
                    self.vindex.save(wait=False)  # a background rebuild saves when it is done
                    last_save = time.monotonic()
            elif ev is None:
                emit("embed", files_total=total)


class _DecodePool:
    """Decoder threads feeding the writer through a bounded queue (the look-ahead), each ending with
    `_WORKER_EXIT`. They stop when the run is cancelled or the writer failed (disk full, a model error:
    `abandon`), so none waits forever on a full queue; a file that cannot be decoded is a `FileFailed`."""

    def __init__(self, jobs: list[DecodeJob], decoder_of: Callable[[DecodeJob], Decoder], ctx: DecodeContext,
                 control: Control, lookahead: int, workers: int):
        self.todo: queue.SimpleQueue[DecodeJob] = queue.SimpleQueue()
        for j in jobs:
            self.todo.put(j)
        self.out: queue.Queue = queue.Queue(maxsize=lookahead)
        self._decoder_of, self._ctx, self._control = decoder_of, ctx, control
        self._writer_failed = threading.Event()
        self.threads = [threading.Thread(target=self._work, name=f"medialens-decode-{i}", daemon=True)
                        for i in range(workers)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()

    def abandon(self) -> None:
        """The writer failed: decoders stop at their next event."""
        self._writer_failed.set()
        for t in self.threads:
            t.join(timeout=10)

    def _stopped(self) -> bool:
        return self._control.cancelled or self._writer_failed.is_set()

    def _put(self, ev) -> bool:
        while True:
            try:
                self.out.put(ev, timeout=0.2)
                return True
            except queue.Full:
                if self._stopped():
                    return False

    def _work(self) -> None:
        control = self._control
        try:
            while not self._stopped():
                control.wait_if_paused()
                if self._stopped():
                    break
                try:
                    job = self.todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    for ev in self._decoder_of(job)(job, self._ctx):
                        if not self._put(ev):
                            return
                except MediaError as exc:
                    self._put(FileFailed(job.file_id, str(exc)))
                except MemoryError:
                    self._put(FileFailed(job.file_id, "not enough memory to decode this file"))
                except Exception as exc:  # a bug or an exotic file: record it, keep going
                    log.exception("unexpected error decoding %s", job.path)
                    self._put(FileFailed(job.file_id, f"unexpected error: {type(exc).__name__}: {exc}"))
        finally:
            self._put(_WORKER_EXIT)


class _Writer:
    """Collects decoded frames and commits them, with the files they complete, in batches.

    It only writes: the indexer encodes a batch's frames and hands it the vectors.
    """

    def __init__(self, catalog: Catalog, vindex: VectorIndex, model_id: int, report: IndexReport,
                 paths: dict[int, str], known_s: dict[int, float] | None = None):
        self.catalog = catalog
        self.vindex = vindex
        self.model_id = model_id
        self.report = report
        self.paths = paths
        self.frames: list[Frame] = []
        self.outstanding: Counter[int] = Counter()
        self.done: dict[int, FileDone] = {}
        self.failed: dict[int, FileFailed] = {}
        self.files_done = 0
        self.last_path: str | None = None
        self.video_under_way: dict[int, float] = {}  # file id -> time of its latest frame
        # durations known from the catalog, plus the header durations of the videos decoders opened
        self.counted = set(known_s or {})
        self.video_s_total = sum((known_s or {}).values())

    @property
    def video_seconds(self) -> float:
        """Seconds of video embedded: finished videos, and the decoded part of those under way."""
        return self.report.video_seconds + sum(self.video_under_way.values())

    def accept(self, ev) -> None:
        if isinstance(ev, Frame):
            self.frames.append(ev)
            self.outstanding[ev.file_id] += 1
            if ev.t_s is not None:
                self.video_under_way[ev.file_id] = ev.t_s
        elif isinstance(ev, VideoFound):
            if ev.file_id not in self.counted:
                self.counted.add(ev.file_id)
                self.video_s_total += ev.duration_s
        elif isinstance(ev, FileDone):
            self.done[ev.file_id] = ev
        elif isinstance(ev, FileFailed):
            self.failed[ev.file_id] = ev

    def should_flush(self, batch_size: int, idle: bool, finishing: bool) -> bool:
        if len(self.frames) >= batch_size:
            return True
        has_work = bool(self.frames or self.failed or any(self.outstanding[f] == 0 for f in self.done))
        return has_work and (idle or finishing)

    def flush(self, vectors: np.ndarray | None) -> None:
        """Commit the collected frames (with their `vectors`, in order) and the files they complete."""
        frames, self.frames = self.frames, []
        failed, self.failed = self.failed, {}
        for f in frames:
            self.outstanding[f.file_id] -= 1
        for fid in failed:
            self.outstanding.pop(fid, None)
            self.done.pop(fid, None)
            self.video_under_way.pop(fid, None)
        complete = {fid: ev for fid, ev in self.done.items() if self.outstanding[fid] <= 0}
        self.catalog.commit_batch(self.model_id, [(f.file_id, f.t_s, f.item_id) for f in frames], vectors,
                                  {fid: ev.reason for fid, ev in failed.items()},
                                  {fid: (ev.values, ev.warning) for fid, ev in complete.items()})
        self.report.frames += len(frames)
        self.report.video_frames += sum(1 for f in frames if f.t_s is not None)
        for fid, ev in failed.items():
            self.report.failed.append((self.paths.get(fid, str(fid)), ev.reason))
            self.files_done += 1
        for fid, ev in complete.items():
            del self.done[fid]
            self.outstanding.pop(fid, None)
            self.video_under_way.pop(fid, None)
            self.report.indexed += 1
            self.report.video_seconds += ev.values.get("duration_s") or 0.0
            self.report.videos += ev.values.get("duration_s") is not None
            self.files_done += 1
            self.last_path = self.paths.get(fid)
        self.vindex.sync()
