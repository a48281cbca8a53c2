"""Thumbnails for the results grid: loaded on worker threads, cached as pixmaps on the GUI thread.

`Library.thumbnail()` returns a cached WebP path, but may decode the original
to make it, so it only ever runs on this loader's pool. Workers produce
`QImage`s (safe off the GUI thread) already cut to the grid's cell: cropped to
a square, scaled to the cell's device pixels and with rounded corners, so
painting a cell is a plain copy. The GUI thread turns them into `QPixmap`s
kept in an LRU bounded by memory. Requests come only from painting, so only
visible cells ask; the queue is served newest-first and capped, so after a fast
scroll the cells now on screen load first and the ones scrolled past are dropped.

The window's GUI thread shares the interpreter's lock with the workers, so the workers do as little Python
as they can: a cell that knows its file's content hash finds the cached thumbnail without a catalog read
(`Thumbnails.cached`), one `QImageReader` call cuts and scales the picture while decoding it, and the
pictures made while the GUI thread painted reach it as one batch (`batch_loaded`: one repaint, not one
per thumbnail). Scrolling a 100k grid end to end: tests/bench/gui_scale.py.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, QRectF, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter, QPainterPath, QPixmap

if TYPE_CHECKING:  # pragma: no cover
    from desktop_app.workers.host import LibraryHost

log = logging.getLogger(__name__)

#: (file id, time in seconds or None): a photo, a video's poster, or one frame of a video
ThumbKey = tuple[int, float | None]

MAX_QUEUED = 256
#: corner radius of a cell's picture, in device-independent pixels (the delegate draws borders to match)
CORNER_RADIUS = 6.0


class ThumbnailLoader(QObject):
    """Asynchronous, memory-bounded thumbnail cache shared by the grid and the preview chips."""

    loaded = Signal(object)  # ThumbKey whose pixmap (or failure) is now known
    batch_loaded = Signal(list)  # the ThumbKeys of one batch, after each got its `loaded`
    _ready = Signal()  # worker → GUI: pictures are waiting in `_done`

    def __init__(self, host: LibraryHost, cache_mb: int = 256, workers: int = 2, parent: QObject | None = None):
        super().__init__(parent)
        self.host = host
        self._budget = cache_mb * 1024 * 1024
        self._used = 0
        self._cache: OrderedDict[ThumbKey, QPixmap] = OrderedDict()
        self._failed: set[ThumbKey] = set()
        self._lock = threading.Lock()
        self._wanted: OrderedDict[ThumbKey, str | None] = OrderedDict()  # key -> its file's content hash
        self._done: list[tuple[ThumbKey, QImage | None]] = []
        self._inflight: set[ThumbKey] = set()
        self._running = 0
        self._side = 168  # cell picture side, device pixels
        self._dpr = 1.0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(workers)
        self._pool.setObjectName("medialens-thumbnails")
        self._ready.connect(self._on_ready)
        host.closed.connect(self.clear)

    # ----- GUI thread -------------------------------------------------------------------------

    def pixmap(self, key: ThumbKey, content_hash: str | None = None) -> QPixmap | None:
        """The cached pixmap, or None (and a load is queued unless it failed before); `content_hash`, the
        file's, where the caller knows it, saves the worker a catalog read."""
        pm = self._cache.get(key)
        if pm is not None:
            self._cache.move_to_end(key)
            return pm
        if key not in self._failed:
            self.request(key, content_hash)
        return None

    def failed(self, key: ThumbKey) -> bool:
        return key in self._failed

    def request(self, key: ThumbKey, content_hash: str | None = None) -> None:
        start = 0
        with self._lock:
            if key in self._inflight:
                return
            self._wanted[key] = content_hash
            self._wanted.move_to_end(key)
            while len(self._wanted) > MAX_QUEUED:
                self._wanted.popitem(last=False)  # the oldest request: scrolled past long ago
            while self._running < self._pool.maxThreadCount() and start < len(self._wanted):
                self._running += 1
                start += 1
        for _ in range(start):
            self._pool.start(self._drain)

    def forget_pending(self) -> None:
        """Drop queued requests (a new result list replaces the old one)."""
        with self._lock:
            self._wanted.clear()

    def stop(self, wait_ms: int = 5_000) -> bool:
        """Drop queued requests and wait for the pictures being made; True when none is left running."""
        self.forget_pending()
        return self._pool.waitForDone(wait_ms)

    def clear(self) -> None:
        """Forget everything (another library was opened)."""
        self.forget_pending()
        self._cache.clear()
        self._failed.clear()
        self._used = 0

    def set_cell(self, side: int, device_pixel_ratio: float) -> None:
        """The picture size of a grid cell (logical pixels); cached pictures of another size are dropped."""
        px = max(16, round(side * device_pixel_ratio))
        if (px, device_pixel_ratio) != (self._side, self._dpr):
            self._side, self._dpr = px, device_pixel_ratio
            self.forget_pending()
            self._cache.clear()
            self._used = 0

    def set_budget_mb(self, mb: int) -> None:
        self._budget = mb * 1024 * 1024
        self._evict()

    @property
    def used_bytes(self) -> int:
        return self._used

    def _on_ready(self) -> None:
        with self._lock:
            done, self._done = self._done, []
            self._inflight.difference_update(key for key, _ in done)
        for key, image in done:
            if image is None or image.isNull():
                self._failed.add(key)
            else:
                pm = QPixmap.fromImage(image)
                pm.setDevicePixelRatio(self._dpr)
                self._cache[key] = pm
                self._used += _cost(pm)
        self._evict()
        for key, _ in done:
            self.loaded.emit(key)
        if done:
            self.batch_loaded.emit([key for key, _ in done])

    def _evict(self) -> None:
        while self._used > self._budget and len(self._cache) > 1:
            _, pm = self._cache.popitem(last=False)
            self._used -= _cost(pm)

    # ----- worker threads ---------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._running -= 1
                    return
                key, content_hash = self._wanted.popitem(last=True)  # newest first: what is on screen now
                self._inflight.add(key)
            image = self._load(key, content_hash)
            with self._lock:
                self._done.append((key, image))
                first = len(self._done) == 1
            if first:  # the GUI thread takes every picture waiting when it gets to this one
                self._ready.emit()

    def _load(self, key: ThumbKey, content_hash: str | None = None) -> QImage | None:
        lib = self.host.library
        if lib is None:
            return None
        file_id, t_s = key
        try:
            path = None
            if t_s is not None:
                path = lib.frame_thumbnail(file_id, t_s)
            elif content_hash:
                path = lib.thumbnails.cached(content_hash)
            if path is None:
                path = lib.thumbnail(file_id)
        except Exception as exc:  # a thumbnail that cannot be made shows a placeholder, never an error
            log.debug("no thumbnail for %s: %s", key, exc)
            return None
        if path is None:
            return None
        return read_cell_picture(str(path), self._side, CORNER_RADIUS * self._dpr)


def read_cell_picture(path: str, side: int, radius: float) -> QImage | None:
    """`cell_picture` of the picture at `path`, cut and scaled by the decoder in one call (worker threads)."""
    reader = QImageReader(path)
    size = reader.size()
    if not size.isValid():
        image = reader.read()
        return None if image.isNull() else cell_picture(image, side, radius)
    w, h = size.width(), size.height()
    edge = min(w, h)
    reader.setClipRect(QRect((w - edge) // 2, (h - edge) // 2, edge, edge))
    reader.setScaledSize(QSize(side, side))
    square = reader.read()
    return None if square.isNull() else rounded(square, side, radius)


def cell_picture(image: QImage, side: int, radius: float) -> QImage:
    """The centred square of `image`, `side` pixels wide, with rounded corners (worker threads)."""
    w, h = image.width(), image.height()
    edge = min(w, h)
    square = image.copy(QRect((w - edge) // 2, (h - edge) // 2, edge, edge))
    square = square.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return rounded(square, side, radius)


def rounded(square: QImage, side: int, radius: float) -> QImage:
    """A `side`-pixel square picture with rounded corners (worker threads)."""
    out = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    clip = QPainterPath()
    clip.addRoundedRect(QRectF(0, 0, side, side), radius, radius)
    p.setClipPath(clip)
    p.drawImage(0, 0, square)
    p.end()
    return out


def _cost(pm: QPixmap) -> int:
    return pm.width() * pm.height() * 4
