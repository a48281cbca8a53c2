"""Interoperability both ways with Debian's `exiftool` and `exiv2` (test-only packages,
packaging/deps/test-debian.txt): what they write, MediaLens reads at index time; what MediaLens
writes, they read as the same rating, tags, title, favourite and face regions."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from core.media.xmp import FaceRegion, set_regions, sidecar_path
from tests.manage_factory import LISBON, exif_photo

needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed")
needs_exiv2 = pytest.mark.skipif(shutil.which("exiv2") is None, reason="exiv2 not installed")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _exiftool_json(path) -> dict:
    return json.loads(_run("exiftool", "-j", "-struct", "-XMP:all", str(path)))[0]


@needs_exiftool
@needs_exiv2
def test_what_exiftool_and_exiv2_wrote_is_read_at_index_time(make_library, tmp_path):
    photos = tmp_path / "photos"
    a = exif_photo(photos / "a.jpg", 1)  # a Lightroom-style sidecar "a.xmp", made by exiftool
    _run("exiftool", "-q", "-XMP-xmp:Rating=4", "-XMP-dc:Subject=tram", "-XMP-dc:Subject=Lisbon",
         "-XMP-lr:HierarchicalSubject=Places|Portugal|Lisbon", "-XMP-dc:Title=Tram 28",
         "-XMP-dc:Description=the yellow tram", str(photos / "a.xmp"))
    b = exif_photo(photos / "b.jpg", 2)  # tags embedded in the photo by exiftool: IPTC keywords and XMP rating
    _run("exiftool", "-q", "-overwrite_original", "-IPTC:Keywords=harbour", "-IPTC:Keywords=boats",
         "-XMP-xmp:Rating=2", "-IPTC:ObjectName=Porto", str(b))
    c = exif_photo(photos / "c.jpg", 3, gps=LISBON)  # exiv2: XMP in the photo, then extracted as "c.xmp"
    _run("exiv2", "-M", "set Xmp.xmp.Rating 5", "-M", "set Xmp.dc.subject XmpBag night",
         "-M", "set Xmp.digiKam.TagsList XmpSeq People/Family", str(c))
    _run("exiv2", "-eX", str(c))
    _run("exiv2", "-M", "set Xmp.xmp.Rating 1", str(photos / "c.xmp"))  # the sidecar says otherwise: it wins
    lib = make_library()
    lib.index([photos])
    ids = {p.name: lib.catalog.file_by_path(str(p)).id for p in (a, b, c)}
    metas = lib.manager.store.metas(ids.values())
    ma, mb, mc = (metas[ids[n]] for n in ("a.jpg", "b.jpg", "c.jpg"))
    assert ma.rating == 4 and set(ma.tags) == {"Places/Portugal/Lisbon", "tram"}
    assert ma.title == "Tram 28" and ma.caption == "the yellow tram"
    assert mb.rating == 2 and set(mb.tags) == {"harbour", "boats"} and mb.title == "Porto"
    assert mc.rating == 1 and set(mc.tags) == {"People/Family", "night"} and mc.city == "Lisbon"


@needs_exiftool
@needs_exiv2
def test_what_medialens_writes_exiftool_and_exiv2_read(make_library, tmp_path):
    photo = exif_photo(tmp_path / "photos" / "a.jpg", 1)
    original = photo.read_bytes()
    lib = make_library()
    lib.index([photo.parent])
    fid = lib.catalog.file_by_path(str(photo)).id
    lib.manager.edit([fid], rating=3, favourite=True, title="Tram 28", add_tags=["Places/Portugal/Lisbon", "tram"])
    set_regions(photo, [FaceRegion(0.5, 0.4, 0.1, 0.2, "Ana")], (320, 240))
    side = sidecar_path(photo)
    seen = _exiftool_json(side)
    assert seen["Rating"] == 3 and seen["Title"] == "Tram 28" and seen["Favorite"] is True
    assert set(seen["Subject"]) == {"Lisbon", "tram"}
    assert seen["HierarchicalSubject"] == ["Places|Portugal|Lisbon"]
    assert seen["TagsList"] == ["Places/Portugal/Lisbon"]
    assert seen["RegionInfo"]["RegionList"][0]["Name"] == "Ana"
    assert seen["RegionInfo"]["AppliedToDimensions"]["W"] == 320
    exiv2 = _run("exiv2", "-px", str(side))
    assert "Xmp.xmp.Rating                               XmpText     1  3" in exiv2
    assert "Places|Portugal|Lisbon" in exiv2 and "Lisbon, tram" in exiv2
    assert "mwg-rs:RegionList[1]/mwg-rs:Name XmpText     3  Ana" in exiv2
    assert photo.read_bytes() == original  # the photo itself is untouched
