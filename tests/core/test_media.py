"""Decoding, recognition by content, metadata and the decompression-bomb guard."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PIL import Image

from core.errors import MediaError
from core.media.image import ThumbnailCache, content_hash, load_image, sniff_kind
from tests.media_factory import huge_png_header, jpeg_with_exif, picture, truncated_jpeg


def test_every_shared_format_decodes_to_rgb(shared_data):
    folder = shared_data / "images" / "formats"
    files = sorted(folder.iterdir())
    assert len(files) >= 20
    for f in files:
        assert sniff_kind(f) == "image", f.name
        img, info = load_image(str(f))
        assert img.mode == "RGB", f.name
        assert img.size[0] > 0 and info.width > 0 and info.height > 0


def test_sniff_goes_by_content_not_name(tmp_path):
    png_named_jpg = tmp_path / "really_a_png.jpg"
    picture(1).save(png_named_jpg, "PNG")
    text_named_jpg = tmp_path / "notes.jpg"
    text_named_jpg.write_text("not a picture")
    no_extension = tmp_path / "IMG_0001"
    picture(2).save(no_extension, "JPEG")
    assert sniff_kind(png_named_jpg) == "image"
    assert sniff_kind(text_named_jpg) is None
    assert sniff_kind(no_extension) == "image"
    _img, info = load_image(str(png_named_jpg))
    assert info.format == "PNG"


def test_sniff_recognises_video(shared_data):
    assert sniff_kind(shared_data / "videos" / "imageio_cockatoo.mp4") == "video"
    assert sniff_kind(shared_data / "videos" / "imageio_test.webm") == "video"


def test_heic_is_decoded(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "photo.heic"
    try:
        picture(3).save(path, "HEIF")
    except Exception as exc:  # the wheel may lack an encoder on some platforms
        pytest.skip(f"this pillow-heif cannot write HEIC: {exc}")
    assert sniff_kind(path) == "image"
    img, info = load_image(str(path))
    assert img.size == (320, 240) and info.format == "HEIF"


def test_exif_orientation_date_camera_and_gps(tmp_path):
    path = jpeg_with_exif(tmp_path / "a.jpg", 4, taken=dt.datetime(2021, 7, 14, 9, 30, 5), make="Canon",
                          model="EOS R6", orientation=6, gps=(48.8584, -2.2945), size=(320, 240))
    img, info = load_image(str(path))
    assert img.size == (240, 320), "orientation 6 (rotate 90) is applied"
    assert (info.width, info.height) == (240, 320)
    assert info.taken_at == dt.datetime(2021, 7, 14, 9, 30, 5)
    assert (info.camera_make, info.camera_model) == ("Canon", "EOS R6")
    assert info.gps_lat == pytest.approx(48.8584, abs=1e-3)
    assert info.gps_lon == pytest.approx(-2.2945, abs=1e-3)


def test_draft_decoding_keeps_both_sides_above_the_minimum(tmp_path):
    path = tmp_path / "big.jpg"
    picture(5, size=(4000, 3000)).save(path, "JPEG", quality=90)
    small, info = load_image(str(path), min_side=240)
    full, _ = load_image(str(path))
    assert (info.width, info.height) == (4000, 3000), "the catalog records the original size"
    assert full.size == (4000, 3000)
    assert min(small.size) >= 240 and small.size[0] < 1000, small.size
    # the reduced decode looks like the full one, scaled
    a = np.asarray(small.resize((200, 150)), dtype=np.float32)
    b = np.asarray(full.resize((200, 150)), dtype=np.float32)
    assert np.abs(a - b).mean() < 6


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("maker", "reason"),
    [
        (lambda p: truncated_jpeg(p / "cut.jpg"), "truncated"),
        (lambda p: huge_png_header(p / "bomb.png"), "too large"),
        (lambda p: _write(p / "empty.png", b""), "not a recognised"),
        (lambda p: _write(p / "text.jpg", b"hello"), "not a recognised"),
    ],
)
def test_broken_images_raise_a_readable_media_error(tmp_path, maker, reason):
    path = maker(tmp_path)
    with pytest.raises(MediaError) as err:
        load_image(str(path))
    assert reason in str(err.value)
    assert "Traceback" not in str(err.value)


def test_transparent_images_are_composited_on_white(tmp_path):
    path = tmp_path / "cutout.png"
    Image.new("RGBA", (10, 10), (255, 0, 0, 0)).save(path)
    img, _ = load_image(str(path))
    assert img.getpixel((5, 5)) == (255, 255, 255)


def test_content_hash_is_stable_and_sampled_for_large_files(tmp_path, monkeypatch):
    a = tmp_path / "a.bin"
    a.write_bytes(b"x" * 1000)
    b = tmp_path / "b.bin"
    b.write_bytes(b"x" * 1000)
    assert content_hash(a) == content_hash(b) == content_hash(a, data=a.read_bytes())
    monkeypatch.setattr("core.media.image.FULL_HASH_LIMIT", 100)
    c = tmp_path / "c.bin"
    c.write_bytes(b"y" * 5000)
    assert content_hash(c) != content_hash(a)


def test_thumbnail_cache_writes_small_webp(tmp_path):
    cache = ThumbnailCache(tmp_path / "thumbs", size=128)
    target = cache.put("abcdef", picture(6, size=(800, 600)))
    with Image.open(target) as t:
        assert t.format == "WEBP" and max(t.size) == 128
    assert cache.has("abcdef") and not cache.has("012345")
