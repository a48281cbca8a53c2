"""People: faces grouped into persons as the library grows, and what the user says about them.

Grouping is incremental (`cluster`): a new face joins the person whose nearest known face (or
example the user confirmed) is within `JOIN_DISTANCE` and clearly nearer than any other person's;
faces that join no one wait, and become a new person only once `MIN_GROUP` of them agree (each
within `GROUP_DISTANCE` of another, single-linkage). Faces of low quality (small or barely
detected: `core.models.faces.face_quality`) never start or join a group on their own.

The distances are Euclidean between dlib's identity vectors, whose authors put faces of one
person within 0.6. Both thresholds are tighter (0.5), chosen on the shared faces set, where the
same-person distances run to 0.52 and different people start at 0.62 (tests/bench/faces.py):
a wrong merge is costlier to the user than a person found in two parts.

What the user says is never undone by a re-cluster: names live on the person, assignments the user
made carry `by_user`, and every decision is also kept as example vectors ("this face is X", "this
face is not X") that a re-detected face of the same photo matches again (`core.store.catalog_people`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import LibraryError

if TYPE_CHECKING:  # pragma: no cover
    from core.store.catalog_people import PeopleStore

#: A face joins a person whose nearest face or confirmed example is this close.
JOIN_DISTANCE = 0.5
#: ... and only when the next person's nearest is this much farther (else it waits: ambiguous).
JOIN_MARGIN = 0.04
#: Waiting faces this close to each other link into a group.
GROUP_DISTANCE = 0.5
#: A group becomes a person once it has this many faces.
MIN_GROUP = 2
#: Faces under this quality neither start nor join groups (see `core.models.faces.face_quality`).
MIN_QUALITY = 0.3
#: A face this close to one the user said is not a person never joins that person: the same face found
#: again (a re-detection of the same photo moves its vector by far less), not every look-alike.
REFUSE_DISTANCE = 0.1
#: An example this close to one already kept is not kept again.
SAME_EXAMPLE = 0.02


@dataclass
class ClusterReport:
    joined: int = 0
    new_people: int = 0
    waiting: int = 0


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)), np.float32)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def cluster(store: PeopleStore, full: bool = False) -> ClusterReport:
    """Group the faces not in a person yet; `full` first undoes every automatic assignment (a re-cluster)."""
    if full:
        store.clear_automatic()
    ids, vecs, people, quality = store.face_vectors()
    report = ClusterReport()
    if not len(ids):
        return report
    examples = store.examples()
    refusals = [(p, v) for p, v, agrees in examples if not agrees]
    # Joining: against faces already in a person and the user's examples, round by round (a face
    # that joins may bring its neighbours in).
    changes: dict[int, int] = {}
    while True:
        known = people >= 0
        ref_vecs = np.concatenate([vecs[known], np.array([v for _, v, a in examples if a], np.float32)
                                   .reshape(-1, vecs.shape[1])])
        ref_people = np.concatenate([people[known], np.array([p for p, _, a in examples if a], np.int64)])
        waiting = np.flatnonzero((people < 0) & (quality >= MIN_QUALITY))
        if not len(waiting) or not len(ref_vecs):
            break
        dist = _distances(vecs[waiting], ref_vecs)
        joined = 0
        persons = np.unique(ref_people)
        nearest = np.stack([dist[:, ref_people == p].min(1) for p in persons], axis=1)
        for pid, v in refusals:  # a person the user said a face is not is out of its running
            if pid in persons:
                near = np.linalg.norm(vecs[waiting] - v, axis=1) < REFUSE_DISTANCE
                nearest[near, np.searchsorted(persons, pid)] = np.inf
        for row, face in enumerate(waiting):
            order = np.argsort(nearest[row])
            best = order[0]
            d = nearest[row, best]
            if d >= JOIN_DISTANCE:
                continue
            if len(order) > 1 and nearest[row, order[1]] < d + JOIN_MARGIN:
                continue
            person = int(persons[best])
            people[face] = person
            changes[int(ids[face])] = person
            joined += 1
        report.joined += joined
        if not joined:
            break
    store.assign_many(list(changes.items()))
    # New groups among the faces still waiting.
    waiting = np.flatnonzero((people < 0) & (quality >= MIN_QUALITY))
    if len(waiting) >= MIN_GROUP:
        dist = _distances(vecs[waiting], vecs[waiting])
        parent = list(range(len(waiting)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in zip(*np.nonzero(np.triu(dist < GROUP_DISTANCE, 1)), strict=True):
            parent[root(int(i))] = root(int(j))
        groups: dict[int, list[int]] = {}
        for k in range(len(waiting)):
            groups.setdefault(root(k), []).append(int(ids[waiting[k]]))
        for members in sorted(groups.values(), key=len, reverse=True):
            if len(members) < MIN_GROUP:
                continue
            person = store.create_person()
            store.assign(members, person, by_user=False)
            report.new_people += 1
            people[np.isin(ids, members)] = person
    report.waiting = int(((people < 0) & (quality >= MIN_QUALITY)).sum())
    return report


# ----- what the user says ---------------------------------------------------------------------------

def _confirm(store: PeopleStore, person_id: int, face_ids: list[int]) -> None:
    """The user vouched for these faces being `person_id`: assignments and examples to keep."""
    store.assign(face_ids, person_id, by_user=True)
    kept = [v for p, v, a in store.examples() if p == person_id and a]
    new = []
    for fid in face_ids:
        v = store.face_vector(fid)
        if v is None:
            continue
        if all(np.linalg.norm(v - k) >= SAME_EXAMPLE for k in kept + new):
            new.append(v)
    store.add_examples(person_id, new, agrees=True)


def person_named(store: PeopleStore, name: str) -> int:
    """The id of the one person called `name` (any case; a unique prefix will do); a clear error otherwise."""
    found = store.find_people(name)
    if not found:
        raise LibraryError(f"no person is called {name!r} (medialens people lists them)")
    if len(found) > 1:
        names = ", ".join(sorted({p.name or "" for p in found}))
        raise LibraryError(f"{name!r} could be several people ({names}): give the whole name")
    return found[0].id


def name_person(store: PeopleStore, person_id: int, name: str) -> int:
    """Name a person; a name another person has already merges this one into it. Returns the person's id."""
    name = " ".join(name.split())
    if not name:
        raise LibraryError("a person's name cannot be empty")
    check_person(store, person_id)
    other = [p for p in store.find_people(name) if p.name and p.name.lower() == name.lower() and p.id != person_id]
    if other:
        return merge_people(store, [person_id], other[0].id)
    store.set_name(person_id, name)
    _confirm(store, person_id, [f.id for f in store.faces_of_person(person_id)])
    return person_id


def merge_people(store: PeopleStore, sources: list[int], target: int) -> int:
    """`sources` are the same person as `target`: their faces and examples go to it."""
    check_person(store, target)
    for source in sources:
        if source == target:
            continue
        check_person(store, source)
        store.move_person(source, target)
    _confirm(store, target, [f.id for f in store.faces_of_person(target)])
    return target


def split_person(store: PeopleStore, person_id: int, face_ids: list[int], name: str | None = None) -> int:
    """Some faces of a person are someone else: they become a new person (named `name`). Returns its id."""
    check_person(store, person_id)
    mine = {f.id for f in store.faces_of_person(person_id)}
    if not face_ids or not set(face_ids) <= mine:
        raise LibraryError(f"split needs faces of person {person_id}: {sorted(set(face_ids) - mine)} are not")
    new = store.create_person(" ".join(name.split()) if name else None)
    _confirm(store, new, face_ids)
    _refuse(store, person_id, face_ids)
    _confirm(store, person_id, sorted(mine - set(face_ids)))
    return new


def remove_faces(store: PeopleStore, person_id: int, face_ids: list[int]) -> None:
    """These faces are not `person_id` (a wrong face): they leave it and never join it again by themselves."""
    check_person(store, person_id)
    _refuse(store, person_id, face_ids)
    store.assign(face_ids, None, by_user=False)


def move_faces(store: PeopleStore, face_ids: list[int], person_id: int) -> None:
    """These faces are `person_id`."""
    check_person(store, person_id)
    for f in store.faces_by_id(face_ids):
        if f.person_id is not None and f.person_id != person_id:
            _refuse(store, f.person_id, [f.id])
    _confirm(store, person_id, face_ids)


def _refuse(store: PeopleStore, person_id: int, face_ids: list[int]) -> None:
    vecs = [v for v in (store.face_vector(f) for f in face_ids) if v is not None]
    store.add_examples(person_id, vecs, agrees=False)


def check_person(store: PeopleStore, person_id: int) -> None:
    if store.person(person_id) is None:
        raise LibraryError(f"there is no person {person_id} (medialens people lists them)")
