"""Decoders: a file in, preprocessed frames and the file's facts out.

A decoder is a generator over one `DecodeJob`: it yields a `Frame` per embedded
thing (a photo: one; a video: its sampled frames, with their times), then one
`FileDone` with the columns to record. Problems are `MediaError`s, which the
pipeline records on the file. `DECODERS` maps a media kind to its decoder; it is
a plain dict, looked up at call time (tests wrap an entry to count calls).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from core.errors import MediaError
from core.indexing.control import Control
from core.media.image import ThumbnailCache, content_hash, load_image, sniff_kind
from core.media.video import POSTER_MIN_STD, ReadResult, Sampling, format_hms, frame_thumb_suffix, read_frames

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

log = logging.getLogger(__name__)


# ----- decoding -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecodeJob:
    file_id: int
    path: str
    kind: str
    size: int
    #: items to reuse (the file is already embedded by another model): (item id, time)
    items: tuple[tuple[int, float | None], ...] = ()


class Frame(NamedTuple):
    file_id: int
    t_s: float | None
    item_id: int | None
    tensor: Any  # (C, H, W), the model's preprocessing applied (a torch tensor or a numpy array)
    vector: Any = None  # the embedding, when it was made elsewhere (core.indexing.cluster); tensor is None then


class FileDone(NamedTuple):
    file_id: int
    values: dict  # file columns to record (metadata, hash, kind …)
    warning: str | None = None


class VideoFound(NamedTuple):
    """A decoder opened a video: its header duration joins the progress total (no probe pass first)."""

    file_id: int
    duration_s: float


class FileFailed(NamedTuple):
    file_id: int
    reason: str


@dataclass
class DecodeContext:
    preprocess: Callable
    min_side: int
    thumbs: ThumbnailCache
    control: Control
    sampling: Sampling = field(default_factory=Sampling)


Decoder = Callable[[DecodeJob, DecodeContext], Iterator[Frame | VideoFound | FileDone]]


def decode_image(job: DecodeJob, ctx: DecodeContext) -> Iterator[Frame | FileDone]:
    """One frame per still image: read once, hash, decode at draft scale, thumbnail, preprocess."""
    try:
        with open(job.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise MediaError(f"cannot be read: {(exc.strerror or str(exc)).lower()}") from None
    if not data:
        raise MediaError("empty file (0 bytes)")
    kind = sniff_kind(job.path, data[:8192])
    if kind == "video":
        yield from DECODERS["video"](job, ctx)
        return
    if kind != "image":
        ext = os.path.splitext(job.path)[1] or "(no extension)"
        raise MediaError(f"not an image or video: the contents do not match its {ext} name")
    digest = content_hash(job.path, data=data)
    img, info = load_image(data, min_side=ctx.min_side)
    if info.frames > 1 and info.format == "GIF":
        yield from DECODERS["video"](job, ctx)  # an animation is a video: its moments are searchable
        return
    if not ctx.thumbs.has(digest):
        try:
            ctx.thumbs.put(digest, img)
        except OSError:
            log.warning("cannot write the thumbnail of %s; it will be made when shown", job.path)
    item_id = job.items[0][0] if job.items else None
    yield Frame(job.file_id, None, item_id, ctx.preprocess(img))
    values = {
        "content_hash": digest, "kind": "image", "format": info.format, "width": info.width,
        "height": info.height, "taken_at": info.taken_at, "camera_make": info.camera_make,
        "camera_model": info.camera_model, "gps_lat": info.gps_lat, "gps_lon": info.gps_lon,
    }
    yield FileDone(job.file_id, values)


@dataclass
class _Poster:
    """The poster: the first sampled frame that is not blank (videos often open on black)."""

    image: Image.Image | None = None
    final: bool = False

    def offer(self, img: Image.Image) -> None:
        if self.final:
            return
        if self.image is None:
            self.image = img
        if float(np.asarray(img.convert("L"), dtype=np.float32).std()) >= POSTER_MIN_STD:
            self.image, self.final = img, True


def decode_video(job: DecodeJob, ctx: DecodeContext) -> Iterator[Frame | VideoFound | FileDone]:
    """Sampled frames of one video as `Frame`s (with times), then its `FileDone` with the facts.

    A video another model already embedded is read at its items' times, so this
    model's vectors go onto the same items. A sample that `shares` the last embedded
    one's vector becomes no item: that item stands for the time until the next one.
    Thumbnails: the poster under the content hash, each embedded frame under
    `frame_thumb_suffix(t)`. The video's header duration goes out first (`VideoFound`),
    for the progress total.
    """
    sampling = ctx.sampling
    try:
        digest = content_hash(job.path, job.size)
    except OSError as exc:
        raise MediaError(f"cannot be read: {(exc.strerror or str(exc)).lower()}") from None
    # Another model's items: one frame at each of their times, matched to them in time order.
    reuse = sorted(job.items, key=lambda it: (it[1] or 0.0, it[0]))
    targets = [t or 0.0 for _, t in reuse] if reuse else None
    result = ReadResult()
    poster = _Poster()
    count = 0
    announced = False
    for sf in read_frames(job.path, sampling, ctx.min_side, targets, result,
                          should_stop=lambda: ctx.control.cancelled):
        ctx.control.wait_if_paused()
        if ctx.control.cancelled:
            return
        if not announced:
            announced = True
            yield VideoFound(job.file_id, result.info.duration_s or 0.0)
        if sf.shares:
            continue
        _thumbnail(ctx, digest, sf.image, frame_thumb_suffix(sf.t_s), job.path)
        poster.offer(sf.image)
        count += 1
        yield Frame(job.file_id, sf.t_s, reuse[count - 1][0] if reuse else None, ctx.preprocess(sf.image))
    if ctx.control.cancelled:
        return
    if count == 0:
        raise MediaError(f"no video frame could be decoded ({result.error})" if result.error
                         else "no video frame could be decoded")
    info = result.info
    header = info.duration_s
    duration = result.extent_s  # how far the file really goes; the header's word where it agrees
    warning = None
    if result.error:
        warning = f"damaged after {format_hms(result.extent_s)} ({result.error}); the frames before it are indexed"
    elif header and result.extent_s < header - max(2.0, 0.1 * header):
        warning = (f"the video stops at {format_hms(result.extent_s)} although its header says {format_hms(header)} "
                   f"(truncated?); the frames before it are indexed")
    elif header and result.extent_s <= header + 1.0:
        duration = header
    if poster.image is not None:
        _thumbnail(ctx, digest, poster.image, "", job.path)
    values = {
        "content_hash": digest, "kind": "video", "format": info.format, "codec": info.codec[:32],
        "width": info.width, "height": info.height, "fps": info.fps, "duration_s": duration,
        "taken_at": info.taken_at,
    }
    yield FileDone(job.file_id, values, warning)


def _thumbnail(ctx: DecodeContext, digest: str, image: Image.Image, suffix: str, path: str) -> None:
    """Cache a thumbnail unless it is there; one that cannot be written is made when shown instead."""
    if ctx.thumbs.has(digest, suffix):
        return
    try:
        ctx.thumbs.put(digest, image, suffix)
    except OSError:
        log.warning("cannot write a thumbnail of %s; it will be made when shown", path)


#: Decoders by media kind.
DECODERS: dict[str, Decoder] = {"image": decode_image, "video": decode_video}
