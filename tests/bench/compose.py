"""Composed edits, relevance feedback, negative terms, regions and explanations: the figures.

    python tests/bench/compose.py [SECTION ...] [--world-weights PATH]

Quality is measured with the project's trained MediaLens-World model on the
generated world, on "test"-split items with seeds that training and the quality
tests never use. The choices in the engine (default method, balances, the
inversion template and step budget, Rocchio weights, the weight of avoided
terms, the near-duplicate threshold) are made on DEV seeds by the sweep
sections; the report sections use other seeds. `tests/bench/quality.py` runs
`composed_methods`, `cirr_pipeline` and `feedback_rounds` as part of the quality report.

Composed protocol (as `tests/quality/measures.composed_recall`, after CIRR): the
gallery is every reference and target of the triplet set, a query's own
reference is taken out, and a hit is any picture showing the target's scene.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from core.search import compose, feedback, inversion, query  # noqa: E402
from tests.bench._common import machine, random_weights  # noqa: E402
from tests.bench.quality import Table, load_encoder  # noqa: E402
from tests.quality import world  # noqa: E402
from tests.quality.metrics import recall_at_k, relevance  # noqa: E402
from tests.quality.model import MODEL_NAME, WEIGHTS  # noqa: E402

#: The pseudo-words made so far (a search context keeps its own; the bench has none)
INVERSIONS = inversion.InversionCache()

CIRR = REPO.parent / "shared" / "data" / "cir"
DEV_SEED = 4_400_001  # sweeps choose on these
REPORT_SEED = 4_400_002  # this module's own report sections
KS = (1, 5, 10)


# ----- composed retrieval on triplets --------------------------------------------------------------

@dataclass
class Triplets:
    items: list[world.Triplet]
    references: np.ndarray
    targets: np.ndarray

    def recall(self, queries: np.ndarray) -> dict[int, float]:
        n = len(self.items)
        gallery = np.concatenate([self.targets, self.references])
        keys = [t.target.scene for t in self.items] + [t.reference.scene for t in self.items]
        relevant = relevance([t.target.scene for t in self.items], keys)
        relevant[np.arange(n), n + np.arange(n)] = False
        scores = queries @ gallery.T
        scores[np.arange(n), n + np.arange(n)] = -np.inf  # the query's own reference
        return recall_at_k(scores, relevant, KS)

    def hits_at_1(self, queries: np.ndarray) -> np.ndarray:
        """Per triplet: is the first result right?"""
        n = len(self.items)
        scores = queries @ np.concatenate([self.targets, self.references]).T
        scores[np.arange(n), n + np.arange(n)] = -np.inf
        best = np.argmax(scores, axis=1)
        keys = [t.target.scene for t in self.items] + [t.reference.scene for t in self.items]
        return np.array([keys[b] == t.target.scene for b, t in zip(best, self.items, strict=True)])


_triplet_cache: dict[tuple[int, int], Triplets] = {}


def triplets(encoder: Any, n: int, seed: int) -> Triplets:
    if (n, seed) not in _triplet_cache:
        items = world.make_triplets(n, seed, "test")
        _triplet_cache[n, seed] = Triplets(items, encoder.encode_images([t.reference.image() for t in items]),
                                           encoder.encode_images([t.target.image() for t in items]))
    return _triplet_cache[n, seed]


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


Variant = tuple[str, float | None, int | None]  # method, balance, inversion steps (None: defaults)


def variant_queries(encoder: Any, ts: Triplets, variants: Sequence[Variant]) -> list[np.ndarray]:
    """Query vectors per variant; references outermost, so each pseudo-word is fitted once (then cached)."""
    rows: list[list[np.ndarray]] = [[] for _ in variants]
    for r, t in zip(ts.references, ts.items, strict=True):
        for out, (method, balance, steps) in zip(rows, variants, strict=True):
            out.append(compose.compose_vector(encoder, r, t.change, compose.METHODS[method], balance, steps,
                                              INVERSIONS))
    return [np.stack(out) for out in rows]


def baseline_queries(encoder: Any, ts: Triplets) -> dict[str, np.ndarray]:
    ref_captions = encoder.encode_texts([t.reference_caption for t in ts.items])
    target_captions = encoder.encode_texts([t.target_caption for t in ts.items])
    return {
        "image only": ts.references,
        "text only": encoder.encode_texts([t.change for t in ts.items]),
        "oracle: target caption": target_captions,
        "oracle: image + (target caption - reference caption)": _unit(ts.references + target_captions
                                                                       - ref_captions),
    }


def composed_methods(encoder: Any, n: int, seed: int = REPORT_SEED) -> Table:
    """R@1/5/10 per composition method at its default balance, beside baselines and oracles."""
    ts = triplets(encoder, n, seed)
    table = Table("composed retrieval by method (own reference excluded; gallery: all references and targets)",
                  ["method", "R@1", "R@5", "R@10"])
    for name, q in baseline_queries(encoder, ts).items():
        table.rows.append([name, *ts.recall(q).values()])
    per_kind = []
    queries = variant_queries(encoder, ts, [(name, None, None) for name in compose.METHODS])
    for (name, m), q in zip(compose.METHODS.items(), queries, strict=True):
        mark = ", the default" if name == compose.DEFAULT_METHOD else ""
        table.rows.append([f"{name} (balance {m.balance}{mark})", *ts.recall(q).values()])
        hit = ts.hits_at_1(q)
        kinds = [t.kind for t in ts.items]
        per_kind.append(f"{name}: " + ", ".join(
            f"{k} {np.mean([h for h, kk in zip(hit, kinds, strict=True) if kk == k]):.2f}" for k in world.EDIT_KINDS))
    table.notes.append(f"{n} held-out triplets of {len(world.EDIT_KINDS)} edit kinds (seed {seed}); "
                       f"textual inversion: {inversion.default_steps('cpu')} steps (the CPU budget)")
    table.notes.append("R@1 by edit kind:")
    table.notes += [f"  {line}" for line in per_kind]
    return table


def cirr_pipeline(encoder: Any) -> Table | str:
    """The 12 real CIRR triplets through `Library.compose`: a pipeline check, not a quality figure."""
    from core.library import Library

    if not (CIRR / "triplets.json").exists():
        return f"CIRR skipped: {CIRR} not found (no ../shared/data beside the repository)"
    items = json.loads((CIRR / "triplets.json").read_text())
    folder = Path(tempfile.mkdtemp(prefix="medialens-bench-cirr-"))
    try:
        shutil.copytree(CIRR / "images", folder / "images")
        lib = Library(folder / "library", model=encoder.name, weights=encoder.weights, device="cpu")
        lib.index([folder / "images"])
        table = Table(f"composed retrieval, {len(items)} real CIRR triplets through Library.compose "
                      f"(gallery: their {len(list((folder / 'images').iterdir()))} images)",
                      ["method", "R@1", "R@5", "R@10"])
        for name in ("image only", *compose.METHODS):
            ranks = []
            for t in items:
                ref = folder / "images" / Path(t["reference"]).name
                target = lib.engine().context.resolve_file(str(folder / "images" / Path(t["target"]).name))
                hits = (lib.similar(ref, n=20) if name == "image only" else lib.compose(ref, t["change"], n=20,
                                                                                       method=name))
                ids = [h.file.id for h in hits]
                ranks.append(ids.index(target) if target in ids else len(items))
            table.rows.append([name, *(float(np.mean(np.asarray(ranks) < k)) for k in KS)])
        if encoder.name == MODEL_NAME:
            table.notes.append("the world model has never seen a photo: these numbers only show that the "
                               "pipeline runs end to end on real files")
        lib.close()
        return table
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def balance_sweep(encoder: Any, n: int = 180, seed: int = DEV_SEED) -> Table:
    """R@1 (R@10) per method and balance on DEV seeds: where each method's default balance comes from."""
    ts = triplets(encoder, n, seed)
    balances = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    table = Table("composed R@1 (R@10) by balance, DEV seeds", ["method", *(f"b={b}" for b in balances)])
    queries = iter(variant_queries(encoder, ts, [(m, b, None) for m in compose.METHODS for b in balances]))
    for name in compose.METHODS:
        cells = []
        for _ in balances:
            r = ts.recall(next(queries))
            cells.append(f"{r[1]:.2f} ({r[10]:.2f})")
        table.rows.append([name, *cells])
    table.notes.append(f"{n} triplets, seed {seed}")
    return table


TEMPLATES = (("a photo of *", "a photo of *, {change}"), ("*", "*, {change}"), ("*", "* {change}"),
             ("a photo of *", "a photo of * {change}"))


def inversion_templates(encoder: Any, n: int = 180, seed: int = DEV_SEED) -> Table:
    """The captions the pseudo-word is fitted in and changed in, on DEV seeds."""
    ts = triplets(encoder, n, seed)
    table = Table("textual inversion templates, composed R@1 on DEV seeds",
                  ["fit caption", "change caption", "fit (cos)", "inversion", "inversion-direction"])
    saved = inversion.TEMPLATE, inversion.CHANGE_TEMPLATE
    try:
        for fit_caption, change_caption in TEMPLATES:
            inversion.TEMPLATE, inversion.CHANGE_TEMPLATE = fit_caption, change_caption
            queries = variant_queries(encoder, ts, [("inversion", None, None), ("inversion-direction", None, None)])
            fit = np.mean([INVERSIONS.get(encoder, r).fit for r in ts.references[:50]])
            table.rows.append([fit_caption, change_caption, float(fit), *(ts.recall(q)[1] for q in queries)])
    finally:
        inversion.TEMPLATE, inversion.CHANGE_TEMPLATE = saved
    return table


def _median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times)


def inversion_budget(encoder: Any, n: int = 90, seed: int = DEV_SEED,
                     steps: Sequence[int] = (0, 5, 10, 20, 40, 80, 160, 320)) -> Table:
    """Composed R@1 and CPU latency of textual inversion by optimisation steps (DEV seeds)."""
    ts = triplets(encoder, n, seed)
    table = Table(f"textual inversion budget ({machine()})",
                  ["steps", "fit (cos)", "inversion R@1", "inversion-direction R@1", "ms per reference"])
    for s in steps:
        queries = variant_queries(encoder, ts, [("inversion", None, s), ("inversion-direction", None, s)])
        fit = np.mean([INVERSIONS.get(encoder, r, s).fit for r in ts.references[-50:]])
        table.rows.append([s, float(fit), *(ts.recall(q)[1] for q in queries),
                           round(_median_ms(lambda s=s: inversion.invert(encoder, ts.references[0], s), 3), 1)])
    table.notes.append(f"{n} triplets, seed {seed}; learning rate {inversion.LEARNING_RATE} x the vocabulary's "
                       f"spread, {inversion.RESTARTS} restarts side by side")
    return table


def inversion_latency_vit_b32(steps: Sequence[int] = (10, 20, 40, 80)) -> Table:
    """What the inversion costs with a real-size text tower (ViT-B-32, random weights: timing only)."""
    from core.models.embed import Encoder

    enc = Encoder("ViT-B-32", weights=random_weights("ViT-B-32"), device="cpu").load()
    target = _unit(np.random.default_rng(0).standard_normal(enc.dim).astype(np.float32))
    table = Table(f"textual inversion latency, ViT-B-32 text tower ({machine()})", ["steps", "ms per reference"])
    inversion.invert(enc, target, 1)  # warm-up
    for s in steps:
        table.rows.append([s, round(_median_ms(lambda s=s: inversion.invert(enc, target, s), 3))])
    word = inversion.invert(enc, target, 1)
    table.rows.append(["then each change text", round(_median_ms(
        lambda: inversion.encode_with_word(enc, word, ["a photo of *, at night"])), 1)])
    return table


def near_duplicates(encoder: Any, n: int = 450, seed: int = DEV_SEED) -> Table:
    """Which threshold tells re-encoded copies of a reference from its edited targets (DEV seeds)."""
    ts = triplets(encoder, n, seed)
    pictures = [t.reference.image() for t in ts.items]
    copies = {
        "JPEG q85 copy": encoder.encode_images([world.jpeg_roundtrip(p, 85) for p in pictures]),
        "resized to 75 %, JPEG q40": encoder.encode_images([world.jpeg_roundtrip(p.resize((96, 96)), 40)
                                                            for p in pictures]),
    }
    targets = np.sum(ts.references * ts.targets, axis=1)
    calibrated = compose.calibrated_threshold(compose.copy_similarity(encoder, pictures[:compose.CALIBRATION_PHOTOS]))
    table = Table("near-duplicates: share of pairs at or above a cosine threshold, DEV seeds",
                  ["threshold", *(f"{name} (excluded)" for name in copies), "targets (lost)"])
    for threshold in (0.95, 0.97, 0.98, 0.99, 0.995, calibrated):
        label = f"{threshold:.4f} (calibrated)" if threshold == calibrated else threshold
        table.rows.append([label, *(float(np.mean(np.sum(c * ts.references, axis=1) >= threshold))
                                    for c in copies.values()), float(np.mean(targets >= threshold))])
    lost = {k: float(np.mean(targets[[t.kind == k for t in ts.items]] >= calibrated)) for k in world.EDIT_KINDS}
    table.notes.append(f"{n} triplets; calibrated as the engine does on {compose.CALIBRATION_PHOTOS} pictures "
                       f"(half-size JPEG q50 copies); targets lost there by edit kind: "
                       + ", ".join(f"{k} {v:.2f}" for k, v in lost.items()))
    return table


# ----- libraries over world pictures (pipeline figures) --------------------------------------------

@dataclass
class WorldLibrary:
    lib: Any
    scenes: dict[int, world.Scene]  # file id -> scene
    ids: list[int]  # file id of picture i
    pictures: list[world.Picture]
    folder: Path


def world_library(encoder: Any, pictures: list[world.Picture], folder: Path) -> WorldLibrary:
    from core.library import Library

    (folder / "pictures").mkdir(parents=True)
    for i, p in enumerate(pictures):
        p.image().save(folder / "pictures" / f"{i:05d}.png")
    lib = Library(folder / "library", model=encoder.name, weights=encoder.weights, device="cpu")
    lib.index([folder / "pictures"])
    ids = [lib.engine().context.resolve_file(str(folder / "pictures" / f"{i:05d}.png")) for i in range(len(pictures))]
    return WorldLibrary(lib, {fid: p.scene for fid, p in zip(ids, pictures, strict=True)}, ids, pictures, folder)


def _object_queries(wl: WorldLibrary, minimum: int = 1) -> list[tuple[str, set[int]]]:
    """"a green star" for every colour and shape some pictures show; relevant: those pictures."""
    found: dict[tuple[str, str], set[int]] = {}
    for fid, scene in wl.scenes.items():
        for g in scene.groups:
            found.setdefault((g.colour, g.shape), set()).add(fid)
    return [(world.object_query(c, s), ids) for (c, s), ids in sorted(found.items()) if len(ids) >= minimum]


def _simulate(start: Callable[[], list], session: Any, relevant: set[int], rounds: int, k: int = 10) -> list[float]:
    """Recall@k after each round; the simulated user judges every result shown in the top k."""
    hits = start()
    out = []
    for r in range(rounds + 1):
        shown = [h.file.id for h in hits[:k]]
        out.append(len(relevant & set(shown)) / min(k, len(relevant)))
        if r < rounds:
            for fid in shown:
                session.mark(fid, fid in relevant)
            hits = session.refine(n=k)
    return out


def _feedback_runs(wl: WorldLibrary, rounds: int) -> np.ndarray:
    runs = []
    for text, relevant in _object_queries(wl):
        session = wl.lib.session()
        runs.append(_simulate(lambda s=session, q=text: s.text(q, n=10), session, relevant, rounds))
    return np.asarray(runs)


def feedback_rounds(encoder: Any, size: int = 1000, n_triplets: int = 90, seed: int = REPORT_SEED,
                    rounds: int = 2) -> Table:
    """Recall@10 after 0, 1 and 2 rounds of simulated feedback, from text and from composed queries."""
    table = Table("relevance feedback: recall@10 after each round (simulated user judges the top 10)",
                  ["start", "queries", *(f"round {r}" for r in range(rounds + 1))])
    with tempfile.TemporaryDirectory(prefix="medialens-bench-feedback-") as tmp:
        wl = world_library(encoder, world.make_pictures(size, seed, "test"), Path(tmp) / "gallery")
        runs = _feedback_runs(wl, rounds)
        table.rows.append(["text: \"a green star\" (all pictures with one)", len(runs), *runs.mean(axis=0)])
        ts = triplets(encoder, n_triplets, seed)
        tl = world_library(encoder, [p for t in ts.items for p in (t.reference, t.target)], Path(tmp) / "triplets")
        runs = []
        for i, t in enumerate(ts.items):
            ref = tl.ids[2 * i]
            relevant = {fid for fid, scene in tl.scenes.items() if scene == t.target.scene and fid != ref}
            session = tl.lib.session()
            runs.append(_simulate(lambda s=session, r=ref, c=t.change: s.compose(r, c, n=10), session, relevant,
                                  rounds))
        table.rows.append(["composed: the target's scene (default method)", len(runs),
                           *np.asarray(runs).mean(axis=0)])
        wl.lib.close()
        tl.lib.close()
    table.notes.append(f"Rocchio alpha {feedback.ALPHA}, beta {feedback.BETA}, gamma {feedback.GAMMA}; results "
                       f"marked not relevant stay out of later rounds; {size} gallery pictures (seed {seed})")
    return table


def feedback_weights(encoder: Any, size: int = 1000, seed: int = DEV_SEED) -> Table:
    """Recall@10 after 1 and 2 rounds by Rocchio weights, on DEV seeds."""
    table = Table("Rocchio weights: recall@10 after rounds 1 and 2, DEV seeds",
                  ["alpha", "beta", "gamma", "round 0", "round 1", "round 2"])
    saved = feedback.ALPHA, feedback.BETA, feedback.GAMMA
    with tempfile.TemporaryDirectory(prefix="medialens-bench-rocchio-") as tmp:
        wl = world_library(encoder, world.make_pictures(size, seed, "test"), Path(tmp))
        try:
            for alpha in (1.0, 0.5, 0.25):
                for beta in (0.25, 0.5, 1.0, 2.0):
                    for gamma in (0.0, 0.25, 0.5, 1.0):
                        feedback.ALPHA, feedback.BETA, feedback.GAMMA = alpha, beta, gamma
                        table.rows.append([alpha, beta, gamma, *_feedback_runs(wl, 2).mean(axis=0)])
        finally:
            feedback.ALPHA, feedback.BETA, feedback.GAMMA = saved
            wl.lib.close()
    return table


def negative_terms(encoder: Any, size: int = 1000, seed: int = DEV_SEED) -> Table:
    """Avoided terms by weight, on DEV seeds.

    "a green star -\"blue background\"": how many of the top 10 are on a blue background
    (lower is better) and how many still show a green star. "a star -green": how many
    show something green, and how many still show a star.
    """
    table = Table("negative terms by weight: share of the top 10 (avoided / asked for), DEV seeds",
                  ["weight", "-\"<bg> background\": avoided", "kept", "-<colour>: avoided", "kept"])
    with tempfile.TemporaryDirectory(prefix="medialens-bench-negative-") as tmp:
        wl = world_library(encoder, world.make_pictures(size, seed, "test"), Path(tmp))
        engine = wl.lib.engine()
        cases: dict[str, list] = {"background": [], "colour": []}
        for text, relevant in _object_queries(wl, minimum=3):
            backgrounds = [wl.scenes[f].background for f in relevant]
            common = max(set(backgrounds), key=backgrounds.count)
            cases["background"].append((text, f"{common} background", relevant,
                                        lambda s, b=common: s.background == b))
        for shape in world.SHAPES:
            for colour in world.COLOURS:
                keep = {f for f, s in wl.scenes.items() if any(g.shape == shape for g in s.groups)}
                cases["colour"].append((f"a {shape}", colour, keep,
                                        lambda s, c=colour: any(g.colour == c for g in s.groups)))
        for weight in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5):
            row: list = [weight]
            for kind in ("background", "colour"):
                avoided, kept = [], []
                for text, avoid, keep, named in cases[kind]:
                    vec = query.avoid_terms(encoder.encode_texts([text])[0], (avoid,), encoder.encode_texts, weight)
                    hits = engine.by_vector(vec, 10)
                    avoided.append(np.mean([named(wl.scenes[h.file.id]) for h in hits]))
                    kept.append(np.mean([h.file.id in keep for h in hits]))
                row += [float(np.mean(avoided)), float(np.mean(kept))]
            table.rows.append(row)
        wl.lib.close()
    return table


def regions(encoder: Any, size: int = 1000, pairs: int = 200, seed: int = REPORT_SEED) -> Table:
    """Two scenes re-rendered (new layouts) side by side: does a box on the left half find its scene?"""
    table = Table("region search: two scenes side by side, query by the left one", ["query", "R@1", "R@5", "R@10"])
    with tempfile.TemporaryDirectory(prefix="medialens-bench-regions-") as tmp:
        wl = world_library(encoder, world.make_pictures(size, seed, "test"), Path(tmp))
        rng = np.random.default_rng(seed)
        found: dict[str, list[int]] = {"box on the left half": [], "whole picture (no box)": []}
        path = Path(tmp) / "halves.png"
        for _ in range(pairs):
            a, b = (wl.pictures[int(i)] for i in rng.choice(len(wl.pictures), 2, replace=False))
            canvas = Image.new("RGB", (256, 128))
            canvas.paste(world.render(a.scene, a.seed + "/again"), (0, 0))
            canvas.paste(world.render(b.scene, b.seed + "/again"), (128, 0))
            canvas.save(path)
            for label, box in (("box on the left half", (0, 0, 128, 128)), ("whole picture (no box)", None)):
                hits = wl.lib.similar(path, n=10, box=box)
                found[label].append(next((r for r, h in enumerate(hits) if wl.scenes[h.file.id] == a.scene), 10))
        for label, ranks in found.items():
            table.rows.append([label, *(float(np.mean(np.asarray(ranks) < k)) for k in KS)])
        wl.lib.close()
    table.notes.append(f"{pairs} pairs over a {size}-picture gallery; a hit shows the left scene")
    return table


def explanations(encoder: Any, size: int = 300, seed: int = REPORT_SEED) -> Table:
    """Two-group scenes, one query per group: does the best box lie on the half the group is in?"""
    halves = {"left": lambda x, y: x < 64, "right": lambda x, y: x >= 64,
              "top": lambda x, y: y < 64, "bottom": lambda x, y: y >= 64}
    table = Table("explain: best box on the object the query names (two-group scenes)",
                  ["queries", "on the named group", "chance", "median ms"])
    with tempfile.TemporaryDirectory(prefix="medialens-bench-explain-") as tmp:
        wl = world_library(encoder, world.make_pictures(size, seed, "test"), Path(tmp))
        correct, times = [], []
        for fid, scene in wl.scenes.items():
            if len(scene.groups) != 2:
                continue
            for g in scene.groups:
                t = time.perf_counter()
                x0, y0, x1, y1 = wl.lib.explain(fid, world.object_query(g.colour, g.shape)).box
                times.append(1000 * (time.perf_counter() - t))
                correct.append(halves[g.position]((x0 + x1) / 2, (y0 + y1) / 2))
        table.rows.append([len(correct), float(np.mean(correct)), 0.5, round(statistics.median(times), 1)])
        wl.lib.close()
    return table


def explain_latency_vit_b32() -> Table:
    """Explaining one 4:3 photo with ViT-B-32 on this CPU (random weights: timing only)."""
    from core.models.embed import Encoder
    from core.search.explain import explain_image

    enc = Encoder("ViT-B-32", weights=random_weights("ViT-B-32"), device="cpu").load()
    img = Image.new("RGB", (1024, 768), (90, 120, 150))
    query_vec = _unit(np.random.default_rng(0).standard_normal(enc.dim).astype(np.float32))
    explain_image(enc, img, query_vec)  # warm-up
    table = Table(f"explain latency, ViT-B-32 ({machine()})", ["picture", "windows", "ms"])
    from core.search.explain import grid

    table.rows.append(["1024x768", len(grid(1024, 768)[2]), round(_median_ms(lambda: explain_image(enc, img,
                                                                                                  query_vec), 3))])
    return table


SECTIONS: dict[str, Callable[[Any], Table | str]] = {
    "composed": lambda enc: composed_methods(enc, 450),
    "cirr": cirr_pipeline,
    "balance": balance_sweep,
    "templates": inversion_templates,
    "budget": inversion_budget,
    "budget-vit": lambda enc: inversion_latency_vit_b32(),
    "duplicates": near_duplicates,
    "feedback": feedback_rounds,
    "rocchio": feedback_weights,
    "negative": negative_terms,
    "regions": regions,
    "explain": explanations,
    "explain-vit": lambda enc: explain_latency_vit_b32(),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of {', '.join(SECTIONS)} (default all)")
    parser.add_argument("--world-weights", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}")
    encoder = load_encoder(MODEL_NAME, args.world_weights)
    inversion.TIME_LIMIT_S = float("inf")  # measure step budgets as such, not the engine's safety net
    print(f"# MediaLens composed edits, feedback, regions ({MODEL_NAME}: {args.world_weights.name}; {machine()})")
    for name in args.sections or SECTIONS:
        begun = time.perf_counter()
        result = SECTIONS[name](encoder)
        print(f"{result if isinstance(result, str) else result.render()}\n  ({time.perf_counter() - begun:.0f} s)",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
