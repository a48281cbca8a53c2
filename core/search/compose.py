"""Composed edits: a reference picture plus a change in words ("the same street at night").

Every method turns (reference vector r, change text) into one query vector,
so composed queries end in `SearchEngine.by_vector` like any other query and
return photos and video moments alike. The `balance` b in [0, 1] is the same
dial for every method: 0 searches by the reference alone, 1 by the change alone.

* ``sum``: (1-b)·r + b·t, with t the change's text vector. The zero-shot baseline.
* ``direction``: (1-b)·r + b·d, with d the unit direction t - e(NEUTRAL): what the
  change text says beyond an empty caption, added to the picture as a move
  rather than as a second place to be near.
* ``inversion``: textual inversion (see `core.search.inversion`): r becomes a pseudo-word
  <v>, and "a photo of <v>, {change}" is encoded as text; mixed with r by b.
* ``inversion-direction``: as ``direction``, with the direction taken between the
  pseudo-captions: e("a photo of <v>, {change}") - e("a photo of <v>"), so the
  change is read in the context of what the picture shows.

The default method and each method's default balance are chosen by numbers in
tests/bench/compose.py. The reference and its near-duplicates (`duplicate_threshold`)
are left out of the results unless asked for.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageEnhance

from core.errors import MediaError, QueryError
from core.media.image import load_image
from core.search import inversion
from core.search.query import QueryVector, avoid_terms, parse_query
from core.vector_math import unit

if TYPE_CHECKING:  # pragma: no cover
    from core.models.embed import Encoder
    from core.search.context import SearchContext

#: The caption a change's direction is measured from (``direction``).
NEUTRAL = ""
#: Near-duplicates are calibrated per library and model: a library photo and its half-size JPEG
#: (quality 50) copy are compared, for up to this many photos; anything at least as close to a
#: reference as nearly all of those copies are counts as a copy of it. A fixed cosine cannot
#: do this: models differ in how tightly they pack pictures (the world model puts a one-object
#: edit above 0.95, where ViT-B-32 puts burst shots); see tests/bench/compose.py, "duplicates".
CALIBRATION_PHOTOS = 8
#: What a library without photos to calibrate on uses (copies; crops and edits).
DUPLICATE_SIMILARITY = 0.95
EDIT_SIMILARITY = 0.9
#: Crops and edits of other photos than the calibration ones may be less alike: the edit cosine's margin.
EDIT_MARGIN = 1.5
_DUPLICATE_PROBE = 32


@dataclass(frozen=True)
class Method:
    """A composition method and the balance it works best at."""

    name: str
    balance: float
    needs_inversion: bool
    summary: str


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("sum", 0.5, False, "weighted sum of the picture's and the change's vectors"),
    Method("direction", 0.5, False, "the change as a direction from an empty caption, added to the picture"),
    Method("inversion", 0.6, True, "the picture as a pseudo-word: \"a photo of <v>, {change}\""),
    Method("inversion-direction", 0.4, True, "the change as a direction between the picture's pseudo-captions"),
)}
DEFAULT_METHOD = "sum"
#: Used when the default needs textual inversion and the model's text tower does not allow it.
FALLBACK_METHOD = "direction"

def _mix(reference: np.ndarray, other: np.ndarray, balance: float) -> np.ndarray:
    return unit((1.0 - balance) * unit(reference) + balance * unit(other))


def choose_method(encoder: Encoder, method: str | None) -> Method:
    """The named method, or the default (falling back when the model cannot invert)."""
    if method is None:
        name = DEFAULT_METHOD
        if METHODS[name].needs_inversion and not inversion.supports_inversion(encoder):
            name = FALLBACK_METHOD
        return METHODS[name]
    found = METHODS.get(method)
    if found is None:
        raise QueryError(f"unknown composition method {method!r}; choose one of {', '.join(METHODS)}")
    if found.needs_inversion and not inversion.supports_inversion(encoder):
        raise QueryError(f"the {encoder.name} model's text encoder does not support textual inversion; "
                         f"choose --method {FALLBACK_METHOD}")
    return found


def compose_vector(encoder: Encoder, reference: np.ndarray, change: str, method: Method,
                   balance: float | None = None, steps: int | None = None,
                   inversions: inversion.InversionCache | None = None) -> np.ndarray:
    """The query vector of `reference` changed as `change` says (no `-avoided` terms here).

    An empty `change` (a composed query that only avoids things) is the reference itself. `inversions`:
    the pseudo-words already made (a search context keeps its own, `composed_query`).
    """
    b = method.balance if balance is None else float(balance)
    if not 0.0 <= b <= 1.0:
        raise QueryError(f"the balance must lie between 0 (the picture only) and 1 (the words only), not {b}")
    r = unit(reference)
    if not change:
        return r
    if method.name == "sum":
        return _mix(r, encoder.encode_texts([change])[0], b)
    if method.name == "direction":
        changed, neutral = encoder.encode_texts([change, NEUTRAL])
        return _mix(r, changed - neutral, b)
    word = (inversions or inversion.InversionCache()).get(encoder, r, steps)
    changed_caption = inversion.CHANGE_TEMPLATE.format(change=change)
    if method.name == "inversion":
        return _mix(r, inversion.encode_with_word(encoder, word, [changed_caption])[0], b)
    changed, plain = inversion.encode_with_word(encoder, word, [changed_caption, inversion.TEMPLATE])
    return _mix(r, changed - plain, b)


def copy_similarity(encoder: Encoder, images: list[Image.Image]) -> np.ndarray:
    """Cosine between each picture and its half-size JPEG (quality 50) copy."""
    copies = []
    for img in images:
        buf = io.BytesIO()
        img.resize((max(1, img.width // 2), max(1, img.height // 2))).save(buf, "JPEG", quality=50)
        copies.append(Image.open(buf).convert("RGB"))
    return np.sum(encoder.encode_images(images) * encoder.encode_images(copies), axis=1)


def calibrated_threshold(copy_sims: np.ndarray) -> float:
    """Near enough to be a copy: the 10th percentile of the calibration copies (one odd photo cannot lower it)."""
    return float(np.percentile(copy_sims, 10))


def edit_similarity(encoder: Encoder, images: list[Image.Image]) -> np.ndarray:
    """Cosine between each picture and the nearer of its 80 % centre crop and its 20 % brighter copy."""
    crops, brighter = [], []
    for img in images:
        w, h = img.size
        crops.append(img.crop((w // 10, h // 10, w - w // 10, h - h // 10)))
        brighter.append(ImageEnhance.Brightness(img).enhance(1.2))
    own = encoder.encode_images(images)
    return np.maximum(np.sum(own * encoder.encode_images(crops), axis=1),
                      np.sum(own * encoder.encode_images(brighter), axis=1))


def duplicate_threshold(ctx: SearchContext) -> float:
    """The library's near-duplicate similarity for its model (calibrated once per search context)."""
    return duplicate_thresholds(ctx)[0]


def duplicate_thresholds(ctx: SearchContext) -> tuple[float, float]:
    """(copy, edit): the library's near-duplicate similarity for its model, and the lower one from which a
    pair may be a crop or an edit (`core.search.duplicates` then tests its pixels), calibrated as the copy
    one is, on the library's own photos and their 80 % crops and 20 % brighter copies (the least alike of
    them); once per search context."""
    return ctx.remember("copy similarity", lambda: _calibrate(ctx))


def _calibrate(ctx: SearchContext) -> tuple[float, float]:
    images = []
    for path in ctx.catalog.photo_paths(4 * CALIBRATION_PHOTOS):
        try:
            images.append(load_image(path, min_side=2 * ctx.encoder.image_size)[0])
        except (MediaError, OSError):
            continue  # moved or broken since indexing: another photo will do
        if len(images) == CALIBRATION_PHOTOS:
            break
    if len(images) < CALIBRATION_PHOTOS:  # few photos: video frames calibrate as well (a library of videos)
        images += _video_frames(ctx, CALIBRATION_PHOTOS - len(images))
    threshold = calibrated_threshold(copy_similarity(ctx.encoder, images)) if images else DUPLICATE_SIMILARITY
    # Only a candidate filter (the second test decides): half as far again as the least alike calibration edit.
    edits = 1.0 - EDIT_MARGIN * (1.0 - float(edit_similarity(ctx.encoder, images).min())) if images \
        else EDIT_SIMILARITY
    return threshold, min(edits, threshold)


def _video_frames(ctx: SearchContext, n: int) -> list[Image.Image]:
    """A frame one second into each of up to `n` library videos."""
    from core.media.video import frame_at

    frames = []
    for path in ctx.catalog.photo_paths(4 * n, kind="video"):
        try:
            frames.append(frame_at(path, 1.0, min_side=2 * ctx.encoder.image_size))
        except (MediaError, OSError):
            continue
        if len(frames) == n:
            break
    return frames


def near_duplicates(ctx: SearchContext, reference: np.ndarray, threshold: float) -> set[int]:
    """Library files whose vector is at least `threshold` similar to the reference (its copies)."""
    keys, sims = ctx.vindex.search(unit(reference), _DUPLICATE_PROBE)
    close = [int(k) for k, s in zip(keys, sims, strict=True) if s >= threshold]
    return {fid for fid, _ in ctx.catalog.items_info(close).values()}


def composed_query(ctx: SearchContext, reference: int | str | os.PathLike[str], text: str,
                   method: str | None = None, balance: float | None = None, t_s: float | None = None,
                   include_reference: bool = False, steps: int | None = None) -> QueryVector:
    """The query for a reference (library item, video frame at `t_s`, or outside file) changed by `text`."""
    parsed = parse_query(text, "change text")
    chosen = choose_method(ctx.encoder, method)
    ref, files = ctx.query_vector_for(reference, t_s)
    vec = compose_vector(ctx.encoder, ref, parsed.text, chosen, balance, steps,
                         ctx.remember("pseudo-words", inversion.InversionCache))
    vec = avoid_terms(vec, parsed.avoid, ctx.encoder.encode_texts)
    if include_reference:
        return QueryVector(vec)
    return QueryVector(vec, frozenset(files | near_duplicates(ctx, ref, duplicate_threshold(ctx))))
