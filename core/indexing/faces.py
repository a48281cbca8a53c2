"""Faces: an optional indexing stage that finds the faces in photos and sampled video frames.

It runs after the embedding (a library is searchable by meaning before its faces are found) and
after the text stage, and is resumable like it: an item counts as looked at when its `face_items`
row is committed with its faces, in batches, so a cancel or a kill loses at most one batch. The
faces found are then grouped into people (`core.indexing.people.cluster`, incremental: only new faces move).

Videos are looked at on the frames the indexer kept, at most one every `VIDEO_STEP_S` seconds unless
a frame stands for that long on its own (`core.indexing.ocr.frames_to_read`), decoded again in one
pass; a person's moments are the spans of those frames where their face is seen.

Photos may carry named face regions in an XMP sidecar (digiKam, Lightroom; `core.media.xmp_faces`): those
are read here, matched to the faces found (a region the detector missed is kept as a named face
without a vector), and named people come from them.

Off by default (it adds about half to a photo's indexing time on a CPU: tests/bench/faces.py); a
library turns it on once (`medialens index --faces`) and keeps it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import MediaError
from core.indexing.ocr import frames_to_read
from core.media.image import load_image
from core.media.xmp_faces import read_regions
from core.models.faces import DetectedFace, FaceModel
from core.store.catalog_people import FaceFound, PeopleStore

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from core.indexing.control import Control, IndexReport
    from core.store.catalog import Catalog, OcrTask

log = logging.getLogger(__name__)

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


@dataclass
class FaceReport:
    looked: int = 0
    faces: int = 0
    failed: int = 0
    seconds: float = 0.0


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


def _decode(task: OcrTask) -> tuple[OcrTask, Image.Image | None, tuple[int, int], str | None]:
    try:
        img, info = load_image(task.path, min_side=DECODE_SIDE)
    except (MediaError, OSError) as exc:
        return task, None, (0, 0), str(exc)
    return task, img, (info.width, info.height), None


def find_library_faces(catalog: Catalog, model: FaceModel, control: Control | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       root_ids: Sequence[int] | None = None) -> FaceReport:
    """Find the faces of every indexed photo and video not looked at yet; `progress(done, total)` per batch."""
    store = PeopleStore(catalog)
    report = FaceReport()
    t0 = time.monotonic()
    total = store.pending_count(root_ids)
    after = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="medialens-faces-decode") as pool:
        while not (control and control.cancelled):
            tasks = store.pending(BATCH, root_ids, after_item=after)
            if not tasks:
                break
            after = tasks[-1].item_id
            done: list[tuple[int, list[FaceFound]]] = []
            for task, img, size, error in pool.map(_decode, tasks):
                if control:
                    control.wait_if_paused()
                    if control.cancelled:
                        break
                if img is None:
                    log.info("cannot look for faces in %s now: %s", task.path, error)
                    report.failed += 1
                    continue
                found = _found(model.detect(img, (size[0] / img.width, size[1] / img.height)))
                found = with_regions(found, read_regions(task.path), size)
                done.append((task.item_id, found))
                report.faces += len(found)
            report.looked += store.save_faces(done)
            if progress:
                progress(report.looked + report.failed, total)
    photos = report.looked + report.failed
    for n, (file_id, path) in enumerate(store.pending_videos(root_ids), 1):
        if control and control.cancelled:
            break
        try:
            done = _look_at_video(catalog, model, file_id, path, control)
        except MediaError as exc:
            log.info("cannot look for faces in %s now: %s", path, exc)
            report.failed += 1
            continue
        if control and control.cancelled:
            break
        store.save_faces(done)
        report.looked += 1
        report.faces += sum(len(f) for _, f in done)
        if progress:
            progress(photos + n, total)
    report.seconds = time.monotonic() - t0
    return report


def _look_at_video(catalog: Catalog, model: FaceModel, file_id: int, path: str,
                   control: Control | None) -> list[tuple[int, list[FaceFound]]]:
    """Every sampled frame of a video with the faces found on it (none on the frames not looked at)."""
    from core.media.video import ReadResult, Sampling, read_frames

    items = catalog.items_of_file(file_id)
    chosen = frames_to_read(items, VIDEO_STEP_S)
    rec = catalog.file(file_id)
    faces: dict[int, list[FaceFound]] = {}
    frames = read_frames(path, Sampling(strategy="full"), DECODE_SIDE, targets=[t for _, t in chosen],
                         result=ReadResult(), should_stop=lambda: bool(control and control.cancelled))
    for (item_id, _), frame in zip(chosen, frames, strict=False):
        img = frame.image
        scale = ((rec.width or img.width) / img.width, (rec.height or img.height) / img.height)
        faces[item_id] = _found(model.detect(img, scale))
    return [(item_id, faces.get(item_id, [])) for item_id, _ in items]


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
    report.faces_found += got.faces
    report.faces_s += got.seconds
