"""Composed edits, relevance feedback, negative terms, regions and explanations: the figures.

    PYTHONPATH=. python -m tests.bench.compose [SECTION ...] [--quick]

Quality is measured with the project's trained MediaLens-World model on the
generated world (tests/quality/world.py), on "test"-split items whose seeds
training and the quality tests never use. Choices (default method, balances,
textual-inversion template and budget, Rocchio weights, the weight of avoided
terms) are made on DEV seeds; the tables report TEST seeds. Every section is a
function returning rows (dicts), so tests/bench/quality.py can include them.

Composed protocol (as in tests/quality/measures.py, after CIRR): the gallery is
every reference and target of the triplet set, a query's own reference is taken
out, and a hit is any gallery picture showing the target's scene.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from core import compose, feedback, inversion, query
from core.embed import Encoder
from tests.quality import world

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO / "tests" / "quality" / "medialens-world.safetensors"
CIRR = REPO.parent / "shared" / "data" / "cir"
DEV_SEED, TEST_SEED = 4_400_001, 4_400_002
KS = (1, 5, 10)

# ----- shared set-up -------------------------------------------------------------------------------


@cache
def world_encoder() -> Encoder:
    if not WEIGHTS.exists():
        raise SystemExit(f"{WEIGHTS} is missing: the world model is needed for quality figures")
    return Encoder("MediaLens-World", weights=WEIGHTS, device="cpu").load()


@dataclass
class TripletSet:
    triplets: list[world.Triplet]
    references: np.ndarray
    targets: np.ndarray

    @property
    def gallery(self) -> np.ndarray:
        return np.concatenate([self.targets, self.references])


@cache
def triplet_set(seed: int, per_kind: int) -> TripletSet:
    enc = world_encoder()
    triplets = world.make_triplets(per_kind * len(world.EDIT_KINDS), seed, "test")
    return TripletSet(triplets, enc.encode_images([t.reference.image() for t in triplets]),
                      enc.encode_images([t.target.image() for t in triplets]))


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def composed_ranks(ts: TripletSet, queries: np.ndarray) -> np.ndarray:
    """The rank (0 = first) of the first correct picture for each triplet's query."""
    n = len(ts.triplets)
    keys = [t.target.scene for t in ts.triplets] + [t.reference.scene for t in ts.triplets]
    scores = queries @ ts.gallery.T
    scores[np.arange(n), n + np.arange(n)] = -np.inf  # the query's own reference
    ranks = []
    for i, t in enumerate(ts.triplets):
        order = np.argsort(-scores[i], kind="stable")
        ranks.append(next(r for r, j in enumerate(order) if keys[j] == t.target.scene))
    return np.asarray(ranks)


def recall(ranks: np.ndarray) -> dict[str, float]:
    return {f"R@{k}": round(100 * float(np.mean(ranks < k)), 1) for k in KS}


def method_queries(ts: TripletSet, method: str, balance: float | None = None,
                   steps: int | None = None) -> np.ndarray:
    enc = world_encoder()
    chosen = compose.METHODS[method]
    return np.stack([compose.compose_vector(enc, r, t.change, chosen, balance, steps)
                     for r, t in zip(ts.references, ts.triplets, strict=True)])


def baseline_queries(ts: TripletSet) -> dict[str, np.ndarray]:
    enc = world_encoder()
    changes = enc.encode_texts([t.change for t in ts.triplets])
    ref_caps = enc.encode_texts([t.reference_caption for t in ts.triplets])
    tgt_caps = enc.encode_texts([t.target_caption for t in ts.triplets])
    return {
        "image only": ts.references,
        "text only": changes,
        "oracle: target caption": tgt_caps,
        "oracle: reference + (target caption - reference caption)": _unit(ts.references + tgt_caps - ref_caps),
    }


def _timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of `fn` in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


# ----- composed edits ------------------------------------------------------------------------------

def composed(per_kind: int = 50, seed: int = TEST_SEED) -> list[dict]:
    """R@1/5/10 of every method at its default balance and of the baselines (TEST seeds)."""
    ts = triplet_set(seed, per_kind)
    rows = [{"method": name, **recall(composed_ranks(ts, q))} for name, q in baseline_queries(ts).items()]
    for name in compose.METHODS:
        ranks = composed_ranks(ts, method_queries(ts, name))
        default = " (default)" if name == compose.DEFAULT_METHOD else ""
        rows.append({"method": f"{name}, balance {compose.METHODS[name].balance}{default}", **recall(ranks)})
    return rows


def composed_by_kind(per_kind: int = 50, seed: int = TEST_SEED) -> list[dict]:
    """R@1 per edit kind for each method: where each composition helps."""
    ts = triplet_set(seed, per_kind)
    kinds = [t.kind for t in ts.triplets]
    rows = []
    baselines = baseline_queries(ts)
    candidates = {"image only": baselines["image only"], "text only": baselines["text only"],
                  **{m: method_queries(ts, m) for m in compose.METHODS}}
    for name, q in candidates.items():
        hit = composed_ranks(ts, q) < 1
        rows.append({"method": name, **{k: round(100 * float(np.mean([h for h, kk in zip(hit, kinds, strict=True)
                                                                       if kk == k])))
                                        for k in world.EDIT_KINDS}})
    return rows


def balance_sweep(per_kind: int = 20, seed: int = DEV_SEED) -> list[dict]:
    """R@1 (R@10) per method and balance on DEV seeds: where each method's default balance comes from."""
    ts = triplet_set(seed, per_kind)
    rows = []
    for name in compose.METHODS:
        row: dict = {"method": name}
        for b in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
            r = recall(composed_ranks(ts, method_queries(ts, name, b)))
            row[f"b={b}"] = f"{r['R@1']:.0f} ({r['R@10']:.0f})"
        rows.append(row)
    return rows


TEMPLATES = (("a photo of *", "a photo of *, {change}"), ("*", "*, {change}"), ("*", "* {change}"),
             ("a photo of *", "a photo of * {change}"))


def inversion_templates(per_kind: int = 20, seed: int = DEV_SEED) -> list[dict]:
    """Which captions the pseudo-word is fitted and changed in (DEV seeds)."""
    ts = triplet_set(seed, per_kind)
    rows = []
    saved = inversion.TEMPLATE, inversion.CHANGE_TEMPLATE
    try:
        for fit_caption, change_caption in TEMPLATES:
            inversion.TEMPLATE, inversion.CHANGE_TEMPLATE = fit_caption, change_caption
            row = {"fit caption": fit_caption, "change caption": change_caption}
            for name in ("inversion", "inversion-direction"):
                row[name] = recall(composed_ranks(ts, method_queries(ts, name)))["R@1"]
            rows.append(row)
    finally:
        inversion.TEMPLATE, inversion.CHANGE_TEMPLATE = saved
    return rows


def inversion_budget(per_kind: int = 10, seed: int = DEV_SEED) -> list[dict]:
    """Quality and CPU latency of textual inversion by optimisation steps."""
    ts = triplet_set(seed, per_kind)
    enc = world_encoder()
    rows = []
    for steps in (0, 5, 10, 20, 40, 80, 160):
        fits = [inversion.invert(enc, r, steps).fit for r in ts.references[:30]]
        row = {"steps": steps, "fit (cos)": round(float(np.mean(fits)), 3)}
        for name in ("inversion", "inversion-direction"):
            row[f"{name} R@1"] = recall(composed_ranks(ts, method_queries(ts, name, steps=steps)))["R@1"]
        row["world ms/reference"] = round(_timed(lambda s=steps: inversion.invert(enc, ts.references[0], s)), 1)
        rows.append(row)
    return rows


def inversion_latency_vit_b32(steps: Sequence[int] = (10, 20, 40, 80)) -> list[dict]:
    """CPU latency of the inversion with ViT-B-32's text tower (random weights: timing only)."""
    import open_clip

    enc = Encoder("ViT-B-32", pretrained="none", device="cpu")
    model = open_clip.create_model("ViT-B-32")
    model.eval()
    enc._model, enc._tokenizer, enc._device, enc._dim = model, open_clip.get_tokenizer("ViT-B-32"), "cpu", 512
    target = _unit(np.random.default_rng(0).standard_normal(512).astype(np.float32))
    rows = []
    for s in steps:
        rows.append({"steps": s, "ViT-B-32 ms/reference": round(_timed(lambda s=s: inversion.invert(enc, target, s),
                                                                       repeat=3), 0)})
    word = inversion.invert(enc, target, 1)
    rows.append({"steps": "encode one changed caption",
                 "ViT-B-32 ms/reference": round(_timed(lambda: inversion.encode_with_word(
                     enc, word, ["a photo of *, at night"])), 1)})
    return rows


def near_duplicates(per_kind: int = 50, seed: int = TEST_SEED) -> list[dict]:
    """How close targets are to their references, against re-encoded copies: the duplicate threshold."""
    ts = triplet_set(seed, per_kind)
    enc = world_encoder()
    ref_target = np.sum(ts.references * ts.targets, axis=1)
    pictures = [t.reference for t in ts.triplets[:100]]
    copies = enc.encode_images([world.jpeg_roundtrip(p.image().resize((100, 100)), 50) for p in pictures])
    originals = ts.references[:100]
    copy_sims = np.sum(copies * originals, axis=1)
    rows = [{"pair": "reference vs target (one edit)", "min": ref_target.min(),
             "p50": np.percentile(ref_target, 50), "p99": np.percentile(ref_target, 99), "max": ref_target.max(),
             f"share >= {compose.DUPLICATE_SIMILARITY}": np.mean(ref_target >= compose.DUPLICATE_SIMILARITY)},
            {"pair": "picture vs resized JPEG q50 copy", "min": copy_sims.min(),
             "p50": np.percentile(copy_sims, 50), "p99": np.percentile(copy_sims, 99), "max": copy_sims.max(),
             f"share >= {compose.DUPLICATE_SIMILARITY}": np.mean(copy_sims >= compose.DUPLICATE_SIMILARITY)}]
    for kind in world.EDIT_KINDS:
        sims = [s for s, t in zip(ref_target, ts.triplets, strict=True) if t.kind == kind]
        rows.append({"pair": f"  {kind} edits", "min": min(sims), "p50": float(np.median(sims)),
                     "p99": float(np.percentile(sims, 99)), "max": max(sims),
                     f"share >= {compose.DUPLICATE_SIMILARITY}": float(np.mean(np.asarray(sims)
                                                                              >= compose.DUPLICATE_SIMILARITY))})
    return [{k: round(float(v), 3) if not isinstance(v, str) else v for k, v in r.items()} for r in rows]


# ----- libraries for pipeline figures --------------------------------------------------------------

@cache
def _library(kind: str, seed: int, size: int):
    """A real library (index, catalog, sessions) over world pictures, and the scene of each file id."""
    from core.library import Library

    folder = Path(tempfile.mkdtemp(prefix=f"medialens-bench-{kind}-"))
    (folder / "pictures").mkdir()
    scenes: dict[str, world.Scene] = {}
    if kind == "gallery":
        pictures = world.make_pictures(size, seed, "test")
    else:
        ts = triplet_set(seed, size)
        pictures = [p for t in ts.triplets for p in (t.reference, t.target)]
    for i, p in enumerate(pictures):
        name = f"{i:05d}.png"
        p.image().save(folder / "pictures" / name)
        scenes[name] = p.scene
    lib = Library(folder / "library", model="MediaLens-World", weights=WEIGHTS, device="cpu")
    lib.index([folder / "pictures"])
    by_id = {lib.resolve_file(str(folder / "pictures" / name)): scene for name, scene in scenes.items()}
    return lib, by_id, pictures, folder


def composed_pipeline(per_kind: int = 50, seed: int = TEST_SEED) -> list[dict]:
    """The default method end to end through Library.compose (reference and near-duplicates excluded)."""
    lib, scenes, _, folder = _library("triplets", seed, per_kind)
    ts = triplet_set(seed, per_kind)
    rows = []
    for name in compose.METHODS:
        ranks = []
        for i, t in enumerate(ts.triplets):
            ref = lib.resolve_file(str(folder / "pictures" / f"{2 * i:05d}.png"))
            hits = lib.compose(ref, t.change, n=10, method=name)
            ranks.append(next((r for r, h in enumerate(hits) if scenes[h.file.id] == t.target.scene), 10))
        rows.append({"method": name, **recall(np.asarray(ranks))})
    return rows


def cirr(methods: Sequence[str] = tuple(compose.METHODS)) -> list[dict]:
    """The 12 real CIRR triplets through Library.compose: a pipeline check (the world model knows no photos)."""
    import json
    import shutil

    from core.library import Library

    triplets = json.loads((CIRR / "triplets.json").read_text())
    folder = Path(tempfile.mkdtemp(prefix="medialens-bench-cirr-"))
    shutil.copytree(CIRR / "images", folder / "images")
    lib = Library(folder / "library", model="MediaLens-World", weights=WEIGHTS, device="cpu")
    lib.index([folder / "images"])
    rows = []
    for name in ("image only", *methods):
        ranks = []
        for t in triplets:
            ref = str(folder / "images" / Path(t["reference"]).name)
            target = lib.resolve_file(str(folder / "images" / Path(t["target"]).name))
            hits = (lib.similar(ref, n=13) if name == "image only"
                    else lib.compose(ref, t["change"], n=13, method=name))
            ids = [h.file.id for h in hits]
            ranks.append(ids.index(target) if target in ids else 13)
        rows.append({"method": name, "triplets": len(triplets), **recall(np.asarray(ranks))})
    return rows


# ----- relevance feedback --------------------------------------------------------------------------

def _pair_queries(scenes: dict[int, world.Scene], minimum: int = 3) -> list[tuple[str, set[int]]]:
    """Object queries ("a green star") with every file showing that colour and shape as relevant."""
    found: dict[tuple[str, str], set[int]] = {}
    for fid, scene in scenes.items():
        for g in scene.groups:
            found.setdefault((g.colour, g.shape), set()).add(fid)
    return [(world.object_query(c, s), ids) for (c, s), ids in sorted(found.items()) if len(ids) >= minimum]


def _simulate(session, start: Callable[[], list], relevant: set[int], rounds: int, k: int = 10) -> list[float]:
    """Recall@k after each round; the simulated user judges every result shown in the top k."""
    out = []
    hits = start()
    for r in range(rounds + 1):
        top = [h.file.id for h in hits[:k]]
        out.append(len(relevant & set(top)) / min(k, len(relevant)))
        if r == rounds:
            break
        for fid in top:
            session.mark(fid, fid in relevant)
        hits = session.refine()
    return out


def feedback_rounds(seed: int = TEST_SEED, size: int = 600, rounds: int = 2, per_kind: int = 10) -> list[dict]:
    """Recall@10 after 0, 1, 2 rounds of simulated feedback, from text and from composed queries."""
    lib, scenes, _, _ = _library("gallery", seed, size)
    rows = []
    queries = _pair_queries(scenes)
    results = []
    for q, rel in queries:
        session = lib.session()
        results.append(_simulate(session, lambda s=session, q=q: s.text(q, n=10), rel, rounds))
    per_round = np.asarray(results)
    rows.append({"start": f"text, {len(queries)} object queries", **{
        f"round {r}": round(100 * float(per_round[:, r].mean()), 1) for r in range(rounds + 1)}})
    tlib, tscenes, _, folder = _library("triplets", seed, per_kind)
    ts = triplet_set(seed, per_kind)
    results = []
    for i, t in enumerate(ts.triplets):
        ref = tlib.resolve_file(str(folder / "pictures" / f"{2 * i:05d}.png"))
        rel = {fid for fid, sc in tscenes.items() if sc == t.target.scene and fid != ref}
        session = tlib.session()
        results.append(_simulate(session, lambda s=session, ref=ref, c=t.change: s.compose(ref, c, n=10),
                                 rel, rounds))
    per_round = np.asarray(results)
    rows.append({"start": f"composed, {len(ts.triplets)} triplets", **{
        f"round {r}": round(100 * float(per_round[:, r].mean()), 1) for r in range(rounds + 1)}})
    return rows


def feedback_weights(seed: int = DEV_SEED, size: int = 600) -> list[dict]:
    """Recall@10 after 2 rounds by Rocchio weights (DEV seeds): where ALPHA, BETA, GAMMA come from."""
    lib, scenes, _, _ = _library("gallery", seed, size)
    queries = _pair_queries(scenes)
    saved = feedback.ALPHA, feedback.BETA, feedback.GAMMA
    rows = []
    try:
        for alpha in (1.0, 0.5, 0.25):
            for beta in (0.5, 1.0, 2.0):
                for gamma in (0.0, 0.25, 0.5):
                    feedback.ALPHA, feedback.BETA, feedback.GAMMA = alpha, beta, gamma
                    results = []
                    for q, rel in queries:
                        session = lib.session()
                        results.append(_simulate(session, lambda s=session, q=q: s.text(q, n=10), rel, 2))
                    per_round = np.asarray(results)
                    rows.append({"alpha": alpha, "beta": beta, "gamma": gamma,
                                 "round 1": round(100 * float(per_round[:, 1].mean()), 1),
                                 "round 2": round(100 * float(per_round[:, 2].mean()), 1)})
    finally:
        feedback.ALPHA, feedback.BETA, feedback.GAMMA = saved
    return rows


# ----- negative terms ------------------------------------------------------------------------------

def negative_terms(seed: int = DEV_SEED, size: int = 600) -> list[dict]:
    """Avoided terms by weight: how much of what they name is left in the top 10, and what is kept.

    "a green star -\"blue background\"": share of top-10 on a blue background (lower is better) and
    share showing a green star (should hold). "a star -green": share with a green object, and stars.
    """
    lib, scenes, _, _ = _library("gallery", seed, size)
    engine = lib.query_engine()
    enc = lib.encoder
    cases = []
    for (colour, shape), _ids in sorted({(g.colour, g.shape): 0 for s in scenes.values() for g in s.groups}.items()):
        backgrounds = [s.background for s in scenes.values() if any((g.colour, g.shape) == (colour, shape)
                                                                    for g in s.groups)]
        if len(backgrounds) >= 3:
            common = max(set(backgrounds), key=backgrounds.count)
            cases.append(("background", world.object_query(colour, shape), f"{common} background",
                          lambda s, c=colour, sh=shape: any((g.colour, g.shape) == (c, sh) for g in s.groups),
                          lambda s, b=common: s.background == b))
    for shape in world.SHAPES:
        for colour in world.COLOURS:
            cases.append(("colour", f"a {shape}", colour, lambda s, sh=shape: any(g.shape == sh for g in s.groups),
                          lambda s, c=colour: any(g.colour == c for g in s.groups)))
    rows = []
    saved = query.NEGATIVE_WEIGHT
    for weight in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5):
        per: dict[str, list[tuple[float, float]]] = {"background": [], "colour": []}
        for kind, text, avoid, keep, named in cases:
            vec = query.avoid_terms(enc.encode_texts([text])[0], (avoid,), enc.encode_texts, weight)
            hits = engine.by_vector(vec, 10)
            per[kind].append((float(np.mean([named(scenes[h.file.id]) for h in hits])),
                              float(np.mean([keep(scenes[h.file.id]) for h in hits]))))
        row: dict = {"weight": weight}
        for kind, values in per.items():
            arr = np.asarray(values)
            row[f"{kind}: avoided left %"] = round(100 * float(arr[:, 0].mean()), 1)
            row[f"{kind}: asked-for kept %"] = round(100 * float(arr[:, 1].mean()), 1)
        rows.append(row)
    query.NEGATIVE_WEIGHT = saved
    return rows


# ----- regions and explanations --------------------------------------------------------------------

def regions(seed: int = TEST_SEED, size: int = 600, n: int = 100) -> list[dict]:
    """Two gallery scenes re-rendered (new layout) side by side; a box on each half finds that scene."""
    from PIL import Image

    lib, scenes, pictures, folder = _library("gallery", seed, size)
    rng = np.random.default_rng(seed)
    ranks = {"box on the half": [], "whole picture (no box)": []}
    path = folder / "halves.png"
    for _ in range(n):
        a, b = (pictures[int(i)] for i in rng.choice(len(pictures), 2, replace=False))
        canvas = Image.new("RGB", (256, 128))
        canvas.paste(world.render(a.scene, a.seed + "/again"), (0, 0))
        canvas.paste(world.render(b.scene, b.seed + "/again"), (128, 0))
        canvas.save(path)
        for label, box in (("box on the half", (0, 0, 128, 128)), ("whole picture (no box)", None)):
            hits = lib.similar(path, n=10, box=box)
            ranks[label].append(next((r for r, h in enumerate(hits) if scenes[h.file.id] == a.scene), 10))
    return [{"query": label, "pairs": n, **recall(np.asarray(r))} for label, r in ranks.items()]


def explain_boxes(seed: int = TEST_SEED, size: int = 600) -> list[dict]:
    """Does the best box fall on the object the query names? Two-group scenes, one query per group."""
    lib, scenes, _, _ = _library("gallery", seed, size)
    halves = {"left": lambda x, y: x < 64, "right": lambda x, y: x >= 64,
              "top": lambda x, y: y < 64, "bottom": lambda x, y: y >= 64}
    correct, times = [], []
    for fid, scene in scenes.items():
        if len(scene.groups) != 2:
            continue
        for g in scene.groups:
            t = time.perf_counter()
            e = lib.explain(fid, world.object_query(g.colour, g.shape))
            times.append((time.perf_counter() - t) * 1000)
            x0, y0, x1, y1 = e.box
            correct.append(halves[g.position]((x0 + x1) / 2, (y0 + y1) / 2))
    return [{"queries": len(correct), "best box on the named object %": round(100 * float(np.mean(correct)), 1),
             "chance %": 50.0, "median ms (world model)": round(statistics.median(times), 1)}]


SECTIONS: dict[str, Callable[[], list[dict]]] = {
    "composed": composed, "composed by kind": composed_by_kind, "composed pipeline": composed_pipeline,
    "cirr": cirr, "balance": balance_sweep, "inversion templates": inversion_templates,
    "inversion budget": inversion_budget, "inversion latency ViT-B-32": inversion_latency_vit_b32,
    "near duplicates": near_duplicates, "feedback": feedback_rounds, "feedback weights": feedback_weights,
    "negative": negative_terms, "regions": regions, "explain": explain_boxes,
}


def print_rows(title: str, rows: list[dict]) -> None:
    print(f"\n## {title}\n")
    if not rows:
        print("(no rows)")
        return
    cols = list(dict.fromkeys(k for r in rows for k in r))
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sections", nargs="*", help=f"any of: {', '.join(SECTIONS)} (default: all)")
    args = p.parse_args(argv)
    for name in args.sections or SECTIONS:
        t = time.perf_counter()
        rows = SECTIONS[name]()
        print_rows(f"{name}  ({time.perf_counter() - t:.0f} s)", rows)


if __name__ == "__main__":
    main()
