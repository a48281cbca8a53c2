"""Which registry model a weights file belongs to, read from its tensor names and shapes, without torch.

A user on an offline machine picks "a weights file" and should not have to know which
architecture it is: loading `medialens-world.safetensors` as the default ViT-B-32 fails deep in
torch. `identify` reads only the file's tensor table: a `.safetensors` header (the `safetensors`
package, numpy framework), or the pickle inside a torch zip checkpoint (`.pt`/`.bin`/`.pth`)
read with an unpickler that rebuilds shapes, never tensors, so no torch is needed and nothing
in the file is executed. An exported ONNX model folder names its model in its manifest.

Each registry model has a *signature*: a few tensors whose shapes tell the architectures apart
(patch embedding, projections, text width and context). A file fits a model when it holds all
of them with those shapes; tests/core/test_weights.py checks the table against open_clip.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

from core.errors import ModelError

Shape = tuple[int, ...]

#: registry name -> {tensor name: shape} that only that model's checkpoints have.
SIGNATURES: dict[str, dict[str, Shape]] = {
    "ViT-B-32": {"visual.conv1.weight": (768, 3, 32, 32), "visual.proj": (768, 512),
                 "token_embedding.weight": (49408, 512), "positional_embedding": (77, 512),
                 "text_projection": (512, 512)},
    "ViT-B-16": {"visual.conv1.weight": (768, 3, 16, 16), "visual.proj": (768, 512),
                 "token_embedding.weight": (49408, 512), "positional_embedding": (77, 512),
                 "text_projection": (512, 512)},
    "ViT-L-14": {"visual.conv1.weight": (1024, 3, 14, 14), "visual.proj": (1024, 768),
                 "token_embedding.weight": (49408, 768), "positional_embedding": (77, 768),
                 "text_projection": (768, 768)},
    "MobileCLIP-S2": {"visual.trunk.stem.0.conv_kxk.0.conv.weight": (80, 3, 3, 3),
                      "visual.trunk.head.fc.weight": (512, 1280), "text.positional_embedding": (77, 512),
                      "text.text_projection": (512, 512)},
    "xlm-roberta-base-ViT-B-32": {"visual.conv1.weight": (768, 3, 32, 32), "visual.proj": (768, 512),
                                  "text.transformer.embeddings.word_embeddings.weight": (250002, 768)},
    "MediaLens-World": {"visual.conv1.weight": (96, 3, 8, 8), "visual.proj": (96, 128),
                        "token_embedding.weight": (49408, 64), "positional_embedding": (32, 64),
                        "text_projection": (64, 128)},
    # the bilingual world model: same image tower, its own 4,099-token vocabulary and 56 positions
    "MediaLens-World-zh": {"visual.conv1.weight": (96, 3, 8, 8), "visual.proj": (96, 128),
                           "token_embedding.weight": (4099, 64), "positional_embedding": (56, 64),
                           "text_projection": (64, 128)},
}


class _ShapeOnly:
    """Stands in for a tensor in an unpickled checkpoint: only its size is kept."""

    def __init__(self, shape: Shape):
        self.shape = tuple(int(s) for s in shape)


class _Stub:
    """Any other object a checkpoint pickles (storages, optimiser state, argparse namespaces): ignored."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def _rebuild_tensor(storage, offset, size, *args, **kwargs) -> _ShapeOnly:
    return _ShapeOnly(size)


def _rebuild_parameter(data, *args, **kwargs):
    return data


class _ShapeUnpickler(pickle.Unpickler):
    """torch's pickle protocol, with tensors rebuilt as shapes and every other class a stub."""

    def find_class(self, module: str, name: str):
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch._utils" and name in ("_rebuild_parameter", "_rebuild_parameter_with_state"):
            return _rebuild_parameter
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        return _Stub

    def persistent_load(self, pid):
        return None


def _torch_zip_shapes(path: Path) -> dict[str, Shape]:
    with zipfile.ZipFile(path) as zf:
        pkl = next((n for n in zf.namelist() if n.endswith("/data.pkl") or n == "data.pkl"), None)
        if pkl is None:
            raise ModelError(f"{path}: not a weights file (a zip without a torch checkpoint inside)")
        with zf.open(pkl) as fh:
            obj = _ShapeUnpickler(fh).load()
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        return {}
    return {k: v.shape for k, v in obj.items() if isinstance(k, str) and isinstance(v, _ShapeOnly)}


def tensor_shapes(path: str | Path) -> dict[str, Shape]:
    """Tensor name -> shape of a weights file, read without loading any tensor (and without torch)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".safetensors":
            from safetensors import safe_open

            with safe_open(str(path), framework="numpy") as f:
                shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118 - not a dict
        elif zipfile.is_zipfile(path):
            shapes = _torch_zip_shapes(path)
        else:
            raise ModelError(f"{path}: cannot read its tensors (expected a .safetensors file or a torch "
                             f"zip checkpoint .pt/.bin/.pth)")
    except ModelError:
        raise
    except Exception as exc:  # a damaged or foreign file: one line, whatever the parser raised
        raise ModelError(f"{path}: not a readable weights file ({str(exc).splitlines()[0][:120]})") from None
    return {k.removeprefix("module."): v for k, v in shapes.items()}


def fits(shapes: dict[str, Shape], name: str) -> bool:
    signature = SIGNATURES.get(name)
    return bool(signature) and all(shapes.get(k) == s for k, s in signature.items())


def identify(path: str | Path) -> str | None:
    """The registry name of the model a weights file (or an exported model folder) belongs to, or None."""
    path = Path(path)
    if path.is_dir():
        from core.models.runtime.manifest import read_manifest

        return read_manifest(path).name
    shapes = tensor_shapes(path)
    return next((name for name in SIGNATURES if fits(shapes, name)), None)


def no_fit_message(path: str | Path) -> str:
    return (f"{path}: its tensors fit none of the known models ({', '.join(SIGNATURES)}); "
            f"name the model it belongs to with --model NAME")


def model_for_weights(path: str | Path, name: str | None) -> str | None:
    """The registry model to load a weights *file* as: `name` checked against the file, or recognised.

    None when `name` is not a registry model (a custom architecture from $MEDIALENS_MODEL_CONFIGS:
    open_clip checks those). Raises ModelError, in one line, when the file fits another model or none.
    """
    if name is not None and name.lower() not in {n.lower() for n in SIGNATURES}:
        return None
    try:
        found = identify(path)
    except ModelError:
        if name is not None:  # a format read here cannot parse (an old torch pickle): open_clip will try
            return name
        raise
    if name is None:
        if found is None:
            raise ModelError(no_fit_message(path))
        return found
    if found is None:
        raise ModelError(f"{path}: these weights do not fit model {name} (nor any other known model)")
    if found.lower() != name.lower():
        raise ModelError(f"{path}: holds {found} weights, not {name}; leave out --model, or name {found}")
    return found
