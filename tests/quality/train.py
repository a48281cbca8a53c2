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

The bilingual model (``--model MediaLens-World-zh``: English and Chinese captions, its own
``tokenizer.json``, see ``tests/quality/bilingual.py``) is trained the way multilingual CLIPs
are: from the English model (``--init-from medialens-world.safetensors``: image tower, text
body, English token embeddings; ``start_from_english``), the image tower locked
(``--lock-image``: pictures embedded once, only the text tower learns), every picture
captioned in both languages at every step (the two ClipLosses averaged). The committed run
(85 steps in 27 minutes at a load average of 21 on 2 cores; ``--steps 85`` repeats it):

    python -m tests.quality.train --model MediaLens-World-zh --init-from tests/quality/medialens-world.safetensors \
        --lock-image --pairs 1000 --batch-pairs 48 --lr 1.5e-3 --warmup 5 --minutes 26

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

from tests.quality import measures, world, world_zh
from tests.quality.bilingual import MODEL_NAME_ZH, WEIGHTS_ZH, seed_words
from tests.quality.model import MODEL_NAME, WEIGHTS, TorchEncoder, get_tokenizer, register_configs

CAPTIONS_PER_PICTURE = 6
# Edit kinds of the training twins, in attempt order. Shape, position and count twins
# come up most often: colour and background are learned from any batch, but shape,
# position and count only from pictures that differ in nothing else.
TRAINING_EDITS = (
    "shape", "move", "count", "colour", "shape", "move", "size", "add",
    "shape", "move", "count", "remove", "shape", "move", "texture", "background",
)  # fmt: skip
EVAL_SEED = 2_000_003  # held-out pictures for progress reports; tests and bench use other seeds


@dataclass
class TrainingPool:
    """Preprocessed training pairs: pictures 2i and 2i+1 are reference and target of pair i."""

    images: np.ndarray  # [2P, 3, S, S] float16, already normalised by the model's preprocess
    captions: np.ndarray  # [2P, CAPTIONS_PER_PICTURE, context] int32 tokens
    changes: np.ndarray  # [P, context] int32 tokens of the edit instruction
    captions_zh: np.ndarray | None = None  # [2P, CAPTIONS_PER_PICTURE, context]: the bilingual model's Chinese
    image_features: np.ndarray | None = None  # [2P, D] float32 L2-normalised, when the image tower is locked


# --------------------------------------------------------------------------- data

_worker: dict[str, Any] = {}


def _init_worker(preprocess: Callable, model_name: str) -> None:
    import torch

    torch.set_num_threads(1)
    register_configs()
    _worker["preprocess"] = preprocess
    _worker["tokenizer"] = get_tokenizer(model_name)
    _worker["chinese"] = model_name == MODEL_NAME_ZH


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
        captions.append(world.motion_caption(scene.groups[0], scene.texture, scene.background, rng))
    while len(captions) < CAPTIONS_PER_PICTURE:
        captions.append(rng.choice(picture.captions[1:]))
    return captions[:CAPTIONS_PER_PICTURE]


def _picture_captions_zh(picture: world.Picture, kind: str, rng: random.Random) -> list[str]:
    """The Chinese of ``_picture_captions``, from streams of its own (the English ones stay as they were)."""
    captions = list(world_zh.describe_zh(picture, "train", CAPTIONS_PER_PICTURE - 1, world._KEEP_FOR_EDIT[kind])[0])
    scene = picture.scene
    if len(scene.groups) == 1 and kind != "move":
        captions.append(world_zh.motion_caption_zh(scene.groups[0], scene.texture, scene.background, rng))
    while len(captions) < CAPTIONS_PER_PICTURE:
        captions.append(rng.choice(captions[1 : CAPTIONS_PER_PICTURE - 1]))
    return captions[:CAPTIONS_PER_PICTURE]


def _make_pair(job: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None] | None:
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
    chinese = None
    if _worker["chinese"]:
        rng_zh = random.Random(f"{seed}/augment-zh/{attempt}")
        texts_zh = [c for p in (triplet.reference, triplet.target) for c in _picture_captions_zh(p, kind, rng_zh)]
        chinese = np.stack([_tokens(text) for text in texts_zh]).reshape(2, CAPTIONS_PER_PICTURE, -1)
    return images, tokens[:-1].reshape(2, CAPTIONS_PER_PICTURE, -1), tokens[-1], chinese


@functools.lru_cache(maxsize=65536)
def _tokens(text: str) -> np.ndarray:
    """Tokens of one text; captions repeat a lot and the tokenizer's text cleaning is slow."""
    return _worker["tokenizer"]([text])[0].numpy().astype(np.int32)


def build_pool(
    n_pairs: int, seed: int, preprocess: Callable, workers: int, model_name: str = MODEL_NAME
) -> TrainingPool:
    """Generate ``n_pairs`` training pairs in parallel; the result does not depend on ``workers``."""
    images, captions, changes, chinese = [], [], [], []
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(preprocess, model_name)) as pool:
        attempt = 0
        while len(changes) < n_pairs:
            chunk = [(seed, a) for a in range(attempt, attempt + n_pairs - len(changes) + 64)]
            attempt += len(chunk)
            for result in pool.imap(_make_pair, chunk, chunksize=64):
                if result is None or len(changes) == n_pairs:
                    continue
                images.append(result[0])
                captions.append(result[1])
                changes.append(result[2])
                chinese.append(result[3])
    captions_zh = np.concatenate(chinese) if chinese[0] is not None else None
    return TrainingPool(np.concatenate(images), np.concatenate(captions), np.stack(changes), captions_zh)


def lock_image_tower(model: Any, pool: TrainingPool, batch_size: int = 512) -> None:
    """Freeze the image tower and embed the pool's pictures once (``--lock-image``).

    This is how multilingual CLIPs are made (M-CLIP, LiT): an image tower already trained
    is kept and a text tower for the new languages learns to meet it. A step then costs
    only the text tower, a few times less than a full step on the world model.
    """
    import torch

    for parameter in model.visual.parameters():
        parameter.requires_grad_(False)
    model.visual.eval()
    rows = []
    with torch.inference_mode():
        for start in range(0, len(pool.images), batch_size):
            batch = torch.from_numpy(pool.images[start : start + batch_size].astype(np.float32))
            rows.append(model.encode_image(batch, normalize=True).numpy())
    pool.image_features = np.concatenate(rows)


# --------------------------------------------------------------------------- evaluation


@dataclass
class HeldOut:
    """Test-split pictures, composed triplets and attribute probes, rendered once, scored during training."""

    pictures: list[world.Picture]
    images: list[Any]
    triplets: list[world.Triplet]
    reference_images: list[Any]
    target_images: list[Any]
    probes: dict[str, tuple[list[list[world.Picture]], list[list[Any]]]]
    queries_zh: list[str]


EVAL_ATTRIBUTES = ("colour", "shape", "count", "position", "texture")
#: What ``evaluate`` reports (the last step's log entry has them, rounded: training does not evaluate twice).
EVALUATED = ("text_image_r1", "text_image_r5", "composed_colour_target_wins", "text_image_r1_zh", "text_image_r5_zh",
             *(f"{attribute}_accuracy" for attribute in EVAL_ATTRIBUTES))


def make_held_out(n_pictures: int = 500, n_triplets: int = 150, probe_sets: int = 10) -> HeldOut:
    pictures = world.make_pictures(n_pictures, EVAL_SEED, "test")
    triplets = world.make_triplets(n_triplets, EVAL_SEED, "test", kinds=("colour",))
    probes = {}
    for attribute in EVAL_ATTRIBUTES:
        sets = world.make_attribute_probes(attribute, probe_sets, EVAL_SEED)
        probes[attribute] = (sets, [[p.image() for p in variants] for variants in sets])
    return HeldOut(
        pictures,
        [p.image() for p in pictures],
        triplets,
        [t.reference.image() for t in triplets],
        [t.target.image() for t in triplets],
        probes,
        [world_zh.query_zh(p) for p in pictures],
    )


def evaluate(
    model: Any, preprocess: Callable, tokenizer: Callable, held_out: HeldOut, chinese: bool = False
) -> dict[str, float]:
    """Held-out text->image R@1/R@5 (test phrasings, unseen colour x shape pairs), composed wins, probes.

    ``chinese``: also R@1/R@5 of the same pictures' Chinese queries.
    """
    model.eval()
    encoder = TorchEncoder(model, preprocess, tokenizer)
    vectors = encoder.encode_images(held_out.images)
    recall = measures.text_image_recall(encoder, held_out.pictures, vectors, ks=(1, 5))
    composed = measures.composed_vectors(encoder, held_out.triplets, held_out.reference_images, held_out.target_images)
    metrics = {
        "text_image_r1": recall[1],
        "text_image_r5": recall[5],
        "composed_colour_target_wins": measures.composed_target_wins(composed),
    }
    if chinese:
        recall_zh = measures.text_image_recall(encoder, held_out.pictures, vectors, ks=(1, 5),
                                               queries=held_out.queries_zh)
        metrics |= {"text_image_r1_zh": recall_zh[1], "text_image_r5_zh": recall_zh[5]}
    for attribute, (sets, images) in held_out.probes.items():
        metrics[f"{attribute}_accuracy"] = measures.attribute_accuracy(encoder, sets, images)[0]
    model.train()
    return metrics


# --------------------------------------------------------------------------- training


def encode_text_trimmed(model: Any, tokens: Any) -> Any:
    """``model.encode_text(tokens, normalize=True)`` computed on the batch's longest text only.

    Under the causal mask a position never sees the padding after it, and the text is
    pooled at its end token, so cutting trailing padding changes no output (checked in
    tests/quality/test_quality_bilingual.py). Chinese is a token per character, so the
    context is 56, but English captions use at most 37 positions and instructions fewer:
    each cut to its own length, a step's texts cost about a third less.
    """
    import torch.nn.functional as F
    from open_clip.transformer import text_global_pool

    length = int((tokens != 0).sum(dim=1).max())
    tokens = tokens[:, :length]
    x = model.token_embedding(tokens) + model.positional_embedding[:length]
    x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask[:length, :length]))
    return F.normalize(text_global_pool(x, tokens, model.text_pool_type) @ model.text_projection, dim=-1)


def _parameter_groups(model: Any, logit_scale_lr: float) -> list[dict[str, Any]]:
    """open_clip's rule: no weight decay on gains, biases and the logit scale.

    The logit scale learns ``logit_scale_lr`` times faster: at the base rate it moves
    too little in a few hundred steps, and a sharp temperature is what makes the
    edited twin (the hardest negative) count.
    """
    decay, no_decay, scale = [], [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
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
    chinese = pool.captions_zh is not None
    chinese_rng = random.Random(f"{args.seed}/order-zh")
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
        blocks = [pool.captions[pictures, choice]]
        if chinese:  # every picture once in each language: both learn from every step
            blocks.append(pool.captions_zh[pictures, [chinese_rng.randrange(CAPTIONS_PER_PICTURE) for _ in pictures]])
        blocks.append(pool.changes[pairs])
        for group in optimizer.param_groups:
            group["lr"] = group["lr_scale"] * _learning_rate(step, total_steps or 10**9, args.lr, args.warmup)

        if pool.image_features is not None:
            image_features = torch.from_numpy(pool.image_features[pictures])
        else:
            image_features = model.encode_image(torch.from_numpy(pool.images[pictures].astype(np.float32)),
                                                normalize=True)
        if chinese:  # each block cut to its own longest text
            text_features = torch.cat([encode_text_trimmed(model, torch.from_numpy(b).long()) for b in blocks])
        else:  # the English model keeps open_clip's own call, so that its committed weights stay reproducible
            text_features = model.encode_text(torch.from_numpy(np.concatenate(blocks)).long(), normalize=True)
        n = len(pairs)
        captions, changes = text_features[: 2 * n], text_features[-n:]
        scale = model.logit_scale.exp()
        loss_clip = clip_loss(image_features, captions, scale)
        if chinese:
            loss_clip_zh = clip_loss(image_features, text_features[2 * n : 4 * n], scale)
            loss_clip = (loss_clip + loss_clip_zh) / 2
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
                metrics = evaluate(model, preprocess, tokenizer, held_out, chinese)
                entry |= {k: round(v, 4) for k, v in metrics.items()}
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
    model, _, preprocess = open_clip.create_model_and_transforms(args.model)
    tokenizer = get_tokenizer(args.model)
    if args.resume:
        from safetensors.torch import load_file

        model.load_state_dict({k: v.float() for k, v in load_file(args.resume).items()})
    elif args.init_from:
        start_from_english(model, Path(args.init_from), tokenizer)

    pool = _cached_pool(args, preprocess)
    held_out = make_held_out()
    if args.lock_image:
        lock_image_tower(model, pool)
    data_seconds = time.monotonic() - started
    print(f"data: {args.pairs} pairs ({2 * args.pairs} pictures) in {data_seconds:.0f}s", flush=True)

    chinese = pool.captions_zh is not None
    train_started = time.monotonic()
    steps, log = fit(model, preprocess, tokenizer, pool, held_out, args, started)
    train_seconds = time.monotonic() - train_started
    last = log[-1] if log and log[-1]["step"] == steps else {}
    final = {k: v for k, v in last.items() if k in EVALUATED}
    final = final or evaluate(model, preprocess, tokenizer, held_out, chinese)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    out = Path(args.out)
    save_file(state, str(out), metadata={"model": args.model, "seed": str(args.seed), "steps": str(steps)})
    report = {
        "model": args.model,
        "languages": ["en", "zh"] if chinese else ["en"],
        "initialised_from": Path(args.init_from).name if args.init_from else None,
        "resumed_from": Path(args.resume).name if args.resume else None,
        "image_tower_locked": args.lock_image,
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
        f"query each{' (English and Chinese)' if chinese else ''}; {len(held_out.triplets)} test colour-edit "
        f"triplets; one-attribute probe sets",
        "versions": {"torch": torch.__version__, "open_clip": open_clip.__version__},
        "log": log,
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def start_from_english(model: Any, weights: Path, tokenizer: Any) -> None:
    """Start the bilingual model from the English world model (``--init-from``).

    The image tower and the temperature are copied. So is the text tower's body
    (transformer, final norm, projection, the first 32 positions), and each English
    token of the new vocabulary starts at the mean of the embeddings of the CLIP BPE
    pieces that spell it ("red" -> "red</w>", "hexagons" -> "hexagon" + "s</w>"); the
    start and end tokens at CLIP's. Each Chinese character of the world's word tables
    starts at the mean of its dictionary words' embeddings (``bilingual.seed_words``);
    other characters and positions 32-55 start random. This is how a monolingual text
    encoder is carried to a new language (Artetxe et al., 2020: new embeddings, same body;
    WECHSEL: the new embeddings from a bilingual dictionary): English works from the first
    step, and Chinese only has to learn its word order and the rest of its characters in a
    space the body already reads, which takes tens of steps, not a model trained from scratch.
    """
    import open_clip
    import torch
    from safetensors.torch import load_file

    english = {k: v.float() for k, v in load_file(str(weights)).items()}
    state = model.state_dict()
    if any(state[k].shape != english[k].shape for k in state if k.startswith("visual.")):
        raise SystemExit(f"{weights}: its image tower is not this model's")
    for name, tensor in english.items():
        if name.startswith(("visual.", "transformer.", "ln_final.")) or name in ("logit_scale", "text_projection"):
            state[name] = tensor
    positions = english["positional_embedding"]
    state["positional_embedding"][: len(positions)] = positions
    clip = open_clip.get_tokenizer(MODEL_NAME)
    source, target = english["token_embedding.weight"], state["token_embedding.weight"]
    vocabulary = tokenizer.vocabulary()
    specials = {"<start_of_text>": [clip.sot_token_id], "<end_of_text>": [clip.eot_token_id]}
    for token, index in vocabulary.items():
        pieces = specials.get(token) or (clip.encode(token) if token.isascii() and token.isprintable() else [])
        if pieces:
            target[index] = source[torch.tensor(pieces)].mean(dim=0)
    framing = (0, vocabulary["<end_of_text>"])
    for character, words in seed_words().items():
        ids = [i for word in words for i in tokenizer([word])[0, 1:].tolist() if i not in framing]
        target[vocabulary[character]] = target[torch.tensor(ids)].mean(dim=0)
    model.load_state_dict(state)


def _cached_pool(args: argparse.Namespace, preprocess: Callable) -> TrainingPool:
    """``build_pool``, kept in ``--pool-cache`` (a folder) so that a resumed run skips the generation."""
    if not args.pool_cache:
        return build_pool(args.pairs, args.seed, preprocess, args.workers, args.model)
    path = Path(args.pool_cache) / f"{args.model}-{args.pairs}-{args.seed}.npz"
    if path.exists():
        with np.load(path) as saved:
            arrays = {k: saved[k] for k in saved.files}
        return TrainingPool(**arrays)
    pool = build_pool(args.pairs, args.seed, preprocess, args.workers, args.model)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: v for k, v in vars(pool).items() if isinstance(v, np.ndarray)}
    np.savez(path, **arrays)
    return pool


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=MODEL_NAME, choices=(MODEL_NAME, MODEL_NAME_ZH),
                        help=f"{MODEL_NAME_ZH}: English and Chinese captions, its own tokenizer.json")
    parser.add_argument("--out", help=f"safetensors file to write (a .json goes beside it; default {WEIGHTS.name}, "
                                      f"or {WEIGHTS_ZH.name} for {MODEL_NAME_ZH})")
    parser.add_argument("--init-from", metavar="SAFETENSORS",
                        help=f"start {MODEL_NAME_ZH} from the English model's weights (see start_from_english)")
    parser.add_argument("--resume", metavar="SAFETENSORS", help="continue from weights of this same model")
    parser.add_argument("--pool-cache", metavar="DIR", help="keep the generated training pool here and reuse it")
    parser.add_argument("--lock-image", action="store_true",
                        help="train the text tower only, against image features embedded once")
    parser.add_argument("--seed", type=int, default=0)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="exact number of optimiser steps (reproducible)")
    budget.add_argument("--minutes", type=float, help="wall-clock budget, data generation included")
    parser.add_argument("--pairs", type=int, default=16_000, help="training pairs (each two pictures)")
    parser.add_argument("--batch-pairs", type=int, default=96)
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--logit-scale-lr", type=float, default=20.0, help="learning-rate multiplier")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--composed-weight", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="processes generating the data")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--calibration-steps", type=int, default=5)
    parser.add_argument("--reserve-seconds", type=float, default=20, help="kept for the final evaluation and save")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = str(WEIGHTS_ZH if args.model == MODEL_NAME_ZH else WEIGHTS)
    if args.steps is None and args.minutes is None:
        args.steps = 720
    return args


def main(argv: Sequence[str] | None = None) -> int:
    report = train(parse_args(argv))
    print(json.dumps({k: report[k] for k in ("steps", "train_seconds", "total_seconds", "held_out")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
