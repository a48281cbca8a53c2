"""The loop shared by the stages that look at every indexed item after embedding (text: `core.indexing.ocr`,
faces: `core.indexing.faces`).

Photos come in batches of pending items; decoding runs one picture ahead on a thread while the stage's model
works, and a batch is committed as one transaction, so a cancel or a kill loses at most one batch and the next
run takes up what is left. A picture that cannot be decoded now (moved or damaged since it was embedded) is
counted as failed and left for the next run. Videos follow, each looked at on the frames the indexer kept (at
most one every `step` seconds unless a frame stands that long on its own: `frames_to_read`), decoded again in
one pass, and committed whole.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import MediaError
from core.media.image import load_image

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from core.indexing.control import Control
    from core.store.catalog import Catalog, OcrTask

log = logging.getLogger(__name__)

#: What a stage finds on one picture (text lines, faces), given the decoded picture and the original's
#: (width, height): positions are kept in the original's pixels.
Look = Callable[["Image.Image", tuple[int, int]], list[Any]]


@dataclass
class Pending:
    """Where a stage's work comes from and goes: the store's queries for this stage."""

    count: Callable[[Sequence[int] | None], int]  # (root ids) -> items left, photos and video frames
    photos: Callable[[int, Sequence[int] | None, int], list[OcrTask]]  # (batch, root ids, after item id)
    videos: Callable[[Sequence[int] | None], list[tuple[int, str]]]  # (root ids) -> (file id, path)
    save: Callable[[list[tuple[int, list[Any]]]], int]  # (item id, found) pairs -> items committed


@dataclass
class StageTally:
    looked: int = 0  # items (photos) and videos looked at and committed
    found: int = 0  # lines, faces
    failed: int = 0  # could not be decoded now: left for the next run
    seconds: float = 0.0


def run_items(catalog: Catalog, pending: Pending, look_photo: Callable[[OcrTask, Image.Image, tuple[int, int]],
              list[Any]], look_frame: Look, *, what: str, decode_side: int, batch: int, step: float,
              control: Control | None = None, progress: Callable[[int, int], None] | None = None,
              root_ids: Sequence[int] | None = None) -> StageTally:
    """Look at every pending photo, then every pending video; `progress(done, total)` after each commit.

    `what` names the work in the log ("read the text of", "look for faces in"); pictures are decoded with both
    sides at least `decode_side` (JPEG draft).
    """
    tally = StageTally()
    t0 = time.monotonic()
    total = pending.count(root_ids)
    stopped = lambda: bool(control and control.cancelled)  # noqa: E731

    def decode(task: OcrTask) -> tuple[OcrTask, Image.Image | None, tuple[int, int], str | None]:
        try:
            img, info = load_image(task.path, min_side=decode_side)
        except (MediaError, OSError) as exc:
            return task, None, (0, 0), str(exc)
        return task, img, (info.width, info.height), None

    after = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="medialens-stage-decode") as pool:
        while not stopped():
            tasks = pending.photos(batch, root_ids, after)
            if not tasks:
                break
            after = tasks[-1].item_id
            done: list[tuple[int, list[Any]]] = []
            for task, img, size, error in pool.map(decode, tasks):
                if control:
                    control.wait_if_paused()
                if stopped():
                    break
                if img is None:
                    log.info("cannot %s %s now: %s", what, task.path, error)
                    tally.failed += 1
                    continue
                found = look_photo(task, img, size)
                done.append((task.item_id, found))
                tally.found += len(found)
            tally.looked += pending.save(done)
            if progress:
                progress(tally.looked + tally.failed, total)
    photos = tally.looked + tally.failed
    for n, (file_id, path) in enumerate(pending.videos(root_ids), 1):
        if stopped():
            break
        try:
            done = look_at_video(catalog, file_id, path, look_frame, decode_side, step, stopped)
        except MediaError as exc:
            log.info("cannot %s %s now: %s", what, path, exc)
            tally.failed += 1
            continue
        if stopped():
            break
        pending.save(done)
        tally.looked += 1
        tally.found += sum(len(f) for _, f in done)
        if progress:
            progress(photos + n, total)
    tally.seconds = time.monotonic() - t0
    return tally


def look_at_video(catalog: Catalog, file_id: int, path: str, look: Look, decode_side: int, step: float,
                  stopped: Callable[[], bool]) -> list[tuple[int, list[Any]]]:
    """Every sampled frame of a video with what `look` found on it (nothing on the frames not looked at)."""
    from core.media.video import ReadResult, Sampling, read_frames

    items = catalog.items_of_file(file_id)
    chosen = frames_to_read(items, step)
    rec = catalog.file(file_id)
    found: dict[int, list[Any]] = {}
    frames = read_frames(path, Sampling(strategy="full"), decode_side, targets=[t for _, t in chosen],
                         result=ReadResult(), should_stop=stopped)
    for (item_id, _), frame in zip(chosen, frames, strict=False):
        img = frame.image
        found[item_id] = look(img, (rec.width or img.width, rec.height or img.height))
    return [(item_id, found.get(item_id, [])) for item_id, _ in items]


def frames_to_read(items: Sequence[tuple[int, float | None]], step: float) -> list[tuple[int, float]]:
    """The sampled frames (item id, time) to look at: each at least `step` after the last one looked at, and
    each that stands for `step` or more on its own (the indexer shares one frame across a still shot)."""
    timed = sorted(((i, t) for i, t in items if t is not None), key=lambda x: x[1])
    chosen: list[tuple[int, float]] = []
    for k, (item_id, t) in enumerate(timed):
        lasts = timed[k + 1][1] - t if k + 1 < len(timed) else step
        if not chosen or t - chosen[-1][1] >= step - 1e-6 or lasts >= step - 1e-6:
            chosen.append((item_id, t))
    return chosen


def scale_of(img: Image.Image, size: tuple[int, int]) -> tuple[float, float]:
    """From the decoded picture's pixels to the original's."""
    return size[0] / img.width, size[1] / img.height
