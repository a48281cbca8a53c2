"""Faces found, grouped, named and searched on real photos: the shared faces set (20 photos of 6 public
figures, truth in identities.json) and pictures made from its faces (30 faces in one photo, a face of
one pixel, none at all). The real face model runs (dlib, from the package index); the CLIP model is
the tiny random one, so nothing here depends on what words mean.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from core.indexing import faces as face_stage
from core.media.xmp import FaceRegion, SidecarError, read_regions, set_regions
from core.models.faces import FaceModel
from core.store.catalog_people import PeopleStore

pytestmark = pytest.mark.slow

pytest.importorskip("dlib")


def _truth(shared_data) -> dict[str, list[str]]:
    return json.loads((shared_data / "faces" / "identities.json").read_text())["photos"]


@pytest.fixture(scope="module")
def faces_library(tmp_path_factory, tiny_weights):
    """The shared faces photos (the clip left out) indexed with faces; (library, folder, truth)."""
    from core.library import Library
    from tests.conftest import SHARED_DATA, TINY_MODEL

    if not (SHARED_DATA / "faces").is_dir():
        pytest.skip("the shared faces set is not here")
    folder = tmp_path_factory.mktemp("faces")
    truth = json.loads((SHARED_DATA / "faces" / "identities.json").read_text())["photos"]
    for name in truth:
        shutil.copy2(SHARED_DATA / "faces" / name, folder / name)
    lib = Library(tmp_path_factory.mktemp("lib"), model=TINY_MODEL, weights=tiny_weights, device="cpu")
    report = lib.index([folder], faces=True)
    assert report.faces_looked == len(truth)
    yield lib, folder, truth
    lib.close()


def _identity_of_people(lib, truth) -> dict[int, str]:
    """Each person's identity by majority of its single-person photos (the names stay hidden from grouping)."""
    out = {}
    for p in lib.people.list(include_hidden=True):
        votes = [truth[os.path.basename(f.path)][0] for f in lib.people.faces(p.id)
                 if len(truth[os.path.basename(f.path)]) == 1]
        if votes:
            out[p.id] = max(set(votes), key=votes.count)
    return out


def test_every_face_of_the_shared_set_is_found(faces_library):
    lib, _, truth = faces_library
    store = PeopleStore(lib.catalog)
    found = {}
    for rec in lib.browse(n=100):
        found[os.path.basename(rec.path)] = len(store.faces_of_file(rec.id))
    recall = sum(min(found[name], len(who)) for name, who in truth.items()) / sum(map(len, truth.values()))
    assert recall >= 0.95, found
    assert sum(found.values()) <= sum(map(len, truth.values())) + 2  # few false faces


def test_grouping_with_the_names_hidden(faces_library):
    """B-cubed precision and recall over the faces of single-person photos (whose identity is known)."""
    lib, _, truth = faces_library
    store = PeopleStore(lib.catalog)
    label, cluster = [], []
    for rec in lib.browse(n=100):
        who = truth[os.path.basename(rec.path)]
        if len(who) != 1:
            continue
        for f in store.faces_of_file(rec.id):
            label.append(who[0])
            cluster.append(f.person_id if f.person_id is not None else -f.id)  # alone: its own cluster
    label, cluster = np.array(label), np.array(cluster)
    precision = np.mean([np.mean(label[cluster == c] == lab) for lab, c in zip(label, cluster, strict=True)])
    recall = np.mean([np.mean(cluster[label == lab] == c) for lab, c in zip(label, cluster, strict=True)])
    assert precision == 1.0, list(zip(label, cluster, strict=True))
    assert recall >= 0.75, list(zip(label, cluster, strict=True))


def test_people_together_and_without(faces_library):
    lib, _, truth = faces_library
    ids = {v: k for k, v in _identity_of_people(lib, truth).items()}
    lib.people.name(ids["obama"], "Barack Obama")
    lib.people.name(ids["biden"], "Joe Biden")

    def files(query: str) -> set[str]:
        return {os.path.basename(h.path) for h in lib.people.matches(query).matches}

    obama = {n for n, who in truth.items() if "obama" in who}
    both = {n for n, who in truth.items() if {"obama", "biden"} <= set(who)}
    assert files('person:"Barack Obama"') == obama
    assert files("person:obama person:biden") == both == {"two_people.jpg", "test-obama_and_biden.jpg"}
    assert files("person:obama -person:biden") == obama - both
    # Without words the biggest face comes first.
    hits = lib.people.matches("person:obama").matches
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # With words, only the person's photos, each once, every one ranked.
    worded = lib.people.matches("person:obama a purple tie")
    assert {os.path.basename(h.path) for h in worded.hits} == obama
    assert all("Barack Obama" in h.extra["people"] for h in worded.hits)


def test_named_regions_go_to_sidecars_and_come_back_at_index_time(faces_library, tmp_path, tiny_weights):
    from core.library import Library
    from tests.conftest import TINY_MODEL

    lib, folder, truth = faces_library
    ids = {v: k for k, v in _identity_of_people(lib, truth).items()}
    lib.people.name(ids["kit_harington"], "Kit Harington")
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    # Sidecars are written beside the library's files (a copy, so the module's folder stays clean).
    lib2 = Library(tmp_path / "lib2", model=TINY_MODEL, weights=tiny_weights, device="cpu")
    written = []
    for f in lib.people.faces("Kit Harington"):
        rec = lib.catalog.file(f.file_id)
        region = FaceRegion.of_box("Kit Harington", f.box, rec.width, rec.height)
        written.append(set_regions(copy / os.path.basename(f.path), [region], (rec.width, rec.height)))
    assert {p.name for p in [read_regions(w.with_suffix(""))[0] for w in written]} == {"Kit Harington"}
    lib2.index([copy], faces=True)
    kit = lib2.people.person("Kit Harington")
    got = {os.path.basename(f.path) for f in lib2.people.faces(kit.id)}
    assert got == {n for n, who in truth.items() if "kit_harington" in who}
    lib2.close()


def test_a_sidecar_keeps_what_other_tools_wrote(tmp_path):
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (40, 30)).save(photo)
    side = photo.with_name("p.jpg.xmp")
    side.write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                    '22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
                    'xmp:Rating="4"/></rdf:RDF></x:xmpmeta>')
    set_regions(photo, [FaceRegion(0.5, 0.5, 0.2, 0.3, "Ann")], (40, 30))
    set_regions(photo, [FaceRegion(0.25, 0.5, 0.2, 0.3, "Bo")], (40, 30))  # replaces, never piles up
    text = side.read_text()
    assert 'xmp:Rating="4"' in text and "Ann" not in text
    assert read_regions(photo) == [FaceRegion(0.25, 0.5, 0.2, 0.3, "Bo")]
    side.write_text("<not xmp")
    with pytest.raises(SidecarError, match="damaged XMP sidecar"):
        set_regions(photo, [], (40, 30))
    assert side.read_text() == "<not xmp"


def test_names_survive_a_changed_photo_and_a_regrouping(faces_library):
    lib, folder, truth = faces_library
    ids = {v: k for k, v in _identity_of_people(lib, truth).items()}
    rose = lib.people.name(ids["rose_leslie"], "Rose Leslie")
    before = {os.path.basename(f.path) for f in lib.people.faces(rose)}
    # The photo changes (saved again, other bytes): re-embedded, its faces found again.
    target = folder / "rose_leslie-img1.jpg"
    Image.open(target).save(target, quality=80)
    lib.index([folder])
    lib.people.recluster()
    assert {os.path.basename(f.path) for f in lib.people.faces("Rose Leslie")} == before


@pytest.fixture(scope="module")
def face_crops(tmp_path_factory) -> list[Image.Image]:
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / "faces").is_dir():
        pytest.skip("the shared faces set is not here")
    model, crops = FaceModel(), []
    for name in ("obama-obama.jpg", "biden-biden.jpg", "kit_harington-john1.jpeg", "rose_leslie-img2.jpg",
                 "alex_lacamoire-img1.jpg", "lin-manuel-miranda.png"):
        img = Image.open(SHARED_DATA / "faces" / name).convert("RGB")
        (face,) = model.detect(img)
        x0, y0, x1, y1 = face.box
        pad = (x1 - x0) // 2
        crops.append(img.crop((x0 - pad, y0 - pad, x1 + pad, y1 + pad)))
    return crops


def test_thirty_faces_one_pixel_and_none(make_library, tmp_path, face_crops):
    folder = tmp_path / "made"
    folder.mkdir()
    crowd = Image.new("RGB", (6 * 170, 5 * 170), "gray")
    for k in range(30):
        crowd.paste(face_crops[k % 6].resize((170, 170)), ((k % 6) * 170, (k // 6) * 170))
    crowd.save(folder / "crowd.jpg", quality=92)
    tiny = face_crops[0].resize((1, 1))
    tiny.save(folder / "one_pixel.png")
    scene = Image.new("RGB", (640, 480), "skyblue")
    scene.paste(face_crops[0].resize((1, 1)), (300, 200))
    scene.save(folder / "one_pixel_face.jpg")
    Image.new("RGB", (640, 480), "olive").save(folder / "no_face.jpg")
    lib = make_library()
    report = lib.index([folder], faces=True)
    assert report.faces_looked == 4 and not report.failed
    store = PeopleStore(lib.catalog)
    counts = {os.path.basename(r.path): len(store.faces_of_file(r.id)) for r in lib.browse(n=10)}
    assert counts["one_pixel.png"] == counts["one_pixel_face.jpg"] == counts["no_face.jpg"] == 0
    assert counts["crowd.jpg"] >= 28
    # Five copies of each of six faces: grouped into six people.
    assert sorted(p.faces for p in lib.people.list()) == [5] * 6


_KILL_SCRIPT = """
import os, sys
sys.path.insert(0, {repo!r})
from core.indexing import faces
from core.library import Library
faces.BATCH = {batch}
lib = Library({home!r}, model={model!r}, weights={weights!r}, device="cpu")
def progress(p):
    if p.phase == "faces" and p.files_done > 0:
        os._exit(9)  # killed in the middle of the face stage: no cleanup runs
lib.index([{folder!r}], faces=True, progress=progress)
"""


def test_a_kill_during_the_face_stage_resumes(make_library, tmp_path, face_crops, tiny_weights, cli_env,
                                              monkeypatch):
    from tests.conftest import REPO, TINY_MODEL

    monkeypatch.setattr(face_stage, "BATCH", 4)  # a few commits over a few photos (the stage's own is 16)
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(2 * face_stage.BATCH + 3):
        face_crops[k % 6].resize((200, 200)).save(folder / f"f{k:02}.jpg")
    home = tmp_path / "lib"
    script = _KILL_SCRIPT.format(repo=str(REPO), home=str(home), model=TINY_MODEL, weights=str(tiny_weights),
                                 folder=str(folder), batch=face_stage.BATCH)
    run = subprocess.run([sys.executable, "-c", script], env=cli_env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 9, run.stderr[-2000:]
    from core.library import Library

    lib = Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu")
    store = PeopleStore(lib.catalog)
    done_before = store.counts()[0]
    assert 0 < done_before < 2 * face_stage.BATCH + 3
    looked = []
    original = FaceModel.detect

    def counting(self, img, scale=(1.0, 1.0)):
        looked.append(img.size)
        return original(self, img, scale)

    monkeypatch.setattr(FaceModel, "detect", counting)
    report = lib.index([folder])  # the library remembers that it finds faces
    assert report.faces_looked == len(looked) == 2 * face_stage.BATCH + 3 - done_before
    assert store.counts()[:2] == (2 * face_stage.BATCH + 3, 2 * face_stage.BATCH + 3)
    lib.close()


def test_the_people_commands(faces_library, tiny_weights, capsys):
    from core.cli import main
    from tests.conftest import TINY_MODEL

    lib, _, truth = faces_library
    ids = {v: k for k, v in _identity_of_people(lib, truth).items()}
    common = ["--library", str(lib.home), "--model", TINY_MODEL, "--weights", str(tiny_weights)]
    assert main(["people", "name", str(ids["alex_lacamoire"]), "Alex", "Lacamoire", *common]) == 0
    assert main(["people", *common]) == 0
    listed = capsys.readouterr().out
    assert "Alex Lacamoire" in listed and "faces in" in listed
    assert main(["search", "--person", "lacamoire", *common]) == 0
    assert "test-alex_lacamoire1.jpg" in capsys.readouterr().out
    assert main(["search", "person:nobody a tie", *common]) == 1
    said = capsys.readouterr().err.strip()
    assert said == "medialens: error: no person is called 'nobody' (medialens people lists them)"
    assert main(["people", "split", "Alex Lacamoire", "x", *common]) == 1
    assert "are numbers" in capsys.readouterr().err


def test_a_person_in_a_video_is_found_where_they_are_seen(make_library, tmp_path, shared_data):
    """The clip: the singer is one person; his moments, with or without words, are spans where his face is."""
    folder = tmp_path / "clip"
    folder.mkdir()
    shutil.copy2(shared_data / "faces" / "short_hamilton_clip.mp4", folder)
    lib = make_library()
    lib.index([folder], faces=True)
    (video,) = lib.browse(n=5)
    singer = max(lib.people.list(), key=lambda p: p.faces)
    lib.people.name(singer.id, "Lin-Manuel Miranda")
    spans = lib.people.moments("Lin-Manuel Miranda", video.id)
    assert spans and all(0.0 <= a < b <= video.duration_s + 1.5 for a, b in spans)
    for query in ("person:lin", "person:lin singing on a stage"):
        hits = lib.people.matches(query).hits
        assert hits, query
        assert all((h.start_s, h.end_s) in spans for h in hits), (query, [(h.start_s, h.end_s) for h in hits], spans)
    timeline = lib.timeline(video.id, "person:lin")
    assert [(m.start_s, m.end_s) for m in timeline.moments] == spans
