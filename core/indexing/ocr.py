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

import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from core.errors import LibraryError
from core.indexing.item_stage import Pending, StageTally, run_items, scale_of
from core.store.records import VIDEO_STEP_S, TextLine

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from core.indexing.control import Control, IndexReport
    from core.store.catalog import Catalog

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


def read_library_text(catalog: Catalog, reader: TextReader, control: Control | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      root_ids: Sequence[int] | None = None) -> StageTally:
    """Read the text of every indexed photo and video not read yet (`core.indexing.item_stage.run_items`)."""
    pending = Pending(catalog.ocr_pending_count, catalog.ocr_pending, catalog.ocr_pending_videos, catalog.save_ocr)
    return run_items(catalog, pending, lambda _task, img, size: reader.read(img, scale_of(img, size)),
                     lambda img, size: reader.read(img, scale_of(img, size)), what="read the text of",
                     decode_side=DECODE_SIDE, batch=BATCH, step=VIDEO_STEP_S, control=control, progress=progress,
                     root_ids=root_ids)


def ocr_enabled(catalog: Catalog) -> bool:
    return catalog.get_setting(SETTING, "off") == "on"


def run_stage(catalog: Catalog, root_ids: Sequence[int], report: IndexReport, control: Control,
              progress: Callable[[int, int], None]) -> None:
    """The indexing stage: read the roots' pending photos and videos, adding to `report`."""
    progress(0, catalog.ocr_pending_count(root_ids))
    got = read_library_text(catalog, TextReader(), control, progress, root_ids)
    report.text_read += got.looked
    report.text_lines += got.found
    report.text_s += got.seconds
