"""Export an open_clip model to an ONNX folder, and refuse one whose embeddings disagree with open_clip's.

Needs torch and open_clip (the `torch` extra); imported only by `medialens models export`.

The folder holds `visual.onnx` and `text.onnx` (torch's exporter, a dynamic batch axis; for
open_clip's CLIP text tower a free length too, fed the query's own token vectors from
`token_table.npy`: `trimmable_text`), their int8 versions (`quantise_towers`), `tokenizer.json`
built with the `tokenizers` library from the model's own BPE vocabulary and merges, and
`manifest.json` (see `core.models.runtime.manifest`). Before anything is kept, the
export is run the way the product runs it (`OnnxEncoder`: numpy/Pillow preprocessing, the
`tokenizers` tokenizer, ONNX Runtime on the CPU) on a probe set of pictures and texts and
compared with open_clip on torch: token ids must be equal and every cosine ≥ 0.9999.
A failed export leaves nothing behind; a good one replaces the previous export atomically.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from core.errors import MediaError, ModelError
from core.media.image import load_image
from core.models.embed import Encoder
from core.models.runtime.manifest import (
    MANIFEST,
    TOKEN_TABLE,
    ImageConfig,
    Manifest,
    TextConfig,
    TextInput,
    export_folder,
    exports_root,
    file_entry,
)

MIN_COSINE = 0.9999
#: The int8 towers are kept only when every probe's vector has at least this cosine with open_clip's. On
#: MediaLens-World they keep text->image R@1 within a point of float32 (tests/quality/test_quality_onnx.py);
#: on random ViT-B-32-256 weights they agree to 0.9998 and embed images 2.4x faster (2 cores, AVX-512 VNNI).
INT8_MIN_COSINE = 0.995
OPSET = 17
#: Texts every export is checked on: plain, long (truncated), punctuation, digits, accents, other scripts.
PROBE_TEXTS: tuple[str, ...] = (
    "a dog catching a frisbee at the beach",
    "two red circles on the left",
    "A big GREEN star sliding from top to bottom on a white polka dot background, seen from far away "
    "at night with many more words than the context can hold so that truncation is exercised too",
    "the same street at night -cars",
    "café crème, naïve résumé",
    "3 cats & 12 dogs: 100% cute!!!",
    "东京的夜景",
    "  spaced   out\ttext\n",
    "don't stop; it's the kid's toy",
    "",
)


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    manifest: Manifest


def probe_images(extra: Sequence[Path] = ()) -> list[Image.Image]:
    """Fixed pictures of many shapes (so resize and crop are exercised), plus any real photos given."""
    rng = np.random.default_rng(20240611)
    images = []
    for w, h in ((640, 480), (480, 640), (333, 333), (1000, 250), (250, 1000), (97, 61), (40, 90), (257, 256)):
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)), ((xx + yy) * 3) % 256], -1)
        noise = rng.integers(0, 48, size=(h, w, 3))
        images.append(Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB"))
    for path in extra:
        try:
            images.append(load_image(str(path))[0])
        except MediaError:
            continue  # a probe folder may hold videos or damaged files: the pictures are what count
    return images


def _tokenizer_json(open_clip_tokenizer, folder: Path) -> TextConfig:
    """open_clip's SimpleTokenizer as a `tokenizers` BPE: same vocabulary, merges, split and framing."""
    from tokenizers import Regex, Tokenizer, pre_tokenizers, processors
    from tokenizers.models import BPE

    tok = open_clip_tokenizer
    if not hasattr(tok, "bpe_ranks") or getattr(tok, "reduction_fn", None) is not None:
        raise ModelError(f"the tokenizer of this model ({type(tok).__name__}) cannot be exported yet; "
                         f"only open_clip's CLIP tokenizer can")
    if getattr(getattr(tok, "clean_fn", None), "__name__", "_clean_lower") != "_clean_lower":
        raise ModelError("this model cleans its text in a way the ONNX runtime does not reproduce yet")
    merges = [pair for pair, _ in sorted(tok.bpe_ranks.items(), key=lambda kv: kv[1])]
    sot, eot = "<start_of_text>", "<end_of_text>"
    model = BPE(vocab=dict(tok.encoder), merges=merges, end_of_word_suffix="</w>", continuing_subword_prefix="",
                fuse_unk=False)
    hf = Tokenizer(model)
    hf.add_special_tokens([sot, eot])
    hf.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
                             behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    hf.post_processor = processors.TemplateProcessing(single=f"{sot} $A {eot}",
                                                     special_tokens=[(sot, tok.sot_token_id), (eot, tok.eot_token_id)])
    hf.enable_truncation(max_length=tok.context_length)
    hf.enable_padding(length=tok.context_length, pad_id=0, pad_token="!")
    hf.save(str(folder / "tokenizer.json"))
    return TextConfig(context_length=int(tok.context_length), sot_id=int(tok.sot_token_id),
                      eot_id=int(tok.eot_token_id), pad_id=0, vocab_size=int(hf.get_vocab_size()))


def _image_config(model) -> ImageConfig:
    cfg = dict(getattr(model.visual, "preprocess_cfg", {}) or {})
    size = cfg.get("size", getattr(model.visual, "image_size", 224))
    size = (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[1]))
    mean, std = cfg.get("mean"), cfg.get("std")
    if mean is None or std is None:
        from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD

        mean, std = mean or OPENAI_DATASET_MEAN, std or OPENAI_DATASET_STD
    return ImageConfig(size=size, mean=tuple(float(x) for x in mean), std=tuple(float(x) for x in std),
                       interpolation=str(cfg.get("interpolation") or "bicubic"),
                       resize_mode=str(cfg.get("resize_mode") or "shortest"),
                       fill_color=int(cfg.get("fill_color") or 0))


def trimmable_text(model) -> bool:
    """Whether the text tower may be run on its tokens up to the last end token only (and take their vectors).

    True for open_clip's own CLIP text tower: causal attention (a position sees only those before it),
    positions added from a table, the end token's output taken (argmax pooling), plain residual attention
    blocks. Then the padding after the end token changes nothing, and a query of 8 tokens costs about 8/77
    of the full context.
    """
    import torch

    blocks = getattr(getattr(model, "transformer", None), "resblocks", None)
    return (type(model).__name__ == "CLIP" and getattr(model, "text_pool_type", None) == "argmax"
            and getattr(model, "attn_mask", None) is not None and getattr(model, "cls_emb", None) is None
            and isinstance(getattr(model, "token_embedding", None), torch.nn.Embedding) and blocks is not None
            and all(type(b).__name__ == "ResidualAttentionBlock" and not hasattr(b, "ln_1_kv")
                    and isinstance(b.attn, torch.nn.MultiheadAttention) and b.attn.in_proj_weight is not None
                    for b in blocks))


def _attention(attn, x, mask):
    """`nn.MultiheadAttention` (self-attention, batch first) in plain tensor operations: traced, its length
    stays a dimension of the graph (torch's own traces bake the length it was exported with into reshapes)."""
    import torch.nn.functional as F

    batch, width, heads = x.shape[0], attn.embed_dim, attn.num_heads
    q, k, v = F.linear(x, attn.in_proj_weight, attn.in_proj_bias).reshape(
        batch, -1, 3, heads, width // heads).permute(2, 0, 3, 1, 4)
    weights = (q @ k.transpose(-1, -2)) * (width // heads) ** -0.5 + mask
    return attn.out_proj((weights.softmax(dim=-1) @ v).transpose(1, 2).reshape(batch, -1, width))


def _export_towers(model, image_cfg: ImageConfig, tokens, folder: Path) -> TextInput:
    """visual.onnx and text.onnx; for a `trimmable_text` tower also token_embedding.npy, returning its layout.

    Such a text tower takes the token vectors (N, L, width), looked up from the table by the runtime, and the
    ids (N, L) for the end token's position, with L free: its session parses 40 % fewer bytes (the table is
    25M of ViT-B-32's 63M text weights and is memory-mapped instead), and a query runs on its own tokens only.
    """
    import torch

    class Visual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, image):
            return self.clip.encode_image(image)

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, tokens):
            return self.clip.encode_text(tokens)

    class TrimmedText(torch.nn.Module):
        """open_clip's `CLIP.encode_text` from looked-up token vectors, on the first L positions."""

        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, token_vectors, tokens):
            clip, length = self.clip, tokens.shape[1]
            x = token_vectors + clip.positional_embedding[:length]
            mask = clip.attn_mask[:length, :length]
            for block in clip.transformer.resblocks:
                x = x + block.ls_1(_attention(block.attn, block.ln_1(x), mask))
                x = x + block.ls_2(block.mlp(block.ln_2(x)))
            x = clip.ln_final(x)
            x = x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)]
            proj = clip.text_projection
            return proj(x) if isinstance(proj, torch.nn.Linear) else x @ proj

    image = torch.zeros(2, 3, *image_cfg.size)
    trimmed = trimmable_text(model)
    if trimmed:
        table = model.token_embedding.weight.detach().float().numpy()
        np.save(folder / TOKEN_TABLE, np.ascontiguousarray(table))
        tokens = tokens[:, :int(tokens.argmax(dim=-1).max()) + 1]  # traced shorter than the context: L stays free
        text = (TrimmedText(), (torch.from_numpy(table[tokens.numpy()]), tokens), ["token_vectors", "tokens"],
                {"token_vectors": {0: "batch", 1: "length"}, "tokens": {0: "batch", 1: "length"}})
    else:
        text = (Text(), (tokens,), ["tokens"], {"tokens": {0: "batch"}})
    # Not under no_grad: there nn.MultiheadAttention takes its fused fast path, which has no ONNX form.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module, args, inputs, axes, out, name in (
                (Visual(), (image,), ["image"], {"image": {0: "batch"}}, "image_vector", "visual.onnx"),
                (*text[:2], text[2], text[3], "text_vector", "text.onnx")):
            torch.onnx.export(module.eval(), args, str(folder / name), input_names=inputs, output_names=[out],
                              dynamic_axes={**axes, out: {0: "batch"}}, opset_version=OPSET,
                              do_constant_folding=True, dynamo=False)
    return "token_vectors" if trimmed else "ids"


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    from core.models.runtime.encoder import normalise_rows

    return float(np.min(np.sum(normalise_rows(a) * normalise_rows(b), axis=1)))


def check_agreement(torch_encoder: Encoder, folder: Path, images: Sequence[Image.Image],
                    texts: Sequence[str]) -> dict:
    """Run the export as the product does (float32 towers) and compare with open_clip; returns the figures."""
    from core.models.runtime.encoder import OnnxEncoder

    onnx = OnnxEncoder(folder, device="cpu", precision="fp32")
    ids_torch = torch_encoder.tokenizer(list(texts)).numpy()
    ids_onnx = onnx.tokenizer(list(texts))
    mismatched = [t for t, a, b in zip(texts, ids_torch, ids_onnx, strict=True) if not np.array_equal(a, b)]
    if mismatched:
        raise ModelError(f"the exported tokenizer disagrees with open_clip's on {mismatched[0]!r}; nothing was saved")
    pre_torch = np.stack([torch_encoder.preprocess(im).numpy() for im in images])
    pre_onnx = np.stack([onnx.preprocess(im) for im in images])
    return {
        "images": len(images),
        "texts": len(texts),
        "preprocess_max_abs_diff": float(np.max(np.abs(pre_torch - pre_onnx))),
        "image_min_cosine": _min_cosine(torch_encoder.encode_images(images), onnx.encode_images(images)),
        "text_min_cosine": _min_cosine(torch_encoder._encode_text_batch(list(texts)),
                                       onnx._encode_text_batch(list(texts))),
    }


@contextlib.contextmanager
def _quiet_logging():
    """The quantiser's advice, logged as a warning to the root logger, is not for MediaLens's users."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def quantise_towers(torch_encoder: Encoder, folder: Path, images: Sequence[Image.Image],
                    texts: Sequence[str]) -> dict:
    """visual.int8.onnx and text.int8.onnx beside the float32 towers: ONNX Runtime's dynamic quantisation of
    their matrix products (int8 weights, activations quantised per call). What the CPU runs by default: 2.4x
    the images per second of float32 on this project's 2-core machine, and a text session that opens 3-4x
    faster (a quarter of the bytes to parse), for vectors at cosine ~0.9998 of float32.

    Returns their agreement with open_clip on the probes; towers under `INT8_MIN_COSINE` are removed.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from core.models.runtime.encoder import OnnxEncoder

    for name in ("visual", "text"):
        with warnings.catch_warnings(), contextlib.redirect_stdout(None), _quiet_logging():
            warnings.simplefilter("ignore")
            quantize_dynamic(folder / f"{name}.onnx", folder / f"{name}.int8.onnx", weight_type=QuantType.QInt8,
                             op_types_to_quantize=["MatMul", "Gemm"])
    probe = Manifest.from_dict({**json.loads((folder / MANIFEST).read_text())})
    files = {**probe.files, **{f"{n}_int8": file_entry(folder, f"{n}.int8.onnx") for n in ("visual", "text")}}
    (folder / MANIFEST).write_text(replace(probe, files=files).to_json())
    onnx = OnnxEncoder(folder, device="cpu", precision="int8")
    figures = {
        "image_int8_min_cosine": _min_cosine(torch_encoder.encode_images(images), onnx.encode_images(images)),
        "text_int8_min_cosine": _min_cosine(torch_encoder._encode_text_batch(list(texts)),
                                            onnx._encode_text_batch(list(texts))),
    }
    for name, key in (("visual", "image_int8_min_cosine"), ("text", "text_int8_min_cosine")):
        if figures[key] < INT8_MIN_COSINE:
            (folder / f"{name}.int8.onnx").unlink()
    return figures


def export_model(name: str, *, weights: str | Path | None = None, pretrained: str | None = None,
                 models_dir: Path, probe_files: Sequence[Path] = (), texts: Sequence[str] = PROBE_TEXTS,
                 min_cosine: float = MIN_COSINE, progress: Callable[[str], None] | None = None) -> ExportResult:
    """Export a registry model (or a custom architecture with its weights file) under `models_dir`/onnx."""
    import onnx
    import open_clip
    import torch

    say = progress or (lambda _msg: None)
    encoder = Encoder(name, pretrained=pretrained, weights=weights, device="cpu", cache_dir=models_dir)
    encoder.load(progress=say)
    model = encoder.torch_model.float().eval()
    image_cfg = _image_config(model)
    root = exports_root(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=root))
    work.chmod(0o755)  # readable like any installed model, not private as mkdtemp makes it
    try:
        text_cfg = _tokenizer_json(encoder.tokenizer, work)
        say(f"exporting {encoder.name} to ONNX (opset {OPSET})")
        try:
            text_input = _export_towers(model, image_cfg, encoder.tokenizer(["a photo", "two red circles"]), work)
        except Exception as exc:  # the exporter fails with many types on an unsupported layer
            raise ModelError(f"torch cannot export {encoder.name} to ONNX: {str(exc).splitlines()[0][:200]}") from None
        manifest = Manifest(
            name=encoder.name, key=encoder.key, embed_dim=encoder.dim, image=image_cfg,
            text=replace(text_cfg, input=text_input),
            files={role: file_entry(work, f) for role, f in (("visual", "visual.onnx"), ("text", "text.onnx"),
                                                              ("tokenizer", "tokenizer.json"),
                                                              ("token_table", TOKEN_TABLE)) if (work / f).exists()},
            pretrained=encoder.pretrained, source=str(encoder.weights) if encoder.weights else encoder.pretrained,
            logit_scale=float(model.logit_scale.detach().exp()) if hasattr(model, "logit_scale") else 100.0,
            opset=OPSET,
            exported_with={"torch": torch.__version__, "open_clip": open_clip.__version__, "onnx": onnx.__version__},
        )
        (work / MANIFEST).write_text(manifest.to_json())
        say("checking the export against open_clip")
        images = probe_images(probe_files)
        figures = check_agreement(encoder, work, images, texts)
        worst = min(figures["image_min_cosine"], figures["text_min_cosine"])
        if worst < min_cosine:
            raise ModelError(
                f"the ONNX export of {encoder.name} disagrees with open_clip (image cosine "
                f"{figures['image_min_cosine']:.6f}, text cosine {figures['text_min_cosine']:.6f}; "
                f"at least {min_cosine} needed); nothing was saved"
            )
        say("quantising the towers to int8 for the CPU")
        figures.update(quantise_towers(encoder, work, images, texts))
        kept = {role: file_entry(work, f"{role.split('_')[0]}.int8.onnx") for role in ("visual_int8", "text_int8")
                if (work / f"{role.split('_')[0]}.int8.onnx").exists()}
        manifest = replace(manifest, agreement=figures, files={**manifest.files, **kept})
        (work / MANIFEST).write_text(manifest.to_json())
        final = export_folder(models_dir, encoder.key)
        _replace_folder(work, final)
        return ExportResult(final, manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replace_folder(new: Path, final: Path) -> None:
    """Put `new` at `final`; a previous export is moved aside first and removed only afterwards."""
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    new.rename(final)
    with contextlib.suppress(OSError):
        shutil.rmtree(old)

