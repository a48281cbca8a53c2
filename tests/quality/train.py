"""Train the MediaLens-World CLIP on the generated world, on CPU, in minutes.

    python -m tests.quality.train [--out PATH] [--seed N] [--steps N | --minutes M]

Why this recipe:

* Every training picture comes with its *edited twin* (a ``world.Triplet``: same
  seed, one attribute changed), and both go in the same batch. In-batch negatives
  then include pictures that differ only in colour, shape, count, position, size or
  background, which is what teaches a tiny model to look at each of them. Captions
  always mention what differs between the twins (``world.caption(keep=...)``).
* The main loss is open_clip's own ``ClipLoss``. A second, composed term asks
  ``normalize(image(reference) + text(change))`` to find the target among all targets
  and references of the batch, so that the engine's simple composed search works.
* 30% of training pictures go through a JPEG round trip and 15% are rendered at
  video-frame size, so that JPEG galleries and decoded H.264 frames look familiar.
* Deterministic: one seed drives data generation (parallel, order-independent),
  initialisation, batch order and caption choice. ``--minutes`` times the first steps
  and fixes the step count from them; the JSON beside the weights records it, and
  ``--steps`` with that number repeats the run.

The weights are saved as float16 safetensors that load with
``open_clip.create_model_and_transforms("MediaLens-World", pretrained=path)``.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import multiprocessing
import os
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.quality import world
from tests.quality.metrics import recall_at_k, relevance
from tests.quality.model import MODEL_NAME, WEIGHTS, embed_images, embed_texts, register_configs

CAPTIONS_PER_PICTURE = 6
# Edit kinds of the training twins, in attempt order. Shape, position and count twins
# come up most often: colour and background are learned from any batch, but shape,
# position and count only from pictures that differ in nothing else.
TRAINING_EDITS = (
    "shape", "move", "count", "colour", "shape", "move", "size", "add",
    "shape", "move", "count", "remove", "texture", "background",
)  # fmt: skip
EVAL_SEED = 2_000_003  # held-out pictures for progress reports; tests and bench use other seeds


@dataclass
class TrainingPool:
    """Preprocessed training pairs: pictures 2i and 2i+1 are reference and target of pair i."""

    images: np.ndarray  # [2P, 3, S, S] float16, already normalised by the model's preprocess
    captions: np.ndarray  # [2P, CAPTIONS_PER_PICTURE, context] int32 tokens
    changes: np.ndarray  # [P, context] int32 tokens of the edit instruction


# --------------------------------------------------------------------------- data

_worker: dict[str, Any] = {}


def _init_worker(preprocess: Callable) -> None:
    import open_clip
    import torch

    torch.set_num_threads(1)
    register_configs()
    _worker["preprocess"] = preprocess
    _worker["tokenizer"] = open_clip.get_tokenizer(MODEL_NAME)


def _picture_tensors(picture: world.Picture, rng: random.Random) -> np.ndarray:
    roll = rng.random()
    image = picture.image(160 if roll < 0.15 else 128)
    if rng.random() < 0.3:
        image = world.jpeg_roundtrip(image, rng.randint(40, 95))
    return _worker["preprocess"](image).numpy().astype(np.float16)


def _picture_captions(picture: world.Picture, kind: str, rng: random.Random) -> list[str]:
    captions = list(picture.captions)
    scene = picture.scene
    if len(scene.groups) == 1 and kind != "move":
        motion = rng.choice(("left_to_right", "right_to_left", "top_to_bottom", "bottom_to_top"))
        captions.append(world.motion_caption(scene.groups[0], scene.texture, scene.background, motion, rng))
    while len(captions) < CAPTIONS_PER_PICTURE:
        captions.append(rng.choice(picture.captions[1:]))
    return captions[:CAPTIONS_PER_PICTURE]


def _make_pair(job: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Attempt ``attempt`` of the training triplets, rendered and tokenized (runs in a worker)."""
    seed, attempt = job
    kind = TRAINING_EDITS[attempt % len(TRAINING_EDITS)]
    triplet = world.make_triplet(seed, "train", attempt, kind, n_captions=CAPTIONS_PER_PICTURE - 1)
    if triplet is None:
        return None
    rng = random.Random(f"{seed}/augment/{attempt}")
    images = np.stack([_picture_tensors(p, rng) for p in (triplet.reference, triplet.target)])
    texts = _picture_captions(triplet.reference, kind, rng) + _picture_captions(triplet.target, kind, rng)
    tokens = np.stack([_tokens(text) for text in [*texts, triplet.change]])
    return images, tokens[:-1].reshape(2, CAPTIONS_PER_PICTURE, -1), tokens[-1]


@functools.lru_cache(maxsize=65536)
def _tokens(text: str) -> np.ndarray:
    """Tokens of one text; captions repeat a lot and the tokenizer's text cleaning is slow."""
    return _worker["tokenizer"]([text])[0].numpy().astype(np.int32)


def build_pool(n_pairs: int, seed: int, preprocess: Callable, workers: int) -> TrainingPool:
    """Generate ``n_pairs`` training pairs in parallel; the result does not depend on ``workers``."""
    images, captions, changes = [], [], []
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(preprocess,)) as pool:
        attempt = 0
        while len(changes) < n_pairs:
            chunk = [(seed, a) for a in range(attempt, attempt + 2 * (n_pairs - len(changes)) + 64)]
            attempt += len(chunk)
            for result in pool.imap(_make_pair, chunk, chunksize=64):
                if result is None or len(changes) == n_pairs:
                    continue
                images.append(result[0])
                captions.append(result[1])
                changes.append(result[2])
    return TrainingPool(np.concatenate(images), np.concatenate(captions), np.stack(changes))


# --------------------------------------------------------------------------- evaluation


@dataclass
class HeldOut:
    """Test-split pictures and composed triplets, rendered once and scored during training."""

    pictures: list[world.Picture]
    images: list[Any]
    triplets: list[world.Triplet]
    reference_images: list[Any]
    target_images: list[Any]


def make_held_out(n_pictures: int = 500, n_triplets: int = 150) -> HeldOut:
    pictures = world.make_pictures(n_pictures, EVAL_SEED, "test")
    triplets = world.make_triplets(n_triplets, EVAL_SEED, "test", kinds=("colour",))
    return HeldOut(
        pictures,
        [p.image() for p in pictures],
        triplets,
        [t.reference.image() for t in triplets],
        [t.target.image() for t in triplets],
    )


def evaluate(model: Any, preprocess: Callable, tokenizer: Callable, held_out: HeldOut) -> dict[str, float]:
    """Held-out text->image R@1/R@5 (test phrasings, unseen colour x shape pairs) and composed wins."""
    model.eval()
    images = embed_images(model, preprocess, held_out.images)
    queries = embed_texts(model, tokenizer, [p.query for p in held_out.pictures])
    keys = [p.scene for p in held_out.pictures]
    recall = recall_at_k(queries @ images.T, relevance(keys, keys), ks=(1, 5))
    references = embed_images(model, preprocess, held_out.reference_images)
    targets = embed_images(model, preprocess, held_out.target_images)
    changes = embed_texts(model, tokenizer, [t.change for t in held_out.triplets])
    composed = references + changes
    composed /= np.linalg.norm(composed, axis=1, keepdims=True)
    wins = np.sum(composed * targets, axis=1) > np.sum(composed * references, axis=1)
    model.train()
    return {"text_image_r1": recall[1], "text_image_r5": recall[5], "composed_colour_target_wins": float(wins.mean())}


# --------------------------------------------------------------------------- training


def _parameter_groups(model: Any, logit_scale_lr: float) -> list[dict[str, Any]]:
    """open_clip's rule: no weight decay on gains, biases and the logit scale.

    The logit scale learns ``logit_scale_lr`` times faster: at the base rate it moves
    too little in a few hundred steps, and a sharp temperature is what makes the
    edited twin (the hardest negative) count.
    """
    decay, no_decay, scale = [], [], []
    for name, parameter in model.named_parameters():
        if name == "logit_scale":
            scale.append(parameter)
        elif parameter.ndim < 2 or "ln" in name or "bias" in name:
            no_decay.append(parameter)
        else:
            decay.append(parameter)
    return [
        {"params": decay, "weight_decay": 0.1, "lr_scale": 1.0},
        {"params": no_decay, "weight_decay": 0.0, "lr_scale": 1.0},
        {"params": scale, "weight_decay": 0.0, "lr_scale": logit_scale_lr},
    ]


def _learning_rate(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def fit(
    model: Any,
    preprocess: Callable,
    tokenizer: Callable,
    pool: TrainingPool,
    held_out: HeldOut,
    args: argparse.Namespace,
    started: float,
) -> tuple[int, list[dict[str, float]]]:
    """Run the optimiser; returns (steps taken, log). ``started`` anchors the ``--minutes`` budget."""
    import open_clip
    import torch
    import torch.nn.functional as F

    groups = _parameter_groups(model, args.logit_scale_lr)
    optimizer = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    clip_loss = open_clip.ClipLoss()
    order_rng = random.Random(f"{args.seed}/order")
    order: list[int] = []
    total_steps = args.steps
    train_started = time.monotonic()
    log: list[dict[str, float]] = []
    model.train()
    step = 0
    while total_steps is None or step < total_steps:
        if len(order) < args.batch_pairs:
            epoch = list(range(len(pool.changes)))
            order_rng.shuffle(epoch)
            order += epoch
        pairs, order = order[: args.batch_pairs], order[args.batch_pairs :]
        pictures = np.array([[2 * p, 2 * p + 1] for p in pairs]).T.reshape(-1)  # references, then targets
        choice = np.array([order_rng.randrange(CAPTIONS_PER_PICTURE) for _ in pictures])
        images = torch.from_numpy(pool.images[pictures].astype(np.float32))
        texts = torch.from_numpy(np.concatenate([pool.captions[pictures, choice], pool.changes[pairs]])).long()
        for group in optimizer.param_groups:
            group["lr"] = group["lr_scale"] * _learning_rate(step, total_steps or 10**9, args.lr, args.warmup)

        image_features = model.encode_image(images, normalize=True)
        text_features = model.encode_text(texts, normalize=True)
        n = len(pairs)
        captions, changes = text_features[: 2 * n], text_features[2 * n :]
        scale = model.logit_scale.exp()
        loss_clip = clip_loss(image_features, captions, scale)
        references, targets = image_features[:n], image_features[n:]
        composed = F.normalize(references + changes, dim=-1)
        candidates = torch.cat([targets, references])
        loss_composed = F.cross_entropy(scale * composed @ candidates.T, torch.arange(n))
        loss = loss_clip + args.composed_weight * loss_composed
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        step += 1

        if total_steps is None and step == args.calibration_steps:
            per_step = (time.monotonic() - train_started) / step
            left = args.minutes * 60 - (time.monotonic() - started) - args.reserve_seconds
            total_steps = step + max(0, int(left / (per_step * 1.03)))
            print(f"calibrated: {per_step:.2f}s/step -> {total_steps} steps", flush=True)
        if step % args.log_every == 0 or step == total_steps:
            entry = {
                "step": step,
                "loss": round(loss_clip.item(), 4),
                "composed_loss": round(loss_composed.item(), 4),
                "logit_scale": round(scale.item(), 2),
                "seconds": round(time.monotonic() - train_started, 1),
            }
            if step % args.eval_every == 0 or step == total_steps:
                entry |= {k: round(v, 4) for k, v in evaluate(model, preprocess, tokenizer, held_out).items()}
            log.append(entry)
            print(json.dumps(entry), flush=True)
    model.eval()
    return step, log


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: wall time alone misleads on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the data, train, save float16 safetensors and a JSON report beside them."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    register_configs()
    model, _, preprocess = open_clip.create_model_and_transforms(MODEL_NAME)
    tokenizer = open_clip.get_tokenizer(MODEL_NAME)

    pool = build_pool(args.pairs, args.seed, preprocess, args.workers)
    held_out = make_held_out()
    data_seconds = time.monotonic() - started
    print(f"data: {args.pairs} pairs ({2 * args.pairs} pictures) in {data_seconds:.0f}s", flush=True)

    train_started = time.monotonic()
    steps, log = fit(model, preprocess, tokenizer, pool, held_out, args, started)
    train_seconds = time.monotonic() - train_started
    final = evaluate(model, preprocess, tokenizer, held_out)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    out = Path(args.out)
    save_file(state, str(out), metadata={"model": MODEL_NAME, "seed": str(args.seed), "steps": str(steps)})
    report = {
        "model": MODEL_NAME,
        "weights": out.name,
        "weights_bytes": out.stat().st_size,
        "seed": args.seed,
        "data_seed": args.seed,
        "steps": steps,
        "batch_pairs": args.batch_pairs,
        "pictures_per_step": 2 * args.batch_pairs,
        "training_pairs": args.pairs,
        "lr": args.lr,
        "logit_scale_lr": args.logit_scale_lr,
        "composed_weight": args.composed_weight,
        "threads": args.threads,
        "cpu_seconds": round(_cpu_seconds(), 1),
        "load_average": {"start": round(load_at_start, 2), "end": round(os.getloadavg()[0], 2)},
        "data_seconds": round(data_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "held_out": {k: round(v, 4) for k, v in final.items()},
        "held_out_set": f"{len(held_out.pictures)} test-split pictures (seed {EVAL_SEED}), their test-phrasing "
        f"query each; {len(held_out.triplets)} test colour-edit triplets",
        "versions": {"torch": torch.__version__, "open_clip": open_clip.__version__},
        "log": log,
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(WEIGHTS), help="safetensors file to write (a .json goes beside it)")
    parser.add_argument("--seed", type=int, default=0)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="exact number of optimiser steps (reproducible)")
    budget.add_argument("--minutes", type=float, help="wall-clock budget, data generation included")
    parser.add_argument("--pairs", type=int, default=12_000, help="training pairs (each two pictures)")
    parser.add_argument("--batch-pairs", type=int, default=96)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--logit-scale-lr", type=float, default=20.0, help="learning-rate multiplier")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--composed-weight", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="processes generating the data")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--calibration-steps", type=int, default=5)
    parser.add_argument("--reserve-seconds", type=float, default=20, help="kept for the final evaluation and save")
    args = parser.parse_args(argv)
    if args.steps is None and args.minutes is None:
        args.steps = 520
    return args


def main(argv: Sequence[str] | None = None) -> int:
    report = train(parse_args(argv))
    print(json.dumps({k: report[k] for k in ("steps", "train_seconds", "total_seconds", "held_out")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
