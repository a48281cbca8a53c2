"""The preview pane: the selected result large, with its metadata and actions.

Photos show fitted to the pane (decoded on a worker, EXIF orientation applied),
with the region tool and the explain overlay; videos open in the embedded
player at the moment's start with every matched moment on the timeline. The
player is created on first use: QtMultimedia's back end costs start-up time
that a photo-only session should not pay.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QImage, QImageReader
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.pages.search.image_view import ImageCanvas, heatmap_image
from desktop_app.widgets import formatting as fmt
from desktop_app.widgets.actions import action_button
from desktop_app.widgets.icons import icon

if TYPE_CHECKING:  # pragma: no cover
    from core.library import Hit, Library
    from desktop_app.pages.search.player import VideoPlayer
    from desktop_app.workers.host import LibraryHost

PREVIEW_SIDE = 2048

log = logging.getLogger(__name__)


def load_preview(library: Library, file_id: int, path: str) -> QImage | None:
    """The picture at up to 2048 px (worker thread); the thumbnail for formats Qt cannot read."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > PREVIEW_SIDE:
        reader.setScaledSize(size.scaled(PREVIEW_SIDE, PREVIEW_SIDE, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        thumb = library.thumbnail(file_id)
        image = QImage(str(thumb)) if thumb else QImage()
    return None if image.isNull() else image


class PreviewPane(QWidget):
    region_selected = Signal(int, object)  # file id, (x0, y0, x1, y1) in original pixels
    player_created = Signal(object)  # VideoPlayer

    def __init__(self, host: LibraryHost, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("preview")
        self.host = host
        self.hit: Hit | None = None
        self.query_text = ""
        self._request = 0
        self.player: VideoPlayer | None = None
        self.no_player: str | None = None  # why this install cannot play videos (QtMultimedia missing)
        self.setMinimumWidth(300)

        self.title = QLabel(self)
        self.title.setObjectName("previewTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.toolbar = QWidget(self)
        bar = QHBoxLayout(self.toolbar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self._tools_end = 0  # where `add_tools` puts the next button: left of the stretch
        bar.addStretch(1)
        self.region_action = QAction(icon("region"), self.tr("Search a region"), self)
        self.region_action.setCheckable(True)
        self.region_action.setToolTip(self.tr("Drag a box on the picture to search for that part only"))
        self.region_action.toggled.connect(self._region_toggled)
        self.explain_action = QAction(icon("explain"), self.tr("Explain"), self)
        self.explain_action.setCheckable(True)
        self.explain_action.setToolTip(self.tr("Show which part of the picture matches the search"))
        self.explain_action.toggled.connect(self._explain_toggled)
        self.image_tools: list[QToolButton] = []
        for action in (self.region_action, self.explain_action):
            b = action_button(self.toolbar, action, 20)
            bar.addWidget(b)
            self.image_tools.append(b)

        self.stack = QStackedWidget(self)
        self.placeholder = QLabel(self.tr("Select a result to see it here.\n\nDrop a picture anywhere on the "
                                          "window to find similar ones."), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setObjectName("hint")
        self.canvas = ImageCanvas(self)
        self.canvas.region_selected.connect(self._region_selected)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.canvas)

        self.meta = QFormLayout()
        self.meta.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.meta.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._meta_fields: dict[str, QLabel] = {}
        for key, label in (("match", self.tr("Relevance")), ("date", self.tr("Taken")), ("camera", self.tr("Camera")),
                           ("size", self.tr("Size")), ("length", self.tr("Length")), ("place", self.tr("Place")),
                           ("folder", self.tr("Folder")), ("words", self.tr("Words"))):
            value = QLabel(self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.meta.addRow(label, value)
            self._meta_fields[key] = value

        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 12)
        lay.setSpacing(8)
        lay.addWidget(self.title)
        lay.addWidget(self.toolbar)
        lay.addLayout(self.meta)
        lay.addWidget(self.stack, 1)
        self.clear()

    def add_tools(self, actions: Sequence[QAction | None]) -> None:
        """Buttons for actions on the shown result, left of the picture's own tools; a gap for each None."""
        bar = self.toolbar.layout()
        for action in actions:
            if action is None:
                bar.insertSpacing(self._tools_end, 6)
            else:
                bar.insertWidget(self._tools_end, action_button(self.toolbar, action, 20))
            self._tools_end += 1

    # ----- what to show -----------------------------------------------------------------------

    def clear(self) -> None:
        self.hit = None
        self.title.setText("")
        self.toolbar.setVisible(False)
        self.stack.setCurrentWidget(self.placeholder)
        if self.player is not None:
            self.player.stop()
        for field in self._meta_fields.values():
            field.clear()
        self._set_meta_visible(False)
        for b in self.image_tools:
            b.setVisible(False)

    def show_hit(self, hit: Hit, moments: list[Hit] | None = None) -> None:
        same_file = self.hit is not None and self.hit.file.id == hit.file.id
        self.hit = hit
        self._request += 1
        rec = hit.file
        self.title.setText(os.path.basename(rec.path))
        self.title.setToolTip(rec.path)
        self.toolbar.setVisible(True)
        self._fill_meta(hit)
        self.region_action.setChecked(False)
        self.explain_action.setChecked(False)
        if rec.kind == "video":
            for b in self.image_tools:
                b.setVisible(False)
            self._show_video(hit, moments or [], same_file)
        else:
            for b in self.image_tools:
                b.setVisible(True)
            self.explain_action.setEnabled(bool(self.query_text))
            if self.player is not None:
                self.player.player.pause()
            self.stack.setCurrentWidget(self.canvas)
            if not same_file or self.canvas.image is None:
                self._load_image(hit)

    def _load_image(self, hit: Hit) -> None:
        req = self._request
        rec = hit.file
        self.canvas.set_image(None, QSize())
        self.canvas.set_message(self.tr("Loading…"))

        def done(image: QImage | None) -> None:
            if req != self._request:
                return
            if image is None:
                self.canvas.set_message(self.tr("This picture cannot be shown."))
                return
            self.canvas.set_image(image, QSize(rec.width or image.width(), rec.height or image.height()))
            self.host.call(lambda lib: [(f.box, name or "") for f, name in lib.people.faces_of_file(rec.id)],
                           lambda faces: self.canvas.set_faces(faces) if req == self._request else None,
                           lambda exc: None)

        self.host.call(lambda lib: load_preview(lib, rec.id, rec.path), done,
                       lambda exc: done(None) if req == self._request else None)

    # ----- video ------------------------------------------------------------------------------

    def ensure_player(self) -> VideoPlayer:
        """The embedded player, made on first use; ImportError where this install has no QtMultimedia."""
        if self.player is None:
            if self.no_player is not None:
                raise ImportError(self.no_player)
            try:
                from desktop_app.pages.search.player import VideoPlayer
            except ImportError as exc:  # e.g. a bundle built without the PySide6 module that holds it
                self.no_player = str(exc)
                log.warning("video playback unavailable: %s", exc)
                raise
            self.player = VideoPlayer(self)
            self.stack.addWidget(self.player)
            self.player_created.emit(self.player)
        return self.player

    def _show_video(self, hit: Hit, moments: list[Hit], same_file: bool) -> None:
        try:
            player = self.ensure_player()
        except ImportError:  # no player: the moment's frame as a still, never the "select a result" hint
            self._show_still_frame(hit)
            return
        self.stack.setCurrentWidget(player)
        start = hit.start_s or 0.0
        player.open_at(hit.file.path, start, moments, hit.file.duration_s)
        if not same_file:
            self._load_timeline(hit)

    def _show_still_frame(self, hit: Hit) -> None:
        req = self._request
        rec = hit.file
        self.stack.setCurrentWidget(self.canvas)
        self.canvas.set_image(None, QSize())
        self.canvas.set_message(self.tr("Loading…"))
        at = hit.t_s if hit.t_s is not None else (hit.start_s or 0.0)

        def done(path) -> None:
            if req != self._request:
                return
            image = QImage(str(path)) if path else QImage()
            if image.isNull():
                self.canvas.set_message(self.tr("This video cannot be played here."))
                return
            self.canvas.set_image(image, QSize(rec.width or image.width(), rec.height or image.height()))

        self.host.call(lambda lib: lib.frame_thumbnail(rec.id, at), done,
                       lambda exc: done(None) if req == self._request else None)

    def _load_timeline(self, hit: Hit) -> None:
        """Ask the engine for every moment of this video and its similarity curve for the query.

        The query is the one that found this result (`Hit.query`: a composed edit, a look-alike, a
        region or a feedback round), not merely the words in the search box.
        """
        req = self._request
        query = hit.query if hit.query is not None else (self.query_text or None)

        def job(lib: Library):
            tl = lib.timeline(hit.file.id, query=query, words=self.query_text or None)
            curve = None
            if tl.scores is not None and len(tl.times) > 1:
                curve = ([float(t) for t in tl.times], [float(s) for s in tl.scores])
            return float(tl.duration_s), tl.moments, curve, lib.transcript(hit.file.id)

        def done(result) -> None:
            if req == self._request and self.player is not None:
                duration, moments, curve, lines = result
                self.player.set_moments(moments, duration, curve)
                self.player.transcript.set_lines(lines)
                self.player.transcript.follow(self.player.position_s)

        self.host.call(job, done)

    # ----- region and explanation ---------------------------------------------------------------

    def _region_toggled(self, on: bool) -> None:
        self.canvas.set_region_mode(on)
        if on:
            self.explain_action.setChecked(False)
            self.canvas.setFocus()

    def _region_selected(self, box: tuple[int, int, int, int]) -> None:
        if self.hit is not None:
            self.region_selected.emit(self.hit.file.id, box)

    def _explain_toggled(self, on: bool) -> None:
        if not on or self.hit is None or not self.query_text:
            self.canvas.clear_explanation()
            return
        self.region_action.setChecked(False)
        lines = self.hit.extra.get("text", {}).get("lines")
        if lines and lines[0].get("expert", "ocr") == "ocr":  # found by the words written on it: their box
            self.canvas.set_explanation(None, tuple(int(v) for v in lines[0]["box"]))
            return
        req, file_id, query = self._request, self.hit.file.id, self.query_text

        def job(lib: Library):
            ex = lib.explain(file_id, query)
            heat = heatmap_image(ex.heatmap) if getattr(ex, "heatmap", None) is not None else None
            box = tuple(int(v) for v in ex.box) if getattr(ex, "box", None) is not None else None
            return heat, box

        def done(result) -> None:
            if req == self._request and self.explain_action.isChecked():
                self.canvas.set_explanation(*result)

        self.host.call(job, done)

    # ----- metadata ---------------------------------------------------------------------------

    def _fill_meta(self, hit: Hit) -> None:
        rec = hit.file
        camera = " ".join(x for x in (rec.camera_make, rec.camera_model) if x)
        if camera and rec.camera_make and rec.camera_model and rec.camera_model.startswith(rec.camera_make):
            camera = rec.camera_model
        dims = f"{rec.width} × {rec.height}" if rec.width and rec.height else ""
        size = " · ".join(x for x in (dims, fmt.size(rec.size)) if x)
        length = ""
        if rec.kind == "video":
            length = fmt.clock(rec.duration_s) if rec.duration_s else ""
            if hit.start_s is not None:
                moment = self.tr("moment %1").replace("%1", fmt.span(hit.start_s, hit.end_s))
                length = f"{length} · {moment}" if length else moment
        values = {"match": fmt.confidence(hit.extra.get("confidence")),
                  "date": fmt.when(rec.taken_at), "camera": camera, "size": size, "length": length,
                  "place": fmt.place(rec.gps_lat, rec.gps_lon), "folder": os.path.dirname(rec.path),
                  "words": fmt.words_found(hit)}
        for key, value in values.items():
            field = self._meta_fields[key]
            field.setText(value)
            self.meta.setRowVisible(field, bool(value))

    def _set_meta_visible(self, visible: bool) -> None:
        for field in self._meta_fields.values():
            self.meta.setRowVisible(field, visible and bool(field.text()))
