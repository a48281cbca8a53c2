"""A resized re-encode is a duplicate whatever the model's space: the perceptual-hash test.

Issue 25: over real photos the world model put a half-size quality-70 copy at cosine 0.998 from
its original (its first neighbour), below the library's calibrated copy threshold, and
`duplicates` said "No duplicates". The tiny random model crowds every picture together, so the
copy threshold is set above the pair's cosine here, as that library's calibration did.
"""

from __future__ import annotations

import shutil

from PIL import Image

from core.search.duplicates import find_duplicates, hash_distance, perceptual_hash
from tests.conftest import SHARED_DATA
from tests.media_factory import picture

PHOTOS = ("astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "horse.png",
          "motorcycle_left.png")


def _photos(folder) -> list[str]:
    folder.mkdir()
    names = []
    for i, name in enumerate(PHOTOS):
        source = SHARED_DATA / "images" / "misc" / name
        target = folder / f"{i:02d}-{name.rsplit('.', 1)[0]}.jpg"
        img = Image.open(source).convert("RGB") if source.is_file() else picture(500 + i)
        img.save(target, "JPEG", quality=92)
        names.append(target.name)
    return names


def _half_q70(source, target) -> None:
    img = Image.open(source)
    img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS).save(target, "JPEG", quality=70)


def test_perceptual_hash_keeps_a_resized_copy_and_tells_distinct_photos_apart(tmp_path):
    names = _photos(tmp_path / "p")
    _half_q70(tmp_path / "p" / names[0], tmp_path / "small.jpg")
    hashes = [perceptual_hash(Image.open(tmp_path / "p" / n)) for n in names]
    assert hash_distance(hashes[0], perceptual_hash(Image.open(tmp_path / "small.jpg"))) <= 2
    apart = [hash_distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:]]
    assert min(apart) > 12, apart


def test_a_half_size_quality_70_copy_is_grouped_when_the_model_puts_it_below_the_copy_threshold(make_library,
                                                                                                tmp_path):
    folder = tmp_path / "photos"
    names = _photos(folder)
    _half_q70(folder / names[3], folder / "copy-small.jpg")
    shutil.copy2(folder / names[5], folder / "exact copy.jpg")
    lib = make_library()
    lib.index([folder])
    ctx = lib.engine().context
    by_name = {f.path.rsplit("/", 1)[1]: f.id for f in lib.catalog.files(range(1, 100)).values()}
    cosine = float(ctx.file_vector(by_name[names[3]])[0] @ ctx.file_vector(by_name["copy-small.jpg"])[0])
    crowded = cosine + (1.0 - cosine) / 2  # the copy threshold of a crowded space: above this pair
    groups = find_duplicates(lib.catalog, ctx, crowded)
    found = sorted(sorted(c.file.path.rsplit("/", 1)[1] for c in g.copies) for g in groups)
    assert found == sorted([sorted([names[3], "copy-small.jpg"]), sorted([names[5], "exact copy.jpg"])])
