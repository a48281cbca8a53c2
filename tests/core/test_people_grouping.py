"""Grouping faces into people and the user's decisions, on identity vectors chosen by the test.

The photos are plain generated pictures (no faces); their faces are stored by hand with vectors
placed around a few identity centres, so who belongs with whom is known exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import LibraryError
from core.indexing import people as grouping
from core.store.catalog_people import FaceFound, PeopleStore
from tests.media_factory import write_pictures

RNG = np.random.default_rng(5)
#: Identity centres far apart (dlib's scale: same person within ~0.5, others beyond ~0.6).
CENTRES = [RNG.normal(0, 1, 128).astype(np.float32) * (2.0 / np.sqrt(128)) for _ in range(4)]


def face_of(who: int, spread: float = 0.25, seed: int = 0) -> FaceFound:
    noise = np.random.default_rng(seed).normal(0, 1, 128).astype(np.float32)
    vec = CENTRES[who] + noise / np.linalg.norm(noise) * spread * 0.5
    return FaceFound((10, 10, 110, 110), ((20, 30), (40, 30), (30, 50)), 1.5, 0.9, vec)


@pytest.fixture
def store(make_library, tmp_path):
    """A library of 12 photos; returns (people store, the photos' item ids)."""
    folder = tmp_path / "photos"
    write_pictures(folder, 12)
    lib = make_library()
    lib.index([folder])
    items = [t.item_id for t in PeopleStore(lib.catalog).pending(100)]
    assert len(items) == 12
    return PeopleStore(lib.catalog), items


def _groups(store: PeopleStore) -> dict[int, set[int]]:
    return {p.id: {f.item_id for f in store.faces_of_person(p.id)} for p in store.people(include_hidden=True)}


def test_faces_wait_until_enough_agree_then_new_ones_join(store):
    store, items = store
    store.save_faces([(items[0], [face_of(0, seed=1)])])
    assert grouping.cluster(store).new_people == 0  # one face alone: it waits
    store.save_faces([(items[1], [face_of(0, seed=2)]), (items[2], [face_of(1, seed=3)]),
                      (items[3], [face_of(1, seed=4)]), (items[4], [face_of(2, seed=5)])])
    report = grouping.cluster(store)
    assert report.new_people == 2 and report.waiting == 1
    assert sorted(map(sorted, _groups(store).values())) == [items[0:2], items[2:4]]
    # A new face of person 0 joins the existing group; nothing new is made.
    store.save_faces([(items[5], [face_of(0, seed=6)])])
    report = grouping.cluster(store)
    assert report.joined == 1 and report.new_people == 0
    assert items[5] in next(g for g in _groups(store).values() if items[0] in g)
    # Unnamed groups come biggest first.
    assert [p.faces for p in store.people()] == [3, 2]


def test_user_decisions_survive_a_recluster_and_a_redetection(store):
    store, items = store
    store.save_faces([(items[k], [face_of(0, seed=10 + k)]) for k in range(3)]
                     + [(items[3 + k], [face_of(1, seed=20 + k)]) for k in range(3)]
                     + [(items[6 + k], [face_of(2, seed=30 + k)]) for k in range(2)])
    grouping.cluster(store)
    by_item = {min(g): pid for pid, g in _groups(store).items()}
    a, b, c = by_item[items[0]], by_item[items[3]], by_item[items[6]]
    obama = grouping.name_person(store, a, "Barack Obama")
    merged = grouping.merge_people(store, [c], b)  # the user says 1 and 2 are one person
    wrong = [f.id for f in store.faces_of_person(obama) if f.item_id == items[2]]
    grouping.remove_faces(store, obama, wrong)  # ... and that this face is not Obama
    split_off = [f.id for f in store.faces_of_person(merged) if f.item_id in items[6:8]]
    split = grouping.split_person(store, merged, split_off, "Joe Biden")  # changed their mind: split again
    expected = {"Barack Obama": {items[0], items[1]}, "Joe Biden": set(items[6:8])}

    def named() -> dict[str, set[int]]:
        return {p.name: {f.item_id for f in store.faces_of_person(p.id)} for p in store.people() if p.name}

    assert named() == expected
    for _ in range(2):
        grouping.cluster(store, full=True)  # a re-cluster from scratch
        assert named() == expected
        assert items[2] not in {f.item_id for f in store.faces_of_person(obama)}
    # Every face found again (a re-index): the vectors come back a hair apart.
    store.forget_looked()
    store.save_faces([(items[k], [face_of(0, seed=10 + k, spread=0.2501)]) for k in range(3)]
                     + [(items[3 + k], [face_of(1, seed=20 + k)]) for k in range(3)]
                     + [(items[6 + k], [face_of(2, seed=30 + k)]) for k in range(2)])
    grouping.cluster(store)
    assert named() == expected
    assert {p.id for p in store.people() if p.name} == {obama, split}


def test_a_hidden_person_keeps_its_faces_out_of_new_groups(store):
    store, items = store
    store.save_faces([(items[k], [face_of(3, seed=40 + k)]) for k in range(3)])
    grouping.cluster(store)
    (pid,) = [p.id for p in store.people()]
    store.set_hidden(pid, True)
    assert store.people() == []
    store.save_faces([(items[5], [face_of(3, seed=50)])])
    grouping.cluster(store)
    assert store.people() == [] and len(store.faces_of_person(pid)) == 4


def test_names_resolve_and_clear_errors(store):
    store, items = store
    store.save_faces([(items[k], [face_of(0, seed=60 + k)]) for k in range(2)]
                     + [(items[2 + k], [face_of(1, seed=70 + k)]) for k in range(2)])
    grouping.cluster(store)
    a, b = [p.id for p in store.people()]
    grouping.name_person(store, a, "Barack Obama")
    grouping.name_person(store, b, "Barbara Bush")
    assert grouping.person_named(store, "barack obama") == a
    with pytest.raises(LibraryError, match="could be several people"):
        grouping.person_named(store, "Bar")
    with pytest.raises(LibraryError, match="no person is called"):
        grouping.person_named(store, "Joe")
    # Naming a person with another's name merges them.
    assert grouping.name_person(store, b, "barack  obama") == a
    assert len(store.faces_of_person(a)) == 4
