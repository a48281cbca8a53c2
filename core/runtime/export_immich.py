"""Export an open_clip model in Immich's Hugging Face layout, checked against open_clip like every export.

`medialens models export NAME --layout immich [--weights FILE] [--tokenizer tokenizer.json] [--out DIR]`
writes the files Immich's `immich-app/<model>` repositories hold (see `core.runtime.immich`), so a
model MediaLens makes (a fine-tune, MediaLens-World, a bilingual world model) can be published
on a hub, downloaded by the app like Immich's own, and served to Immich too:

* `visual/model.onnx` (input "image", output "embedding", L2-normalised) and `textual/model.onnx`
  (input "text" int32, as Immich feeds it); unlike Immich's exports the batch axis is dynamic.
* `config.json` (open_clip's model config), `visual/preprocess_cfg.json` (open_clip's
  preprocessing), `textual/tokenizer.json` + `tokenizer_config.json`: open_clip's BPE turned into a
  `tokenizers` file (with NFC and lower-case normalisers, so Immich's whitespace-only cleaning gives
  the same ids), or a `tokenizers` file of your own (`--tokenizer`, e.g. one trained on two languages).
* `medialens.json`: the model's name and key, the files' SHA-256, the languages and the agreement.

Nothing is kept unless ONNX Runtime, run the way the product runs it (`OnnxEncoder` over this
folder), gives open_clip's vectors: cosine ≥ 0.9999 on every probe picture and text (and the same
token ids, for open_clip's own tokenizer). Needs torch and open_clip (the `torch` extra).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.embed import Encoder, _register_configs
from core.errors import ModelError
from core.runtime.export import (
    MIN_COSINE,
    OPSET,
    PROBE_TEXTS,
    ExportResult,
    _image_config,
    _min_cosine,
    _replace_folder,
    _tokenizer_json,
    probe_images,
)
from core.runtime.immich import (
    CONFIG,
    PREPROCESS,
    ROLES,
    TOKENIZER,
    TOKENIZER_CONFIG,
    read_immich,
    write_sidecar,
)
from core.runtime.manifest import export_folder, exports_root, file_entry


def _open_clip_tokenizer(encoder: Encoder, work: Path) -> str:
    """open_clip's BPE as textual/tokenizer.json with normalisers; returns its pad token."""
    from tokenizers import Tokenizer, normalizers

    _tokenizer_json(encoder.tokenizer, work / "textual")
    path = work / "textual" / "tokenizer.json"
    tok = Tokenizer.from_file(str(path))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tok.save(str(path))
    return tok.id_to_token(0)


def _own_tokenizer(source: Path, work: Path) -> str:
    """A `tokenizers` file given by the caller, copied; its pad token (its padding's, else id 0's)."""
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(source))
    except Exception as exc:  # tokenizers raises a bare Exception for a bad file
        raise ModelError(f"{source}: not a readable tokenizers file ({str(exc)[:120]})") from None
    shutil.copyfile(source, work / TOKENIZER)
    padding = tok.padding or {}
    return padding.get("pad_token") or tok.id_to_token(padding.get("pad_id", 0)) or tok.id_to_token(0)


def _export_towers(model, image_size: tuple[int, int], context: int, work: Path) -> None:
    import torch

    class Visual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, image):
            return self.clip.encode_image(image, normalize=True)

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, text):
            return self.clip.encode_text(text, normalize=True)

    image = torch.zeros(2, 3, *image_size)
    text = torch.ones(2, context, dtype=torch.int32)
    # Not under no_grad: there nn.MultiheadAttention takes its fused fast path, which has no ONNX form.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module, arg, inp, path in ((Visual(), image, "image", work / ROLES["visual"]),
                                       (Text(), text, "text", work / ROLES["text"])):
            torch.onnx.export(module.eval(), (arg,), str(path), input_names=[inp], output_names=["embedding"],
                              dynamic_axes={inp: {0: "batch"}, "embedding": {0: "batch"}}, opset_version=OPSET,
                              do_constant_folding=True, dynamo=False)


def _agreement(encoder: Encoder, work: Path, own_tokenizer: bool, images, texts: Sequence[str]) -> dict:
    """The export run as the product runs it, against open_clip on torch."""
    import torch

    from core.runtime.encoder import OnnxEncoder

    onnx = OnnxEncoder(work, device="cpu")
    ids, _mask = onnx.tokenizer.encode(list(texts))
    if not own_tokenizer:
        theirs = encoder.tokenizer(list(texts)).numpy()
        bad = [t for t, a, b in zip(texts, theirs, ids, strict=True) if not np.array_equal(a, b)]
        if bad:
            raise ModelError(f"the exported tokenizer disagrees with open_clip's on {bad[0]!r}; nothing was saved")
    with torch.inference_mode():
        torch_text = encoder.torch_model.encode_text(torch.from_numpy(ids)).float().numpy()
    pre_torch = np.stack([encoder.preprocess(im).numpy() for im in images])
    pre_onnx = np.stack([onnx.preprocess(im) for im in images])
    return {
        "images": len(images), "texts": len(texts),
        "preprocess_max_abs_diff": float(np.max(np.abs(pre_torch - pre_onnx))),
        "image_min_cosine": _min_cosine(encoder.encode_images(images), onnx.encode_images(images)),
        "text_min_cosine": _min_cosine(torch_text, onnx._encode_text_batch(list(texts))),
    }


def export_immich(name: str, *, weights: str | Path | None = None, pretrained: str | None = None,
                  models_dir: Path, out: Path | None = None, tokenizer: Path | None = None,
                  languages: Sequence[str] = ("en",), key: str | None = None,
                  probe_files: Sequence[Path] = (), texts: Sequence[str] = PROBE_TEXTS,
                  min_cosine: float = MIN_COSINE, progress: Callable[[str], None] | None = None) -> ExportResult:
    """Export a model to Immich's layout in `out` (default: the models folder, where it is used by name).

    `tokenizer`: a `tokenizers` file whose ids the model was trained on (default: open_clip's own
    BPE for the model). `key`: the vector space's identity (default: the model key of the weights,
    as every export). `languages`: what queries it understands, as `models` lists it.
    """
    import onnx
    import open_clip
    import torch

    say = progress or (lambda _msg: None)
    encoder = Encoder(name, pretrained=pretrained, weights=weights, device="cpu", cache_dir=models_dir)
    encoder.load(progress=say)
    model = encoder.torch_model.float().eval()
    _register_configs()
    config = open_clip.get_model_config(encoder.name)
    if config is None:
        raise ModelError(f"open_clip has no config for {encoder.name}: name the folder of its JSON config "
                         f"in $MEDIALENS_MODEL_CONFIGS")
    key = key or encoder.key
    final = Path(out).expanduser().resolve() if out else export_folder(models_dir, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=final.parent if out else exports_root(models_dir)))
    work.chmod(0o755)
    try:
        (work / "visual").mkdir()
        (work / "textual").mkdir()
        image_cfg = _image_config(model)
        (work / CONFIG).write_text(json.dumps(config, indent=1))
        (work / PREPROCESS).write_text(json.dumps(
            {"size": list(image_cfg.size), "mode": "RGB", "mean": list(image_cfg.mean), "std": list(image_cfg.std),
             "interpolation": image_cfg.interpolation, "resize_mode": image_cfg.resize_mode,
             "fill_color": image_cfg.fill_color}, indent=1))
        pad = _own_tokenizer(Path(tokenizer), work) if tokenizer else _open_clip_tokenizer(encoder, work)
        context = int(config.get("text_cfg", {}).get("context_length", 77))
        (work / TOKENIZER_CONFIG).write_text(json.dumps({"pad_token": pad, "model_max_length": context}, indent=1))
        say(f"exporting {encoder.name} to ONNX in Immich's layout (opset {OPSET})")
        try:
            _export_towers(model, image_cfg.size, context, work)
        except Exception as exc:  # the exporter fails with many types on an unsupported layer
            raise ModelError(f"torch cannot export {encoder.name} to ONNX: {str(exc).splitlines()[0][:200]}") from None
        files = {role: file_entry(work, rel) for role, rel in ROLES.items()}
        sidecar = {"name": encoder.name, "key": key, "pretrained": encoder.pretrained, "files": files,
                   "languages": tuple(languages), "clean": None if tokenizer else "lower",
                   "source": str(encoder.weights) if encoder.weights else encoder.pretrained,
                   "exported_with": {"torch": torch.__version__, "open_clip": open_clip.__version__,
                                     "onnx": onnx.__version__}}
        write_sidecar(work, **sidecar)
        say("checking the export against open_clip")
        figures = _agreement(encoder, work, tokenizer is not None, probe_images(probe_files), texts)
        worst = min(figures["image_min_cosine"], figures["text_min_cosine"])
        if worst < min_cosine:
            raise ModelError(
                f"the ONNX export of {encoder.name} disagrees with open_clip (image cosine "
                f"{figures['image_min_cosine']:.6f}, text cosine {figures['text_min_cosine']:.6f}; "
                f"at least {min_cosine} needed); nothing was saved")
        write_sidecar(work, **sidecar, agreement=figures)
        _replace_folder(work, final)
        return ExportResult(final, read_immich(final))
    finally:
        shutil.rmtree(work, ignore_errors=True)
