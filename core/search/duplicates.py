"""Duplicates: byte-identical files and photos that are copies of one another, grouped to decide what to keep.

* **Exact** copies share a content hash (photos and videos alike).
* **Near** copies are photos whose vectors are at least `threshold` similar: re-encodes and
  resizes. The default threshold is the library's calibrated copy similarity
  (`core.search.compose.duplicate_thresholds`: how close a photo and its half-size JPEG copy
  are under this model), the same one composed edits use to leave the reference's copies out.
* **Crops and light edits** are less alike (down to the calibrated edit cosine: how close a
  photo and its 80 % crop or brighter copy are); such a pair is a copy only when the second
  test (`_Verifier`) finds one picture inside the other and the model agrees on the aligned,
  light-matched part. Distinct pictures of one place (another object) stay apart.
* **Resizes and re-encodes in a crowded model space**: a pair among each other's first
  `HASH_NEIGHBOURS` neighbours is a copy whatever the model says when the pictures agree
  pixel for pixel once shrunk: their perceptual hashes (`perceptual_hash`, the DCT hash of
  Czkawka and imagededup) differ in at most `HASH_DISTANCE` of 64 bits, at one aspect ratio,
  and no block of their 64×64 grey thumbnails differs by more than `BLOCK_DIFFERENCE`. The
  world model over real photos put a half-size quality-70 copy at cosine 0.998 from its
  original, first neighbour, below that library's calibrated copy threshold (issue 25).
* Repeated video moments are `core.search.repeats`.

Pairs come from each photo's nearest neighbours in the vector index, joined into groups
(union-find), so a chain of copies (a crop of a resize of the original) is one group.
Each group suggests the copy to keep: the most pixels, then a capture date, then the
biggest file, then the shortest path. Nothing is ever deleted: `move_to_trash` sends the
files a user confirmed to the platform's trash (send2trash), where they can be restored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import LibraryError, MediaError
from core.media.image import content_hash, load_image
from core.vector_math import from_blobs

if TYPE_CHECKING:  # pragma: no cover
    from core.search.context import SearchContext
    from core.store.catalog import Catalog, FileRecord

#: Neighbours looked at per photo (more copies than this of one picture still join through chains).
NEIGHBOURS = 16
#: Thumbnail side and the widths (share of the bigger picture) a crop is looked for at.
THUMB_SIDE = 64
CROP_SCALES = tuple(round(1.0 - 0.05 * k, 2) for k in range(11))  # 1.0 .. 0.5
#: Normalised cross-correlation at which one picture is a crop or a light edit of the other.
#: Thumbnail cross-correlation a crop or edit reaches (first test: the pixels agree once aligned) ...
ALIGNED = 0.97
#: ... and the model's cosine between the aligned, light-matched part and the other picture, as a distance
#: from the copy threshold (second test: 1 - ALIGNED_SLACK · (1 - threshold)). Chosen on tests/bench/duplicates.py,
#: where either test alone lets a world picture with one object's shape changed join its original.
ALIGNED_SLACK = 4.0
#: The hash test looks at a photo's first neighbours down to this cosine (a copy is its original's first
#: neighbour in every model measured; the floor keeps unrelated pictures from being decoded) ...
HASH_NEIGHBOURS = 2
HASH_FLOOR = 0.9
#: ... and joins them when at most this many of the 64 hash bits differ, the aspect ratios agree and no
#: 8×8 block of their 64×64 grey thumbnails (each scaled to zero mean, unit spread) differs by more than
#: BLOCK_DIFFERENCE on average. tests/bench/duplicates.py: the hash alone put distinct world pictures of one
#: scene (one object changed) at 0 to 4 bits; their worst block differed by 0.27 or more, a re-encode's or a
#: half-size copy's by 0.10 at most.
HASH_DISTANCE = 4
BLOCK_DIFFERENCE = 0.15
ASPECT_TOLERANCE = 0.02


@dataclass
class Copy:
    file: FileRecord
    similarity: float  # cosine with the suggested keeper (1.0 for a byte-identical copy)
    keep: bool = False

    def to_json(self) -> dict:
        f = self.file
        return {"path": f.path, "id": f.id, "kind": f.kind, "size": f.size, "width": f.width, "height": f.height,
                "taken_at": f.taken_at.isoformat() if f.taken_at else None,
                "similarity": round(self.similarity, 4), "keep": self.keep}


@dataclass
class DuplicateGroup:
    kind: str  # "exact": all copies share one content hash; "near": similar pictures
    copies: list[Copy]  # the suggested keeper first

    @property
    def keeper(self) -> Copy:
        return self.copies[0]

    @property
    def reclaimable(self) -> int:
        """Bytes freed by keeping only the suggested copy."""
        return sum(c.file.size for c in self.copies[1:])

    def to_json(self) -> dict:
        return {"kind": self.kind, "count": len(self.copies), "reclaimable_bytes": self.reclaimable,
                "copies": [c.to_json() for c in self.copies]}


def keep_order(f: FileRecord) -> tuple:
    """Sort key putting the copy to keep first: most pixels, dated, biggest file, shortest path."""
    return (-(f.width or 0) * (f.height or 0), f.taken_at is None, -f.size, len(f.path), f.path)


class _Groups:
    """Union-find over file ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return [g for g in out.values() if len(g) > 1]


def _window_sums(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """Sum of `a` (2-D) over every h×w window (top-left corner indexed), from its integral image."""
    c = np.zeros((a.shape[0] + 1, a.shape[1] + 1))
    c[1:, 1:] = a.cumsum(0).cumsum(1)
    return c[h:, w:] - c[:-h, w:] - c[h:, :-w] + c[:-h, :-w]


def place(big: np.ndarray, small: np.ndarray) -> tuple[float, tuple[int, int, int, int]]:
    """Where `small` sits in `big` (both H×W×3 thumbnails): the best normalised cross-correlation over
    `CROP_SCALES` of `big`'s width and every offset, and that window as (left, top, width, height).

    Normalised per window (mean and spread over all three channels), so brighter, darker or more
    contrasted copies still score near 1. Correlations come from FFTs and window sums from integral
    images: about a millisecond per scale at `THUMB_SIDE`.
    """
    from PIL import Image

    height, width = big.shape[:2]
    spectrum = np.fft.rfft2(big, axes=(0, 1))
    sums_1 = big.sum(axis=2, dtype=np.float64)
    sums_2 = (big.astype(np.float64) ** 2).sum(axis=2)
    best, where = -1.0, (0, 0, width, height)
    small_img = Image.fromarray(small.astype(np.uint8))
    for scale in CROP_SCALES:
        w = round(scale * width)
        h = round(w * small.shape[0] / small.shape[1])
        if not (4 <= h <= height and 4 <= w <= width):
            continue
        t = np.asarray(small_img.resize((w, h), Image.Resampling.BILINEAR), np.float64)
        t = t - t.mean()
        t_norm = float(np.sqrt((t * t).sum()))
        if t_norm == 0:
            continue
        corr = np.fft.irfft2(spectrum * np.conj(np.fft.rfft2(t, s=(height, width), axes=(0, 1))),
                             s=(height, width), axes=(0, 1)).sum(axis=2)[:height - h + 1, :width - w + 1]
        n = h * w * 3
        s1, s2 = _window_sums(sums_1, h, w), _window_sums(sums_2, h, w)
        spread = np.sqrt(np.maximum(s2 - s1 * s1 / n, float(n)))  # a flat window: at least 1 level
        score = corr / (spread * t_norm)  # t has zero mean: no window mean needed
        y, x = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[y, x] > best:
            best, where = float(score[y, x]), (int(x), int(y), w, h)
    return best, where


def matched_crop(big_img, big: np.ndarray, small: np.ndarray, where: tuple[int, int, int, int]):
    """The part of `big_img` at `where` (thumbnail units), its brightness and colour balance matched to `small`."""
    from PIL import Image

    x, y, w, h = where
    sx, sy = big_img.width / big.shape[1], big_img.height / big.shape[0]
    crop = np.asarray(big_img.crop((round(x * sx), round(y * sy), round((x + w) * sx), round((y + h) * sy))),
                      np.float32)
    region = big[y:y + h, x:x + w].astype(np.float64)
    target = np.asarray(Image.fromarray(small.astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR),
                        np.float64)
    for c in range(3):  # target ≈ gain · region + offset, per channel
        r, t = region[..., c], target[..., c]
        gain = float(((r - r.mean()) * (t - t.mean())).sum() / max(float(((r - r.mean()) ** 2).sum()), 1e-9))
        gain = min(max(gain, 0.25), 4.0)
        crop[..., c] = crop[..., c] * gain + (t.mean() - gain * r.mean())
    return Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8))


def _dct_matrix(n: int) -> np.ndarray:
    k, x = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.cos(np.pi * k * (2 * x + 1) / (2 * n))


def perceptual_hash(img) -> int:
    """64-bit DCT hash: grey 32×32, the 8×8 lowest frequencies, each bit above or below their median.

    Survives resizing, re-encoding and mild light changes; unrelated pictures differ in about half
    the bits. The same hash as `imagehash.phash`, without its scipy dependency."""
    from PIL import Image

    grey = np.asarray(img.convert("L").resize((32, 32), Image.Resampling.LANCZOS), np.float64)
    dct = _dct_matrix(32)
    low = (dct @ grey @ dct.T)[:8, :8]
    bits = (low > np.median(low)).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def hash_distance(a: int, b: int) -> int:
    """Bits in which two perceptual hashes differ."""
    return (a ^ b).bit_count()


class _Verifier:
    """The second test for photos the vectors call close but not copies (a crop, a brightened copy).

    Finds where one picture sits in the other (`place`), cuts that part out, matches its
    brightness and colour balance to the other (`matched_crop`) and asks the model again: the
    pair is a copy when the pixels agree once aligned (`ALIGNED`) and the model finds the aligned
    part nearly as close to the other picture as a re-encode is (`ALIGNED_SLACK`). Either test alone
    lets a picture of the same place with one object changed through; together they kept all 58
    such world pictures apart (tests/bench/duplicates.py).
    """

    def __init__(self, ctx: SearchContext, threshold: float):
        self.ctx = ctx
        self.threshold = 1.0 - ALIGNED_SLACK * (1.0 - threshold)
        self.pictures: dict[int, tuple | None] = {}
        self.hashes: dict[int, tuple[int, float, np.ndarray] | None] = {}

    def _hash(self, file_id: int) -> tuple[int, float, np.ndarray] | None:
        """(perceptual hash, aspect ratio, normalised 64×64 grey thumbnail) of a photo; None when unreadable."""
        from PIL import Image

        if file_id not in self.hashes:
            rec = self.ctx.catalog.file(file_id)
            try:
                img, _ = load_image(rec.path, min_side=64)
            except (MediaError, OSError, AttributeError):
                self.hashes[file_id] = None
                return None
            grey = np.asarray(img.convert("L").resize((64, 64), Image.Resampling.BOX), np.float64)
            grey = (grey - grey.mean()) / max(float(grey.std()), 1.0)
            self.hashes[file_id] = (perceptual_hash(img), img.width / img.height, grey)
        return self.hashes[file_id]

    def same_pixels(self, a: int, b: int) -> bool:
        """Whether two photos are one picture resized or re-encoded, by their pixels alone."""
        ha, hb = self._hash(a), self._hash(b)
        if ha is None or hb is None or abs(ha[1] / hb[1] - 1.0) > ASPECT_TOLERANCE:
            return False
        if hash_distance(ha[0], hb[0]) > HASH_DISTANCE:
            return False
        blocks = np.abs(ha[2] - hb[2]).reshape(8, 8, 8, 8).mean(axis=(1, 3))
        return float(blocks.max()) <= BLOCK_DIFFERENCE

    def _picture(self, file_id: int) -> tuple | None:
        """(decoded picture, THUMB_SIDE thumbnail as float32, stored unit vector), or None when unreadable."""
        from PIL import Image

        if file_id not in self.pictures:
            rec = self.ctx.catalog.file(file_id)
            try:
                img, _ = load_image(rec.path, min_side=2 * self.ctx.encoder.image_size)
            except (MediaError, OSError, AttributeError):
                self.pictures[file_id] = None
                return None
            thumb = img.copy()
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX)
            self.pictures[file_id] = (img, np.asarray(thumb, np.float32), self.ctx.file_vector(file_id)[0])
        return self.pictures[file_id]

    def similarity(self, a: int, b: int) -> float:
        """The model's cosine between one picture and the aligned, light-matched part of the other (best way round)."""
        pa, pb = self._picture(a), self._picture(b)
        if pa is None or pb is None:
            return -1.0
        crops, targets = [], []
        for big, small in ((pa, pb), (pb, pa)):
            score, where = place(big[1], small[1])
            if score >= ALIGNED:
                crops.append(matched_crop(big[0], big[1], small[1], where))
                targets.append(small[2])
        if not crops:
            return -1.0
        return float(np.max(np.sum(self.ctx.encoder.encode_images(crops) * np.stack(targets), axis=1)))

    def same_picture(self, a: int, b: int) -> bool:
        return self.similarity(a, b) >= self.threshold


def near_pairs(ctx: SearchContext, threshold: float, floor: float | None = None,
               first: int = 0, first_floor: float = 1.0) -> Iterable[tuple[int, int, float]]:
    """(file id, file id, cosine) of photos whose vectors are at least `floor` (default `threshold`) similar,
    and of each photo and its `first` nearest neighbours down to `first_floor`."""
    floor = threshold if floor is None else floor
    items = ctx.catalog.photo_items(ctx.model_id)
    file_of = dict(items)
    for start in range(0, len(items), 512):
        chunk = [i for i, _ in items[start:start + 512]]
        blobs = ctx.catalog.vectors_for_items(ctx.model_id, chunk)
        vecs = from_blobs([blobs[i] for i in chunk], ctx.dim).astype(np.float32)
        for item, vec in zip(chunk, vecs, strict=True):
            keys, sims = ctx.vindex.search(vec, NEIGHBOURS)
            rank = 0
            for k, s in zip(keys, sims, strict=True):
                other = file_of.get(int(k))
                if s < floor and (rank >= first or s < first_floor):
                    break
                if other is not None and other != file_of[item]:
                    rank += 1
                    yield file_of[item], other, float(s)


def find_duplicates(catalog: Catalog, ctx: SearchContext | None, threshold: float,
                    edits: float | None = None) -> list[DuplicateGroup]:
    """Groups of copies, biggest first; `ctx` None finds byte-identical copies only.

    Photos at least `threshold` similar are copies; those from `edits` (a lower cosine, None: none)
    are copies when the second test (`_Verifier`) finds one inside the other."""
    groups = _Groups()
    for ids in catalog.same_content_groups():
        for other in ids[1:]:
            groups.join(ids[0], other)
    if ctx is not None:
        verifier = _Verifier(ctx, threshold)
        checked: dict[tuple[int, int], bool] = {}
        floor = threshold if edits is None else edits
        for a, b, cos in near_pairs(ctx, threshold, floor, HASH_NEIGHBOURS, HASH_FLOOR):
            if cos < threshold:  # not a copy by its vector: a resize by its hash, or a crop or edit by the second test
                key = (min(a, b), max(a, b))
                if key not in checked:
                    checked[key] = verifier.same_pixels(*key) or (cos >= floor and verifier.same_picture(*key))
                if not checked[key]:
                    continue
            groups.join(a, b)
    members = groups.groups()
    files = catalog.files(f for g in members for f in g)
    out = []
    for g in members:
        recs = sorted((files[f] for f in g if f in files), key=keep_order)
        if len(recs) < 2:
            continue
        exact = len({r.content_hash for r in recs}) == 1
        sims = _similarities(ctx, recs) if ctx is not None and not exact else [1.0] * len(recs)
        copies = [Copy(r, s) for r, s in zip(recs, sims, strict=True)]
        copies[0].keep = True
        out.append(DuplicateGroup("exact" if exact else "near", copies))
    return largest_first(out)


def largest_first(groups: list) -> list:
    """Most copies first, then most bytes to free, then by the first copy's path (photo and moment groups alike)."""
    return sorted(groups, key=lambda g: (-len(g.copies), -g.reclaimable, g.copies[0].file.path))


def _similarities(ctx: SearchContext, recs: list[FileRecord]) -> list[float]:
    """Each copy's cosine with the first (the keeper); byte-identical copies are 1."""
    vecs = [ctx.file_vector(r.id)[0] for r in recs]
    return [1.0 if r.content_hash == recs[0].content_hash else float(v @ vecs[0])
            for r, v in zip(recs, vecs, strict=True)]


def outside_roots(paths: Iterable[str], roots: Iterable[str]) -> dict[str, str]:
    """Path -> its real place, for the files whose real place lies outside every library folder (reached
    through a folder link that leads out): trashing one moves a file the library does not hold."""
    real_roots = [os.path.realpath(r) for r in roots]
    out = {}
    for path in paths:
        real = os.path.realpath(path)
        if not any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in real_roots):
            out[path] = real
    return out


def trash_refusals(catalog, roots: Iterable[str], paths: Iterable[str], allow_outside: bool) -> dict[str, str]:
    """Path -> why it must not be trashed now, checked right before: its bytes are no longer the ones
    indexed (a copy overwritten with another photo since), it is gone, or (unless `allow_outside`) its
    real place is outside the library folders."""
    paths = list(paths)
    refused = {} if allow_outside else {
        p: f"its real place {real} is outside every library folder (reached through a folder link); not moved"
        for p, real in outside_roots(paths, roots).items()}
    for path in paths:
        if path in refused:
            continue
        rec = catalog.file_by_path(path)
        try:
            now = content_hash(path)
        except OSError as exc:
            refused[path] = f"cannot be read now ({(exc.strerror or str(exc)).lower()}); not moved"
            continue
        if rec is None or rec.content_hash != now:
            refused[path] = "changed since it was indexed (its content is not what was compared); not moved: " \
                            "run `medialens index`, then look again"
    return refused


def move_to_trash(paths: Iterable[str]) -> list[tuple[str, str]]:
    """Send files to the platform's trash (restorable); (path, reason) for each that could not be moved.

    Callers confirm with the user first. The library forgets the files on its next index run.
    """
    try:
        from send2trash import send2trash
        from send2trash.exceptions import TrashPermissionError
    except ImportError:
        raise LibraryError("moving files to the trash needs the send2trash package (pip install send2trash)") from None
    failed = []
    for path in paths:
        try:
            send2trash(path)
        except (OSError, TrashPermissionError) as exc:
            failed.append((path, getattr(exc, "strerror", None) or str(exc)))
    return failed
