"""Text in pictures: an optional indexing stage that reads the words in photos (OCR).

The reader is RapidOCR on ONNX Runtime (Apache-2.0): PP-OCRv4 detection and recognition
models (about 16 MB) ship inside its wheel, so nothing downloads at run time, and it needs
no torch. It reads Latin and Chinese text; the angle classifier is off (it only turns text
upside down, costs a third of the time, and signs in photos are rarely upside down).

Videos are read on the frames the indexer kept, at most one every `VIDEO_STEP_S` seconds unless a
frame stands for that long on its own (decoded again in one pass at those times), so a moment is
found by its on-screen text.

The stage runs after the photos are embedded, so a library is searchable by meaning before
its text is read, and it is resumable on its own: an item counts as read when its
`ocr_items` row is committed (with its lines, in batches), so a cancel or a kill loses at
most one batch, and the next run reads only what is left. It is off by default because it
costs far more than embedding on a CPU (tests/bench/ocr.py measures both in one run); a
library turns it on once (`medialens index --ocr`) and keeps it.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import LibraryError, MediaError
from core.media.image import load_image
from core.store.catalog import VIDEO_STEP_S, Catalog, OcrTask, TextLine

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from core.indexing.control import Control, IndexReport

log = logging.getLogger(__name__)

#: Pictures are decoded with both sides at least this long (JPEG draft), and the detector
#: shrinks the longer side to `DETECT_SIDE`: small captions on phone photos stay readable
#: (recall 1.0 on the generated text photos down to 12 px letters) at a fraction of the
#: cost of the package's default, which enlarges the short side to 736.
DECODE_SIDE = 720
DETECT_SIDE = 960
#: Smaller pictures are enlarged until their longer side is this long: 12 px letters on a 384 px
#: picture are lost at its own size and read at twice it.
ENLARGE_TO = 768
#: Lines recognised with less confidence than this are noise (textures read as letters).
MIN_CONFIDENCE = 0.6
#: Items committed per transaction.
BATCH = 16
#: The catalog setting that turns the stage on for a library ("on" / "off").
SETTING = "ocr"


@dataclass
class OcrReport:
    read: int = 0
    lines: int = 0
    failed: int = 0
    seconds: float = 0.0


class TextReader:
    """The OCR engine, loaded on first use under a lock (import and load take about a quarter second)."""

    def __init__(self, threads: int | None = None):
        self.threads = threads
        self._engine = None
        self._lock = threading.Lock()

    def _load(self):
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError:
            if getattr(sys, "frozen", False):  # an installer's bundle: pip cannot add to it (packaging/README.md)
                raise LibraryError("this installer of MediaLens does not read text in pictures (--ocr): it needs "
                                   "MediaLens installed with pip and its ocr extra") from None
            raise LibraryError("reading text in pictures needs the rapidocr_onnxruntime package "
                               "(pip install rapidocr_onnxruntime)") from None
        threads = self.threads if self.threads else -1
        return RapidOCR(use_cls=False, det_limit_side_len=DETECT_SIDE, det_limit_type="max",
                        intra_op_num_threads=threads, inter_op_num_threads=1)

    def read(self, img: Image.Image, scale: tuple[float, float] = (1.0, 1.0)) -> list[TextLine]:
        """Lines of text in `img`, top to bottom; boxes scaled by `scale` into the original's pixels."""
        from PIL import Image

        img = img.convert("RGB")
        grow = ENLARGE_TO / max(img.size)
        if grow > 1:
            img = img.resize((round(img.width * grow), round(img.height * grow)), Image.Resampling.BICUBIC)
            scale = (scale[0] / grow, scale[1] / grow)
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            result, _ = self._engine(np.asarray(img))
        lines = []
        sx, sy = scale
        for quad, words, conf in result or ():
            words = " ".join(str(words).split())
            if not words or float(conf) < MIN_CONFIDENCE:
                continue
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            box = (round(min(xs) * sx), round(min(ys) * sy), round(max(xs) * sx), round(max(ys) * sy))
            lines.append(TextLine(words, round(float(conf), 4), box))
        lines.sort(key=lambda ln: (ln.box[1], ln.box[0]))
        return lines


def _decode(task: OcrTask) -> tuple[OcrTask, Image.Image | None, tuple[float, float], str | None]:
    try:
        img, info = load_image(task.path, min_side=DECODE_SIDE)
    except (MediaError, OSError) as exc:
        return task, None, (1.0, 1.0), str(exc)
    return task, img, (info.width / img.width, info.height / img.height), None


def read_library_text(catalog: Catalog, reader: TextReader, control: Control | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      root_ids: Sequence[int] | None = None) -> OcrReport:
    """Read the text of every indexed photo not read yet; `progress(done, total)` after each batch.

    Decoding runs one picture ahead on a thread while the reader works. A picture that
    cannot be decoded now (moved or damaged since it was embedded) is left for the next run.
    """
    report = OcrReport()
    t0 = time.monotonic()
    total = catalog.ocr_pending_count(root_ids)
    after = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="medialens-ocr-decode") as pool:
        while not (control and control.cancelled):
            tasks = catalog.ocr_pending(BATCH, root_ids, after_item=after)
            if not tasks:
                break
            after = tasks[-1].item_id
            done: list[tuple[int, list[TextLine]]] = []
            for task, img, scale, error in pool.map(_decode, tasks):
                if control:
                    control.wait_if_paused()
                    if control.cancelled:
                        break
                if img is None:
                    log.info("cannot read the text of %s now: %s", task.path, error)
                    report.failed += 1
                    continue
                lines = reader.read(img, scale)
                done.append((task.item_id, lines))
                report.lines += len(lines)
            report.read += catalog.save_ocr(done)
            if progress:
                progress(report.read + report.failed, total)
    photos = report.read + report.failed
    for n, (file_id, path) in enumerate(catalog.ocr_pending_videos(root_ids), 1):
        if control and control.cancelled:
            break
        try:
            done = _read_video(catalog, reader, file_id, path, control)
        except MediaError as exc:
            log.info("cannot read the text of %s now: %s", path, exc)
            report.failed += 1
            continue
        if control and control.cancelled:
            break
        catalog.save_ocr(done)
        report.read += 1
        report.lines += sum(len(lines) for _, lines in done)
        if progress:
            progress(photos + n, total)
    report.seconds = time.monotonic() - t0
    return report


def frames_to_read(items: Sequence[tuple[int, float | None]], step: float = VIDEO_STEP_S) -> list[tuple[int, float]]:
    """The sampled frames (item id, time) to read: each at least `step` after the last one read, and
    each that stands for `step` or more on its own (the indexer shares one frame across a still shot)."""
    timed = sorted(((i, t) for i, t in items if t is not None), key=lambda x: x[1])
    chosen: list[tuple[int, float]] = []
    for k, (item_id, t) in enumerate(timed):
        lasts = timed[k + 1][1] - t if k + 1 < len(timed) else step
        if not chosen or t - chosen[-1][1] >= step - 1e-6 or lasts >= step - 1e-6:
            chosen.append((item_id, t))
    return chosen


def _read_video(catalog: Catalog, reader: TextReader, file_id: int, path: str,
                control: Control | None) -> list[tuple[int, list[TextLine]]]:
    """Every sampled frame of a video with the lines read on it (none on the frames not read)."""
    from core.media.video import ReadResult, Sampling, read_frames

    items = catalog.items_of_file(file_id)
    chosen = frames_to_read(items)
    rec = catalog.file(file_id)
    lines: dict[int, list[TextLine]] = {}
    frames = read_frames(path, Sampling(strategy="full"), DECODE_SIDE, targets=[t for _, t in chosen],
                         result=ReadResult(), should_stop=lambda: bool(control and control.cancelled))
    for (item_id, _), frame in zip(chosen, frames, strict=False):
        img = frame.image
        scale = ((rec.width or img.width) / img.width, (rec.height or img.height) / img.height)
        lines[item_id] = reader.read(img, scale)
    return [(item_id, lines.get(item_id, [])) for item_id, _ in items]


def ocr_enabled(catalog: Catalog) -> bool:
    return catalog.get_setting(SETTING, "off") == "on"


def run_stage(catalog: Catalog, root_ids: Sequence[int], report: IndexReport, control: Control,
              progress: Callable[[int, int], None]) -> None:
    """The indexing stage: read the roots' pending photos and videos, adding to `report`."""
    progress(0, catalog.ocr_pending_count(root_ids))
    got = read_library_text(catalog, TextReader(), control, progress, root_ids)
    report.text_read += got.read
    report.text_lines += got.lines
    report.text_s += got.seconds
