"""The search asks back (core/search/ask.py): does one question per round find a hidden target faster?

    python tests/bench/ask.py [--size 1000] [--targets 200] [--rounds 2] [--sweep]

On the generated world's test split (MediaLens-World), a simulated user has a hidden target picture and starts
vague: its first group's shape only ("a star") or its colour only ("a green shape"). Each round costs one click:

* **ask**: the question `Asker.choose` picks; the user answers from the target's true attributes (the queried
  group's colour/shape/size/position/count, the scene's background colour and pattern), or "doesn't matter"
  when the true answer is not offered;
* **random question**: a random family among those worth asking, answered the same way;
* **Rocchio**: the user marks one of the top 10 relevant (the one sharing most attributes with the target) and
  the session refines (core/search/feedback.py's weights);
* **none**: the vague query alone.

R@1 and R@10 of the target after each round, and the same with random weights of the architecture (which must
not pass: the gain must come from the model, not from the simulator). `--sweep` tunes the temperature and the
re-rank weight on another seed (the dev split of targets) before the report.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.search import ask, feedback
from tests.bench._common import machine, random_weights
from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS, TorchEncoder, load_world_model, register_configs

REPORT_SEED, DEV_SEED = 9_100_001, 9_200_001
TEXTURE_LABEL = {"plain": "plain", "stripes": "striped", "dots": "dotted", "grid": "grid", "checker": "checkered"}
COUNT_LABEL = {1: "one", 2: "two", 3: "three"}


def truth(scene: world.Scene, family: str) -> str:
    g = scene.groups[0]
    return {"colour": g.colour, "shape": g.shape, "size": g.size, "position": g.position,
            "count": COUNT_LABEL[g.count], "background": scene.background,
            "texture": TEXTURE_LABEL[scene.texture]}.get(family, "")


def shared_attributes(a: world.Scene, b: world.Scene) -> int:
    keys = ("colour", "shape", "size", "position", "count", "background", "texture")
    return sum(truth(a, k) == truth(b, k) for k in keys)


class World:
    """A gallery's vectors and scenes, and vague queries for hidden targets."""

    def __init__(self, encoder: TorchEncoder, pictures: Sequence[world.Picture], targets: int, seed: int,
                 vectors: np.ndarray | None = None):
        size = len(pictures)
        self.scenes = [p.scene for p in pictures]
        if vectors is None:
            vectors = encoder.encode_images([p.image() for p in pictures])
        self.x = np.asarray(vectors, np.float32)
        self.x /= np.linalg.norm(self.x, axis=1, keepdims=True)
        rng = random.Random(seed)
        self.targets = []
        texts = []
        for t in rng.sample(range(size), targets):
            g = self.scenes[t].groups[0]
            shape_only = rng.random() < 0.5
            self.targets.append(t)
            texts.append(world._with_article(f"a {g.shape}") if shape_only
                         else world.object_query(g.colour, "shape"))
        q = np.asarray(encoder.encode_texts(texts), np.float32)
        self.queries = q / np.linalg.norm(q, axis=1, keepdims=True)
        self.texts = texts


def _rank(scores: np.ndarray, target: int) -> int:
    return int((scores > scores[target]).sum())


def run(w: World, asker: ask.Asker, strategy: str, rounds: int, method: str = ask.DEFAULT_METHOD,
        encoder: TorchEncoder | None = None, seed: int = 0) -> np.ndarray:
    """(targets, rounds + 1, 2): whether the target is at rank 1 / in the top 10 after each round."""
    rng = random.Random(seed)
    out = np.zeros((len(w.targets), rounds + 1, 2), bool)
    for ti, (target, q0) in enumerate(zip(w.targets, w.queries, strict=True)):
        q, replies, asked, marks = q0, [], [], {}
        text = w.texts[ti]
        for r in range(rounds + 1):
            scores = w.x @ (q0 if method == "rerank" else q)
            if replies and method == "rerank":
                scores = scores + asker.rerank_bonus(replies, w.x)
            rank = _rank(scores, target)
            out[ti, r] = (rank < 1, rank < 10)
            if r == rounds or strategy == "none":
                continue
            order = np.argsort(-scores)
            if strategy == "rocchio":
                shown = [int(i) for i in order[:10]]
                best = max(shown, key=lambda i: (shared_attributes(w.scenes[i], w.scenes[target]), -shown.index(i)))
                marks[best] = True
                rel = np.asarray([w.x[i] for i, ok in marks.items() if ok], np.float32)
                q = feedback.rocchio(q0, rel, np.zeros((0, len(q0)), np.float32),
                                     feedback.ALPHA, feedback.BETA, feedback.GAMMA)
                continue
            question = asker.choose(w.x[order], asked, rng if strategy == "random" else None)
            if question is None:
                continue
            asked.append(question.family.key)
            label = truth(w.scenes[target], question.family.key)
            if label not in [a.label for a in question.answers]:
                continue  # "doesn't matter": the true answer is not offered
            reply = asker.reply(question, label)
            replies.append(reply)
            if method == "text":
                text = f"{text} {reply.answer.text}"
                v = np.asarray(encoder.encode_texts([text]), np.float32)[0]
                q = v / np.linalg.norm(v)
            else:
                q = ask.Asker.direction(q0, replies)
    return out


def after(w: World, asker: ask.Asker, rounds: int = 2) -> dict[str, float]:
    """R@10 of the hidden targets after `rounds` clicks: no interaction, Rocchio, and asking (the default way)."""
    return {name: float(run(w, asker, name, rounds)[:, rounds, 1].mean()) for name in ("none", "rocchio", "ask")}


def table(w: World, asker: ask.Asker, rounds: int, encoder: TorchEncoder, label: str) -> list[str]:
    rows = []
    runs = {"none": run(w, asker, "none", rounds),
            "Rocchio (1 mark a round)": run(w, asker, "rocchio", rounds)}
    for method in ask.METHODS:
        runs[f"ask, answer by {method}"] = run(w, asker, "ask", rounds, method, encoder)
    runs[f"random question, {ask.DEFAULT_METHOD}"] = run(w, asker, "random", rounds, ask.DEFAULT_METHOD, encoder,
                                                         seed=1)
    head = " | ".join(f"R@1 / R@10 after {r}" for r in range(rounds + 1))
    rows.append(f"\n{label}: {len(w.targets)} hidden targets in {len(w.scenes)} test pictures\n"
                f"| strategy | {head} |\n|---|" + "---|" * (rounds + 1))
    for name, res in runs.items():
        cells = " | ".join(f"{res[:, r, 0].mean():.3f} / {res[:, r, 1].mean():.3f}" for r in range(rounds + 1))
        rows.append(f"| {name} | {cells} |")
    base = runs["none"][:, rounds, 1].mean()
    best = runs[f"ask, answer by {ask.DEFAULT_METHOD}"][:, rounds, 1].mean()
    rocchio = runs["Rocchio (1 mark a round)"][:, rounds, 1].mean()
    ok = best >= 2 * base and best > rocchio
    rows.append(f"after {rounds} answers: R@10 {best:.3f} = {best / max(base, 1e-9):.2f}x no interaction "
                f"({base:.3f}), Rocchio {rocchio:.3f} -> target {'MET' if ok else 'NOT met'}")
    return rows


def sweep(w: World, families: Sequence[ask.Family], encode, rounds: int) -> tuple[float, float]:
    best = (0.0, ask.TEMPERATURE, ask.LAMBDA)
    for t in (0.005, 0.01, 0.02, 0.04):
        for lam in (0.005, 0.01, 0.02, 0.05):
            saved = ask.LAMBDA
            ask.LAMBDA = lam
            try:
                r10 = run(w, ask.Asker(encode, families, t), "ask", rounds)[:, rounds, 1].mean()
            finally:
                ask.LAMBDA = saved
            print(f"  sweep T {t} lambda {lam}: R@10 after {rounds} = {r10:.3f}", flush=True)
            best = max(best, (r10, t, lam))
    return best[1], best[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args(argv)
    print(f"# MediaLens asks back ({MODEL_NAME}: {WEIGHTS.name}; {machine()})", flush=True)
    begun = time.perf_counter()
    register_configs()
    families = ask.load_families(MODEL_NAME)
    for label, weights in (("trained", WEIGHTS), ("random weights", random_weights(MODEL_NAME, seed=12345))):
        encoder = TorchEncoder(*load_world_model(weights=weights))
        if args.sweep and label == "trained":
            dev = World(encoder, world.make_pictures(args.size, DEV_SEED, "test", n_captions=1), args.targets,
                        DEV_SEED)
            ask.TEMPERATURE, ask.LAMBDA = sweep(dev, families, encoder.encode_texts, args.rounds)
            print(f"  chosen on the dev seed: T {ask.TEMPERATURE}, lambda {ask.LAMBDA}", flush=True)
        w = World(encoder, world.make_pictures(args.size, REPORT_SEED, "test", n_captions=1), args.targets,
                  REPORT_SEED)
        asker = ask.Asker(encoder.encode_texts, families, ask.TEMPERATURE)
        print("\n".join(table(w, asker, args.rounds, encoder, label)), flush=True)
    print(f"\n({time.perf_counter() - begun:.0f} s; temperature {ask.TEMPERATURE}, lambda {ask.LAMBDA}, "
          f"beta {ask.BETA}, top {ask.TOP_K}, min gain {ask.MIN_GAIN} bits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
