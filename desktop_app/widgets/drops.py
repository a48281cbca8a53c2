"""Pictures dropped on the window: local files, image data from browsers, or image URLs.

Whatever arrives becomes a file path for "find similar": a local file as it
is; image data (browsers often attach the picture itself) saved to a temporary
PNG; a bare http(s) URL downloaded asynchronously first. Whether a file really
is a picture is the engine's call: it answers with a readable error if not.
"""

from __future__ import annotations

import itertools
import os

from PySide6.QtCore import QMimeData, QObject, Qt, QTemporaryDir, QUrl, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget


def acceptable(mime: QMimeData) -> bool:
    """Whether a drag carries something "find similar" can use."""
    if mime.hasImage():
        return True
    return any(u.isLocalFile() or u.scheme() in ("http", "https") for u in mime.urls())


class DropHandler(QObject):
    """Turns a drop into a local image path (`ready`), or a message (`failed`)."""

    ready = Signal(str, str)  # path, label for the results header
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._tmp: QTemporaryDir | None = None
        self._serial = itertools.count(1)
        self._network = None
        self._replies: list = []

    def handle(self, mime: QMimeData) -> bool:
        local = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if local:
            path = local[0]
            self.ready.emit(path, os.path.basename(path))
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                path = self._temp_path(".png")
                if image.save(path, "PNG"):
                    self.ready.emit(path, self.tr("dropped picture"))
                    return True
        remote = [u for u in mime.urls() if u.scheme() in ("http", "https")]
        if remote:
            self._download(remote[0])
            return True
        return False

    def _temp_path(self, suffix: str) -> str:
        if self._tmp is None:
            self._tmp = QTemporaryDir()
        return os.path.join(self._tmp.path(), f"drop-{next(self._serial)}{suffix}")

    def _download(self, url: QUrl) -> None:
        from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

        if self._network is None:
            self._network = QNetworkAccessManager(self)
        request = QNetworkRequest(url)
        request.setAttribute(QNetworkRequest.Attribute.RedirectPolicyAttribute,
                             QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy)
        reply = self._network.get(request)
        self._replies.append(reply)
        name = os.path.basename(url.path()) or url.host()

        def finished() -> None:
            self._replies.remove(reply)
            reply.deleteLater()
            if reply.error() != QNetworkReply.NetworkError.NoError:
                self.failed.emit(self.tr("Could not download %1: %2").replace("%1", url.toString())
                                 .replace("%2", reply.errorString()))
                return
            suffix = os.path.splitext(url.path())[1].lower()
            path = self._temp_path(suffix if suffix and len(suffix) <= 6 else ".img")
            with open(path, "wb") as fh:
                fh.write(bytes(reply.readAll().data()))
            self.ready.emit(path, name)

        reply.finished.connect(finished)


class DropOverlay(QWidget):
    """A calm frame over the window while a picture is dragged over it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setVisible(False)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        veil = pal.color(QPalette.ColorRole.Window)
        veil.setAlpha(215)
        p.fillRect(self.rect(), veil)
        hl = pal.color(QPalette.ColorRole.Highlight)
        p.setPen(QPen(hl, 2.5, Qt.PenStyle.DashLine))
        p.drawRoundedRect(self.rect().adjusted(16, 16, -16, -16), 14, 14)
        font = p.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        p.setFont(font)
        p.setPen(pal.color(QPalette.ColorRole.WindowText))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Drop a picture to find similar ones"))
