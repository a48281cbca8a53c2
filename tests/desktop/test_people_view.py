"""The People page over a library of real faces: people listed with round thumbnails, named from the
name field, two groups merged, a person's page searching their photos with words."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("dlib")

PHOTOS = ("obama-obama.jpg", "obama-obama2.jpg", "biden-biden.jpg", "biden-biden2.jpg", "two_people.jpg")


@pytest.fixture
def faces_home(tmp_path, tiny_weights, shared_data):
    from core.library import Library
    from tests.conftest import TINY_MODEL

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in PHOTOS:
        shutil.copy2(shared_data / "faces" / name, folder / name)
    home = tmp_path / "lib"
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        lib.index([folder], faces=True)
        assert sorted(p.faces for p in lib.people.list()) == [3, 3]
    return home


@pytest.fixture
def host(qtbot, faces_home, tiny_weights):
    from desktop_app.workers.host import LibraryConfig, LibraryHost
    from tests.conftest import TINY_MODEL

    h = LibraryHost(LibraryConfig(home=str(faces_home), model=TINY_MODEL, weights=str(tiny_weights), device="cpu"))
    with qtbot.waitSignal(h.opened, timeout=30_000):
        h.open()
    yield h
    h.shutdown()


def test_people_page_names_merges_and_searches_a_person(qtbot, host):
    from desktop_app.pages.people import FACE_ROLE, PERSON_ROLE, PeoplePage

    page = PeoplePage(host)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=30_000) as loaded:
        page.refresh()
    assert loaded.args == [2]
    first = page.people.item(0)
    assert first.data(FACE_ROLE) is not None
    qtbot.waitUntil(lambda: not first.icon().isNull(), timeout=30_000)

    page.grid.setCurrentIndex(page.people.index(0, 0))
    page.name_field.setText("Barack Obama")
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page.name_selected()
    assert page.people.item(0).text().startswith("Barack Obama\n3 photos")

    # Merging the two groups (a wrong merge on purpose: the page does what it is told).
    page.grid.selectAll()
    with qtbot.waitSignal(page.loaded, timeout=30_000) as merged:
        page.merge_selected()
    assert merged.args == [1]

    person = page.people.item(0).data(PERSON_ROLE)
    page.open_person(person)
    qtbot.waitUntil(lambda: page.faces.rowCount() == 6, timeout=30_000)
    page.words.setText("a purple tie")
    with qtbot.waitSignal(page.search_requested) as asked:
        page.search_person()
    assert asked.args == ['person:"Barack Obama" a purple tie']
