"""Export an open_clip model to an ONNX folder, and refuse one whose embeddings disagree with open_clip's.

Needs torch and open_clip (the `torch` extra); imported only by `medialens models export`.

The folder holds `visual.onnx` and `text.onnx` (torch's exporter, a dynamic batch axis),
`tokenizer.json` built with the `tokenizers` library from the model's own BPE vocabulary and
merges, and `manifest.json` (see `core.models.runtime.manifest`). Before anything is kept, the
export is run the way the product runs it (`OnnxEncoder`: numpy/Pillow preprocessing, the
`tokenizers` tokenizer, ONNX Runtime on the CPU) on a probe set of pictures and texts and
compared with open_clip on torch: token ids must be equal and every cosine ≥ 0.9999.
A failed export leaves nothing behind; a good one replaces the previous export atomically.
"""

from __future__ import annotations

import contextlib
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
    ImageConfig,
    Manifest,
    TextConfig,
    export_folder,
    exports_root,
    file_entry,
)

MIN_COSINE = 0.9999
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


def _export_towers(model, image_cfg: ImageConfig, tokens, folder: Path) -> None:
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

    image = torch.zeros(2, 3, *image_cfg.size)
    # Not under no_grad: there nn.MultiheadAttention takes its fused fast path, which has no ONNX form.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module, arg, inp, out, name in ((Visual(), image, "image", "image_vector", "visual.onnx"),
                                            (Text(), tokens, "tokens", "text_vector", "text.onnx")):
            torch.onnx.export(module.eval(), (arg,), str(folder / name), input_names=[inp], output_names=[out],
                              dynamic_axes={inp: {0: "batch"}, out: {0: "batch"}}, opset_version=OPSET,
                              do_constant_folding=True, dynamo=False)


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    from core.models.runtime.encoder import normalise_rows

    return float(np.min(np.sum(normalise_rows(a) * normalise_rows(b), axis=1)))


def check_agreement(torch_encoder: Encoder, folder: Path, images: Sequence[Image.Image],
                    texts: Sequence[str]) -> dict:
    """Run the export as the product does and compare with open_clip; returns the figures."""
    from core.models.runtime.encoder import OnnxEncoder

    onnx = OnnxEncoder(folder, device="cpu")
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
            _export_towers(model, image_cfg, encoder.tokenizer(["a photo", "two red circles"]), work)
        except Exception as exc:  # the exporter fails with many types on an unsupported layer
            raise ModelError(f"torch cannot export {encoder.name} to ONNX: {str(exc).splitlines()[0][:200]}") from None
        manifest = Manifest(
            name=encoder.name, key=encoder.key, embed_dim=encoder.dim, image=image_cfg, text=text_cfg,
            files={role: file_entry(work, f) for role, f in (("visual", "visual.onnx"), ("text", "text.onnx"),
                                                              ("tokenizer", "tokenizer.json"))},
            pretrained=encoder.pretrained, source=str(encoder.weights) if encoder.weights else encoder.pretrained,
            logit_scale=float(model.logit_scale.detach().exp()) if hasattr(model, "logit_scale") else 100.0,
            opset=OPSET,
            exported_with={"torch": torch.__version__, "open_clip": open_clip.__version__, "onnx": onnx.__version__},
        )
        (work / MANIFEST).write_text(manifest.to_json())
        say("checking the export against open_clip")
        figures = check_agreement(encoder, work, probe_images(probe_files), texts)
        worst = min(figures["image_min_cosine"], figures["text_min_cosine"])
        if worst < min_cosine:
            raise ModelError(
                f"the ONNX export of {encoder.name} disagrees with open_clip (image cosine "
                f"{figures['image_min_cosine']:.6f}, text cosine {figures['text_min_cosine']:.6f}; "
                f"at least {min_cosine} needed); nothing was saved"
            )
        manifest = replace(manifest, agreement=figures)
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

