"""Textual inversion at query time: a picture turned into a word the text encoder understands.

A composed edit ("this photo, but at night") needs the reference in the text
encoder's own language. Following the training-free optimisation of SEARLE
(OTI) and the image-to-word idea of Context-I2W, we optimise the input
embedding of one pseudo-word `<v>` so that the text encoder maps
"a photo of <v>" onto the reference's image vector, then encode
"a photo of <v>, {change}" as an ordinary text query.

Left alone, the optimised embedding grows to several times the length of any
real token (on the world model 0.7-0.85, against at most 0.33), off the
manifold of words the change text is meant to combine with. It is kept no
longer than the longest real token, a cheap stand-in for SEARLE's pull towards
real words; on the world model that costs nothing in fit or composed recall.

The pseudo-word is spliced in through a forward hook on the text tower's token
embedding. The hook acts only on the thread that asked for it (a thread-local
override), so other threads keep encoding ordinary text with the same model
while an inversion runs. Gradients are taken with respect to the pseudo-word
alone; the model's weights are never touched.

Costs scale with steps × the text tower; `default_steps` gives the budget per
device (chosen in tests/bench/compose.py, "inversion budget").
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import QueryError
from core.models.embed import Encoder

#: The caption the pseudo-word must reproduce, and the one that carries the change.
TEMPLATE = "a photo of *"
CHANGE_TEMPLATE = "a photo of *, {change}"
_PLACEHOLDER, _OTHER = "*", "#"

#: Optimisation steps per device kind (interactive on CPU, more where a GPU makes them cheap).
STEPS = {"cpu": 40, "mps": 100, "cuda": 200}
#: A slow machine or a large text tower stops optimising here and keeps what it has (the budget's safety net).
TIME_LIMIT_S = 3.0
#: Adam's step size, in units of the vocabulary's per-dimension spread (so budgets transfer across models).
LEARNING_RATE = 0.5
#: Pseudo-words optimised side by side from different starts; the best fit is kept.
RESTARTS = 4

_override = threading.local()
_hook_lock = threading.Lock()


def default_steps(device: str) -> int:
    """The step budget for a device ("cuda:1" counts as cuda)."""
    return STEPS.get(device.split(":")[0], STEPS["cpu"])


@dataclass(frozen=True)
class PseudoWord:
    """An optimised input embedding and how well "a photo of <v>" reproduced the reference."""

    embedding: np.ndarray  # (width,) float32
    fit: float  # cosine between the caption's vector and the reference vector


def _token_embedding(model):
    """The text tower's token embedding module (CLIP and custom-text towers)."""
    for owner in (model, getattr(model, "text", None)):
        emb = getattr(owner, "token_embedding", None)
        if emb is not None:
            return emb
    return None


def supports_inversion(encoder: Encoder) -> bool:
    """Whether the model's text tower has a token embedding we can splice a pseudo-word into.

    An ONNX Runtime encoder answers with the torch model it was exported from (inversion needs
    autograd); without the torch extra that is a clear error saying so.
    """
    return _token_embedding(encoder.torch_encoder().torch_model) is not None


def _install_hook(model) -> None:
    """Once per model: a hook that replaces placeholder positions when this thread asks for it."""
    import torch

    emb = _token_embedding(model)
    if emb is None:
        raise QueryError("this model's text encoder does not support textual inversion; "
                         "choose another composition method (--method sum)")
    with _hook_lock:
        if getattr(emb, "_medialens_splice", False):
            return

        def splice(_module, _inputs, output):
            ov = getattr(_override, "value", None)
            if ov is None:
                return output
            mask, vectors = ov  # mask (B, L) bool, vectors (B, width)
            return torch.where(mask.unsqueeze(-1), vectors.unsqueeze(1).to(output.dtype), output)

        emb.register_forward_hook(splice)
        emb._medialens_splice = True


def _tokens(encoder: Encoder, texts: Sequence[str]):
    """Token ids for `texts` and the mask of each text's pseudo-word position.

    The position is found by tokenising once more with another placeholder and
    taking the first token that differs, so any tokenizer works and a `*` in the
    change text itself is left alone.
    """
    import torch

    tok = encoder.tokenizer
    ids = tok(list(texts))
    other = tok([t.replace(_PLACEHOLDER, _OTHER, 1) for t in texts])
    diff = ids != other
    first = diff.float().argmax(dim=1)
    if not bool(diff.any(dim=1).all()):
        raise QueryError("the pseudo-word does not fit in the model's text length; shorten the change text")
    mask = torch.zeros_like(diff)
    mask[torch.arange(len(texts)), first] = True
    return ids, mask


def _text_tower(model):
    """The module holding the text transformer's parts (CLIP keeps them inline, custom-text CLIP in `.text`)."""
    return model if hasattr(model, "transformer") and hasattr(model, "token_embedding") else model.text


def _encode_short(model, ids):
    """`model.encode_text` over the tokens up to the last end-of-text only.

    CLIP's text tower is causal and pools at the end-of-text token, so the padding
    after it (60-70 of 77 positions for a short caption) cannot change the result;
    skipping it makes each optimisation step several times cheaper.
    """
    import torch

    tower = _text_tower(model)
    length = int(ids.argmax(dim=1).max()) + 1
    ids = ids[:, :length]
    cast = tower.transformer.get_cast_dtype()
    x = tower.token_embedding(ids).to(cast) + tower.positional_embedding[:length].to(cast)
    x = tower.transformer(x, attn_mask=tower.attn_mask[:length, :length])
    x = tower.ln_final(x)[torch.arange(ids.shape[0], device=ids.device), ids.argmax(dim=1)]
    proj = tower.text_projection
    return proj(x) if isinstance(proj, torch.nn.Linear) else x @ proj


def _short_path_ok(encoder: Encoder) -> bool:
    """Whether `_encode_short` gives `encode_text`'s answer for this model (checked once, then remembered)."""
    import torch

    model = encoder.torch_model
    known = getattr(model, "_medialens_short_text", None)
    if known is not None:
        return known
    ok = False
    try:
        tower = _text_tower(model)
        if (getattr(tower, "text_pool_type", "argmax") == "argmax" and getattr(tower, "cls_emb", None) is None
                and getattr(tower, "attn_mask", None) is not None):
            ids = encoder.tokenizer([TEMPLATE, "a photo of two red circles on the left"]).to(encoder.device)
            with torch.no_grad():
                ok = bool(torch.allclose(_encode_short(model, ids).float(), model.encode_text(ids).float(),
                                         atol=1e-3, rtol=1e-3))
    except (AttributeError, RuntimeError, TypeError):
        ok = False
    model._medialens_short_text = ok
    return ok


def _encode_with(encoder: Encoder, ids, mask, vectors):
    """Text vectors (not normalised) with `vectors` spliced in at `mask`; differentiable in `vectors`."""
    model = encoder.torch_model
    _install_hook(model)
    device = encoder.device
    short = _short_path_ok(encoder)
    _override.value = (mask.to(device)[:, :int(ids.argmax(dim=1).max()) + 1] if short else mask.to(device), vectors)
    try:
        return _encode_short(model, ids.to(device)) if short else model.encode_text(ids.to(device))
    finally:
        _override.value = None


def _vocabulary_spread(emb):
    """Per-dimension mean and spread, and the longest token (computed once per model: 25M numbers for CLIP)."""
    import torch

    cached = getattr(emb, "_medialens_spread", None)
    if cached is None:
        with torch.no_grad():
            table = emb.weight.float()
            cached = (table.mean(0), table.std(0), float(table.norm(dim=1).max()))
        emb._medialens_spread = cached
    return cached


def invert(encoder: Encoder, target: np.ndarray, steps: int | None = None) -> PseudoWord:
    """Optimise a pseudo-word so that "a photo of <v>" encodes to (the direction of) `target`."""
    encoder = encoder.torch_encoder()
    import torch

    model = encoder.torch_model
    emb = _token_embedding(model)
    if emb is None:
        _install_hook(model)  # raises the clear error
    steps = default_steps(encoder.device) if steps is None else steps
    device = encoder.device
    ids, mask = _tokens(encoder, [TEMPLATE] * RESTARTS)
    goal = torch.as_tensor(np.asarray(target, np.float32), device=device)
    goal = goal / goal.norm()
    mean, std, longest = _vocabulary_spread(emb)
    with torch.no_grad():
        gen = torch.Generator(device="cpu").manual_seed(0)
        start = torch.randn(RESTARTS, mean.shape[0], generator=gen).to(device)
        v0 = mean + std * start
        v0[0] = mean  # one start at the centre of the vocabulary
    v = v0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([v], lr=LEARNING_RATE * float(std.mean()), weight_decay=0.01)
    deadline = time.monotonic() + TIME_LIMIT_S
    with torch.enable_grad():
        for _ in range(max(0, steps)):
            if time.monotonic() > deadline:
                break
            out = _encode_with(encoder, ids, mask, v).float()
            cos = torch.nn.functional.cosine_similarity(out, goal.unsqueeze(0), dim=-1)
            loss = (1 - cos).sum()
            (grad,) = torch.autograd.grad(loss, [v])
            v.grad = grad
            opt.step()
            with torch.no_grad():  # no longer than the longest real token: a word, not a shout
                v.mul_((longest / v.norm(dim=1, keepdim=True)).clamp(max=1.0))
    with torch.no_grad():
        out = _encode_with(encoder, ids, mask, v).float()
        cos = torch.nn.functional.cosine_similarity(out, goal.unsqueeze(0), dim=-1)
        best = int(cos.argmax())
        return PseudoWord(v[best].detach().float().cpu().numpy(), float(cos[best]))


def encode_with_word(encoder: Encoder, word: PseudoWord, texts: Sequence[str]) -> np.ndarray:
    """Normalised vectors of `texts`, each containing `*` standing for the pseudo-word."""
    encoder = encoder.torch_encoder()
    import torch

    if not texts:
        return np.zeros((0, encoder.dim), np.float32)
    ids, mask = _tokens(encoder, texts)
    with torch.no_grad():
        vec = torch.as_tensor(word.embedding, device=encoder.device).unsqueeze(0).expand(len(texts), -1)
        out = _encode_with(encoder, ids, mask, vec).float()
        out = torch.nn.functional.normalize(out, dim=-1)
    return out.cpu().numpy()


class InversionCache:
    """Recent pseudo-words by (model, reference vector, steps): a user tries several changes on one picture."""

    def __init__(self, size: int = 64):
        self._size = size
        self._lock = threading.Lock()
        self._words: OrderedDict[tuple[str, str, bytes, int], PseudoWord] = OrderedDict()

    def get(self, encoder: Encoder, reference: np.ndarray, steps: int | None = None) -> PseudoWord:
        encoder = encoder.torch_encoder()
        steps = default_steps(encoder.device) if steps is None else steps
        digest = hashlib.blake2b(np.asarray(reference, np.float32).tobytes(), digest_size=16).digest()
        key = (encoder.key, TEMPLATE, digest, steps)
        with self._lock:
            word = self._words.get(key)
            if word is not None:
                self._words.move_to_end(key)
                return word
        word = invert(encoder, reference, steps)
        with self._lock:
            self._words[key] = word
            while len(self._words) > self._size:
                self._words.popitem(last=False)
        return word
