"""The XMP reader and sidecar writer (core/media/xmp.py): what it keeps, what it refuses, and all-or-nothing writes."""

from __future__ import annotations

import pytest

from core.media import xmp
from core.media.xmp import (
    FaceRegion,
    SidecarError,
    XmpDocument,
    read_sidecar,
    set_regions,
    sidecar_path,
    update_sidecar,
)

FOREIGN = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:darktable="http://darktable.sf.net/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 darktable:xmp_version="5" xmp:Rating="2">
 <darktable:history><rdf:Seq><rdf:li darktable:operation="exposure"/></rdf:Seq></darktable:history>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def test_a_write_keeps_what_other_tools_wrote(tmp_path):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    side = sidecar_path(photo)
    side.write_bytes(FOREIGN)
    update_sidecar(photo, lambda d: (d.set_rating(4), d.set_tags(["Places/Portugal/Lisbon", "tram"])))
    text = side.read_text()
    assert 'darktable:operation="exposure"' in text and 'xmp_version="5"' in text
    data = read_sidecar(side)
    assert data.rating == 4 and data.tags == ["Places/Portugal/Lisbon", "tram"]
    assert text.count("<xmp:Rating>") == 1 and "Rating=" not in text  # the attribute form replaced, not doubled


def test_every_write_moves_the_sidecar_s_time_forward(tmp_path):
    """The catalog tells a changed sidecar by its modification time; the kernel's clock is coarse (1–4 ms a
    tick) and may step back, so a later write must never carry the same or an earlier time (a kill between
    such a write and its catalog commit lost it: tests/e2e/test_sidecar_faults.py)."""
    import os

    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    side = update_sidecar(photo, lambda d: d.set_rating(1))
    ahead = side.stat().st_mtime_ns + 10_000_000_000  # as if the clock stepped back 10 s since that write
    os.utime(side, ns=(ahead, ahead))
    update_sidecar(photo, lambda d: d.set_rating(2))
    assert side.stat().st_mtime_ns > ahead and read_sidecar(side).rating == 2


def test_a_sidecar_whose_tags_were_all_removed_says_none_rather_than_nothing(tmp_path):
    """A sidecar is the truth for what it holds: after every tag is removed it must say "no tags", or the
    catalog (or the picture's own XMP) keeps the old ones (a kill between that write and its catalog commit
    left 400 tags in the catalog: tests/e2e/test_sidecar_faults.py)."""
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    update_sidecar(photo, lambda d: d.set_tags(["Places/Portugal/Lisbon", "tram"]))
    side = update_sidecar(photo, lambda d: d.set_tags([]))
    data = read_sidecar(side)
    assert data.tags == [] and data.tags_said
    assert data.merged_over(xmp.XmpData(tags=["old"], tags_said=True)).tags == []
    silent = XmpDocument.new().read()
    assert not silent.tags_said and silent.merged_over(xmp.XmpData(tags=["kept"])).tags == ["kept"]


def test_regions_for_the_faces_stage_round_trip(tmp_path):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    update_sidecar(photo, lambda d: d.set_rating(3))
    set_regions(photo, [FaceRegion(0.5, 0.4, 0.1, 0.2, "Ana"), FaceRegion(0.2, 0.3, 0.1, 0.1)], (640, 480))
    data = read_sidecar(sidecar_path(photo))
    assert data.rating == 3 and 'Name="Ana"' in data.regions and data.regions.count("Face") == 2


@pytest.mark.parametrize("content", [b"<x:xmpmeta><rdf:RDF", b"not xml at all",
                                     b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', b"<x/>"])
def test_a_damaged_sidecar_is_named_and_left_alone(tmp_path, content):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    side = sidecar_path(photo)
    side.write_bytes(content)
    with pytest.raises(SidecarError, match=r"a\.jpg\.xmp: damaged XMP sidecar"):
        update_sidecar(photo, lambda d: d.set_rating(5))
    assert side.read_bytes() == content


def test_a_crash_before_the_rename_leaves_the_old_sidecar_whole(tmp_path, monkeypatch):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    update_sidecar(photo, lambda d: d.set_rating(1))
    before = sidecar_path(photo).read_bytes()

    def killed(*_args):
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(xmp.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        update_sidecar(photo, lambda d: d.set_tags([f"tag {i}" for i in range(5000)]))
    assert sidecar_path(photo).read_bytes() == before


def test_the_existing_sidecar_is_updated_whatever_its_naming(tmp_path):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    (tmp_path / "a.xmp").write_bytes(FOREIGN)
    assert update_sidecar(photo, lambda d: d.set_rating(5), naming="full") == tmp_path / "a.xmp"
    assert not sidecar_path(photo, "full").exists()


def test_hierarchical_tags_read_from_each_tool_s_property():
    doc = XmpDocument.new()
    doc.set_tags(["A/B/C", "flat"])
    again = XmpDocument.parse(doc.to_bytes()).read()
    assert again.tags == ["A/B/C", "flat"]  # dc:subject's "C" is the leaf of A/B/C, not a second tag
