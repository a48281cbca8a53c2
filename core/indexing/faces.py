"""Faces: an optional indexing stage that finds the faces in photos and sampled video frames.

It runs after the embedding (a library is searchable by meaning before its faces are found) and
after the text stage, and is resumable like it: an item counts as looked at when its `face_items`
row is committed with its faces, in batches, so a cancel or a kill loses at most one batch. The
faces found are then grouped into people (`core.indexing.people.cluster`, incremental: only new faces move).

Videos are looked at on the frames the indexer kept, at most one every `VIDEO_STEP_S` seconds unless
a frame stands for that long on its own (`core.indexing.item_stage.frames_to_read`), decoded again in one
pass; a person's moments are the spans of those frames where their face is seen.

Photos may carry named face regions in an XMP sidecar (digiKam, Lightroom; `core.media.xmp.read_regions`): those
are read here, matched to the faces found (a region the detector missed is kept as a named face
without a vector), and named people come from them.

Off by default (it adds about half to a photo's indexing time on a CPU: tests/bench/faces.py); a
library turns it on once (`medialens index --faces`) and keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from core.indexing.item_stage import Pending, StageTally, run_items, scale_of
from core.media.xmp import read_regions
from core.models.faces import DetectedFace, FaceModel
from core.store.catalog_people import FaceFound, PeopleStore

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from core.indexing.control import Control, IndexReport
    from core.store.catalog import Catalog, OcrTask

#: Pictures are decoded with both sides at least this long (JPEG draft), enough for `core.models.faces.DETECT_SIDE`.
DECODE_SIDE = 960
#: Items committed per transaction.
BATCH = 16
#: Video frames are looked at most one every this many seconds of the indexer's samples.
VIDEO_STEP_S = 1.0
#: The catalog setting that turns the stage on for a library ("on" / "off").
SETTING = "faces"
#: One face model per process, loaded on first use and kept: a watched library indexes again and again,
#: and loading the two model files costs about as much as looking at a photo.
MODEL = FaceModel()


def _found(faces: Sequence[DetectedFace]) -> list[FaceFound]:
    return [FaceFound(f.box, f.landmarks, f.score, f.quality, f.embedding) for f in faces]


def with_regions(found: list[FaceFound], regions, size: tuple[int, int]) -> list[FaceFound]:
    """The faces found, named by the XMP regions that overlap them; a region no face matches is kept
    as a named face without a vector (the detector missed it, the user had drawn it)."""
    out = list(found)
    for region in regions:
        box = region.box(*size)
        best, best_iou = None, 0.3
        for k, f in enumerate(out):
            iou = _iou(box, f.box)
            if iou > best_iou:
                best, best_iou = k, iou
        if best is not None:
            f = out[best]
            out[best] = FaceFound(f.box, f.landmarks, f.score, f.quality, f.embedding, f.source, region.name)
        else:
            out.append(FaceFound(box, (), 0.0, 0.0, None, "xmp", region.name))
    return out


def _iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def find_library_faces(catalog: Catalog, model: FaceModel, control: Control | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       root_ids: Sequence[int] | None = None) -> StageTally:
    """Find the faces of every indexed photo and video not looked at yet (`core.indexing.item_stage.run_items`);
    a photo's named regions (XMP) are matched to what was found."""
    store = PeopleStore(catalog)

    def look_photo(task: OcrTask, img: Image.Image, size: tuple[int, int]) -> list[FaceFound]:
        return with_regions(_found(model.detect(img, scale_of(img, size))), read_regions(task.path), size)

    return run_items(catalog, Pending(store.pending_count, store.pending, store.pending_videos, store.save_faces),
                     look_photo, lambda img, size: _found(model.detect(img, scale_of(img, size))),
                     what="look for faces in", decode_side=DECODE_SIDE, batch=BATCH, step=VIDEO_STEP_S,
                     control=control, progress=progress, root_ids=root_ids)


def faces_enabled(catalog: Catalog) -> bool:
    return catalog.get_setting(SETTING, "off") == "on"


def run_stage(catalog: Catalog, root_ids: Sequence[int], report: IndexReport, control: Control,
              progress: Callable[[int, int], None]) -> None:
    """The indexing stage: find the roots' pending faces, then group the new ones into people."""
    from core.indexing.people import cluster

    progress(0, PeopleStore(catalog).pending_count(root_ids))
    got = find_library_faces(catalog, MODEL, control, progress, root_ids)
    if not control.cancelled:
        cluster(PeopleStore(catalog))
    report.faces_looked += got.looked
    report.faces_found += got.found
    report.faces_s += got.seconds
