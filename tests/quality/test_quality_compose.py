"""Composed edits, avoided words, feedback, regions and explanations do what they say, measured.

Everything here goes through the engine (`core.library.Library`) over held-out
world pictures written to disk, with the trained MediaLens-World model. Each
measure has a pass mark in `MARKS`, set well below what the committed
model measures and above what the same architecture with random weights
reaches; the last test checks that random weights fail every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS

pytestmark = pytest.mark.quality

GALLERY_SEED = 7_500_001
GALLERY_SIZE = 300
EDIT_SEED = 7_600_001
COLOUR_EDITS = 24

#: Pass marks. The committed model measures: composed finds the target 1.00 (image only 0.29, text only
#: 0.17); avoided background 0.18 -> 0.00 of the top 10, asked-for object 0.24 -> 0.21; feedback
#: recall@10 0.21 -> 0.33; region R@5 1.00 (whole picture 0.03); explain 0.72. Random weights: 0.25
#: (0.83, 0.00); 0.11 -> 0.17; 0.05 -> 0.09; 0.47; 0.49.
MARKS = {
    "composed finds the target": 0.8,  # share of edits whose target is in the composed top 5
    "composed over image only": 0.3,  # ... more often than in the reference's look-alikes by this much
    "composed over text only": 0.3,  # ... and than in the change text's own results
    "avoided left (share of before)": 0.5,  # at most this share of the avoided background is left
    "asked-for kept (share of before)": 0.7,  # the asked-for object stays in the top 10 this well
    "feedback gain": 0.08,  # recall@10 gained by one round
    "region R@5": 0.6,
    "explain on object": 0.62,  # best boxes centred on the named object's half (chance 0.5)
}


@dataclass
class WorldLibrary:
    lib: object
    folder: Path
    scenes: dict[int, world.Scene]  # file id -> what it shows
    gallery: list[int]  # file ids of the gallery pictures
    edits: list[tuple[world.Triplet, int, int]]  # colour edits, the file ids of their reference and target


def _write(folder: Path) -> tuple[list[world.Picture], list[world.Triplet]]:
    folder.mkdir(parents=True)
    pictures = world.make_pictures(GALLERY_SIZE, GALLERY_SEED, "test")
    for i, p in enumerate(pictures):
        p.image().save(folder / f"gallery-{i:04d}.png")
    edits = [t for t in world.make_triplets(4 * COLOUR_EDITS, EDIT_SEED, "test", kinds=("colour",))
             if len(t.reference.scene.groups) == 1][:COLOUR_EDITS]
    for i, t in enumerate(edits):
        t.reference.image().save(folder / f"edit-{i:04d}-reference.png")
        t.target.image().save(folder / f"edit-{i:04d}-target.png")
    return pictures, edits


def _open(home: Path, folder: Path, weights: Path, pictures, edits, runtime: str = "torch") -> WorldLibrary:
    from core.library import Library

    lib = Library(home, model=MODEL_NAME, weights=weights, device="cpu", runtime=runtime)
    lib.index([folder])  # nothing to do when the library was indexed already
    gallery = [lib.engine().context.resolve_file(str(folder / f"gallery-{i:04d}.png")) for i in range(len(pictures))]
    scenes = {fid: p.scene for fid, p in zip(gallery, pictures, strict=True)}
    refs = []
    for i, t in enumerate(edits):
        ref = lib.engine().context.resolve_file(str(folder / f"edit-{i:04d}-reference.png"))
        target = lib.engine().context.resolve_file(str(folder / f"edit-{i:04d}-target.png"))
        scenes[ref] = t.reference.scene
        scenes[target] = t.target.scene
        refs.append((t, ref, target))
    return WorldLibrary(lib, folder, scenes, gallery, refs)


@pytest.fixture(scope="module")
def world_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("world-compose") / "pictures"
    return folder, *_write(folder)


@pytest.fixture(scope="module")
def trained_home(world_files, tmp_path_factory):
    """The world pictures indexed once, with open_clip on torch."""
    if not WEIGHTS.exists():
        pytest.fail(f"{WEIGHTS} is missing: it is a committed test asset (python -m tests.quality.train)")
    folder, pictures, edits = world_files
    home = tmp_path_factory.mktemp("trained-lib")
    _open(home, folder, WEIGHTS, pictures, edits).lib.close()
    return home


@pytest.fixture(scope="module", params=["torch", "onnx"])
def trained(request, world_files, trained_home):
    """That library queried with torch, and with the ONNX export on ONNX Runtime (same vector space)."""
    folder, pictures, edits = world_files
    weights = request.getfixturevalue("world_export").folder if request.param == "onnx" else WEIGHTS
    wl = _open(trained_home, folder, weights, pictures, edits, runtime=request.param)
    assert wl.lib.models.encoder.runtime == request.param
    yield wl
    wl.lib.close()


# ----- the measures -------------------------------------------------------------------------------

def _shows(scene: world.Scene, colour: str, shape: str) -> bool:
    return any((g.colour, g.shape) == (colour, shape) for g in scene.groups)


def composed_direction(wl: WorldLibrary) -> dict[str, float]:
    """For "now in green" on a red star: how often the green star made from it is in each top 5.

    Image-only results show red stars (the reference's look-alikes), text-only results
    green things of any shape; the composed query must find the edited picture far more
    often than either.
    """
    found: dict[str, list[bool]] = {"composed": [], "image only": [], "text only": []}
    for t, ref, target in wl.edits:
        runs = {"composed": wl.lib.compose(ref, t.change, n=5),
                "image only": wl.lib.similar(ref, n=5),
                "text only": [h for h in wl.lib.search(t.change, n=6) if h.file.id != ref][:5]}
        for name, hits in runs.items():
            found[name].append(target in {h.file.id for h in hits})
    return {name: float(np.mean(v)) for name, v in found.items()}


def _object_queries(wl: WorldLibrary) -> list[tuple[str, str, str, set[int]]]:
    found: dict[tuple[str, str], set[int]] = {}
    for fid in wl.gallery:
        for g in wl.scenes[fid].groups:
            found.setdefault((g.colour, g.shape), set()).add(fid)
    return [(c, s, world.object_query(c, s), ids) for (c, s), ids in sorted(found.items()) if len(ids) >= 3]


def avoided_background(wl: WorldLibrary) -> tuple[float, float, float, float]:
    """"a green star -\"blue background\"" (the commonest background of green stars): the share of
    the top 10 on that background without and with the minus, and the share showing green stars
    without and with it."""
    from core.search.engine import Filters

    only_gallery = Filters(folder=str(wl.folder))
    before, after, shown, kept = [], [], [], []
    for colour, shape, text, ids in _object_queries(wl):
        backgrounds = [wl.scenes[f].background for f in ids]
        common = max(sorted(set(backgrounds)), key=backgrounds.count)
        plain = wl.lib.search(text, n=10, filters=only_gallery)
        avoiding = wl.lib.search(f'{text} -"{common} background"', n=10, filters=only_gallery)
        before.append(np.mean([wl.scenes[h.file.id].background == common for h in plain]))
        after.append(np.mean([wl.scenes[h.file.id].background == common for h in avoiding]))
        shown.append(np.mean([_shows(wl.scenes[h.file.id], colour, shape) for h in plain]))
        kept.append(np.mean([_shows(wl.scenes[h.file.id], colour, shape) for h in avoiding]))
    return tuple(float(np.mean(v)) for v in (before, after, shown, kept))


def feedback_gain(wl: WorldLibrary) -> tuple[float, float]:
    """Recall@10 of "a green star" queries before and after one round of simulated feedback."""
    from core.search.engine import Filters

    before, after = [], []
    for _, _, text, relevant in _object_queries(wl):
        session = wl.lib.session(Filters(folder=str(wl.folder)))
        shown = [h.file.id for h in session.text(text, n=10)]
        before.append(len(relevant & set(shown)) / min(10, len(relevant)))
        for fid in shown:
            session.mark(fid, fid in relevant)
        after.append(len(relevant & {h.file.id for h in session.refine()}) / min(10, len(relevant)))
    return float(np.mean(before)), float(np.mean(after))


def region_hits(wl: WorldLibrary, tmp: Path, pairs: int = 30) -> tuple[float, float]:
    """Two gallery scenes re-rendered side by side: R@5 of the left scene with a box on it, and without."""
    rng = np.random.default_rng(0)
    boxed, whole = [], []
    for i in range(pairs):
        a, b = (int(j) for j in rng.choice(len(wl.gallery), 2, replace=False))
        sa, sb = wl.scenes[wl.gallery[a]], wl.scenes[wl.gallery[b]]
        canvas = Image.new("RGB", (256, 128))
        canvas.paste(world.render(sa, f"again/{i}/a"), (0, 0))
        canvas.paste(world.render(sb, f"again/{i}/b"), (128, 0))
        path = tmp / f"halves-{i}.png"
        canvas.save(path)
        boxed.append(any(wl.scenes[h.file.id] == sa for h in wl.lib.similar(path, n=5, box=(0, 0, 128, 128))))
        whole.append(any(wl.scenes[h.file.id] == sa for h in wl.lib.similar(path, n=5)))
    return float(np.mean(boxed)), float(np.mean(whole))


def explain_on_object(wl: WorldLibrary) -> float:
    """Two-group gallery scenes, one query per group: share of best boxes centred on that group's half."""
    inside = {"left": lambda x, y: x < 64, "right": lambda x, y: x >= 64,
              "top": lambda x, y: y < 64, "bottom": lambda x, y: y >= 64}
    correct = []
    for fid in wl.gallery[:120]:
        scene = wl.scenes[fid]
        if len(scene.groups) == 2:
            for g in scene.groups:
                x0, y0, x1, y1 = wl.lib.explain(fid, world.object_query(g.colour, g.shape)).box
                correct.append(inside[g.position]((x0 + x1) / 2, (y0 + y1) / 2))
    return float(np.mean(correct))


# ----- the tests ----------------------------------------------------------------------------------

def test_quality_composed_results_move_from_both_image_and_text_towards_the_edit(trained):
    found = composed_direction(trained)
    assert found["composed"] >= MARKS["composed finds the target"], found
    assert found["composed"] >= found["image only"] + MARKS["composed over image only"], found
    assert found["composed"] >= found["text only"] + MARKS["composed over text only"], found


def test_quality_avoided_words_remove_what_they_name(trained):
    before, after, shown, kept = avoided_background(trained)
    assert before > 0 and after <= before * MARKS["avoided left (share of before)"], (before, after)
    assert shown > 0 and kept >= shown * MARKS["asked-for kept (share of before)"], (shown, kept)


def test_quality_a_feedback_round_finds_more(trained):
    before, after = feedback_gain(trained)
    assert after >= before + MARKS["feedback gain"], (before, after)


def test_quality_region_search_finds_the_half(trained, tmp_path):
    boxed, whole = region_hits(trained, tmp_path)
    assert boxed >= MARKS["region R@5"] and boxed > whole, (boxed, whole)


def test_quality_explain_points_at_the_named_object(trained):
    assert explain_on_object(trained) >= MARKS["explain on object"]


def test_quality_random_weights_fail_the_compose_marks(world_files, tmp_path_factory, tmp_path):
    from tests.bench._common import random_weights
    from tests.quality.model import register_configs

    register_configs()
    folder, pictures, edits = world_files
    weights = random_weights(MODEL_NAME, tmp_path_factory.mktemp("random-weights"), seed=12345)
    wl = _open(tmp_path_factory.mktemp("random-lib"), folder, weights, pictures, edits)
    try:
        found = composed_direction(wl)
        before, after, shown, kept = avoided_background(wl)
        fb_before, fb_after = feedback_gain(wl)
        boxed, _ = region_hits(wl, tmp_path)
        passed = {
            "composed finds the target": found["composed"] >= MARKS["composed finds the target"]
            and found["composed"] >= found["image only"] + MARKS["composed over image only"]
            and found["composed"] >= found["text only"] + MARKS["composed over text only"],
            "avoided words": before > 0 and after <= before * MARKS["avoided left (share of before)"]
            and shown > 0 and kept >= shown * MARKS["asked-for kept (share of before)"],
            "feedback gain": fb_after >= fb_before + MARKS["feedback gain"],
            "region R@5": boxed >= MARKS["region R@5"],
            "explain on object": explain_on_object(wl) >= MARKS["explain on object"],
        }
    finally:
        wl.lib.close()
    assert not any(passed.values()), f"random weights reach the pass mark of {[k for k, v in passed.items() if v]}"
