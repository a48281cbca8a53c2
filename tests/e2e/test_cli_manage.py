"""The managing commands end to end: rate, fav, tag, album (and smart albums), places, export, the
filter flags, and the search text's dates, places and cameras understood."""

from __future__ import annotations

import json

import pytest

from core.media.xmp import read_sidecar, sidecar_path
from tests.e2e.test_cli import assert_clean_error
from tests.manage_factory import trip


def _paths(proc) -> set[str]:
    return {h["path"].rsplit("/", 1)[-1] for h in json.loads(proc.stdout)}


@pytest.mark.slow
def test_rate_tag_fav_album_and_filters(cli, tmp_path):
    photos = trip(tmp_path / "photos")
    assert cli("index", str(tmp_path / "photos")).returncode == 0
    p = {k: str(v) for k, v in photos.items()}
    proc = cli("rate", "4", p["lisbon_jul"], p["shanghai_jan"], model=False)
    assert proc.returncode == 0 and "2 files" in proc.stdout, proc.stderr
    assert cli("fav", p["lisbon_jul"], model=False).returncode == 0
    assert cli("tag", "add", "Trips/Portugal 2023", p["lisbon_jul"], p["porto_jul"], model=False).returncode == 0
    assert cli("album", "add", "Best", p["shanghai_jan"], p["lisbon_jul"], model=False).returncode == 0
    assert read_sidecar(sidecar_path(photos["lisbon_jul"])).tags == ["Trips/Portugal 2023"]

    def browse(*flags):
        proc = cli("browse", "--json", *flags, model=False)
        assert proc.returncode == 0, proc.stderr
        return _paths(proc)

    assert browse("--rating", "4") == {"lisbon_jul.jpg", "shanghai_jan.jpg"}
    assert browse("--rating", "4", "--fav") == {"lisbon_jul.jpg"}
    assert browse("--tag", "Trips") == {"lisbon_jul.jpg", "porto_jul.jpg"}
    assert browse("--album", "Best", "--place", "China") == {"shanghai_jan.jpg"}
    assert browse("--camera", "pixel", "--from", "2023-07-15") == {"porto_jul.jpg"}
    proc = cli("search", "a photo", "--json", "--all", "--rating", "4", "--place", "Lisbon", model=False)
    assert proc.returncode == 0 and _paths(proc) == {"lisbon_jul.jpg"}, proc.stderr
    proc = cli("similar", p["plain"], "--json", "--album", "Best", "--camera", "Canon", model=False)
    assert _paths(proc) == {"shanghai_jan.jpg"}

    assert cli("album", "save", "Lisbon", "--place", "Lisbon", model=False).returncode == 0
    assert browse("--album", "Lisbon") == {"lisbon_jul.jpg", "lisbon_2022a.jpg", "lisbon_2022b.jpg"}
    listed = cli("album", "list", model=False).stdout
    assert "Best  (2)" in listed and "Lisbon  (smart" in listed
    places = cli("places", model=False).stdout
    assert places.splitlines()[0] == "Portugal  (4)" and "  Lisbon  (3)" in places and "China  (1)" in places
    out = tmp_path / "export"
    assert cli("export", p["lisbon_jul"], p["porto_jul"], "--to", str(out), model=False).returncode == 0
    assert sorted(f.name for f in out.iterdir()) == ["lisbon_jul.jpg", "porto_jul.jpg"]

    assert_clean_error(cli("rate", "4", str(tmp_path / "nope.jpg"), model=False), "nope.jpg", "not in the library")
    assert_clean_error(cli("browse", "--album", "Nope", model=False), "no album named 'Nope'")
    assert cli("rate", "7", p["plain"], model=False).returncode == 2  # a usage error from argparse


@pytest.mark.slow
def test_the_search_text_s_date_place_and_camera_become_filters(cli, tmp_path):
    photos = trip(tmp_path / "photos")
    assert cli("index", str(tmp_path / "photos")).returncode == 0
    proc = cli("search", "a photo July 2023", "--all", model=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# understood: July 2023 · searching for 'a photo'")
    assert "lisbon_jul.jpg" in proc.stdout and "porto_jul.jpg" in proc.stdout
    assert "shanghai_jan.jpg" not in proc.stdout and "lisbon_2022a.jpg" not in proc.stdout
    proc = cli("search", "sunset in Lisbon", "--all", "--json", model=False)
    assert _paths(proc) == {"lisbon_jul.jpg", "lisbon_2022a.jpg", "lisbon_2022b.jpg"}
    assert "# understood: place Lisbon" in proc.stderr
    proc = cli("search", "photos from my Pixel", model=False)
    assert proc.stdout.startswith("# understood: camera Pixel\n")
    assert "lisbon_jul.jpg" in proc.stdout and "porto_jul.jpg" in proc.stdout and "plain.jpg" not in proc.stdout
    proc = cli("search", "sunset in Lisbon", "--all", "--json", "--literal", model=False)
    assert len(_paths(proc)) == len(photos)  # taken as typed: nothing filtered
