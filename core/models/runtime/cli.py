"""`medialens models export NAME [--weights FILE]` and `medialens models verify NAME`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from core.errors import ModelError
from core.models.embed import model_key, resolve_identity, torch_available
from core.models.runtime.manifest import export_folder, export_named, verify
from core.paths import models_cache_dir

#: Pictures taken from `--probes DIR` (the fixed generated ones are always used too).
MAX_PROBE_FILES = 48
_PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic"}


def _probe_files(folder: str | None) -> list[Path]:
    if not folder:
        return []
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ModelError(f"{root}: --probes needs a folder of pictures")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in _PICTURE_SUFFIXES and p.is_file())
    return files[:MAX_PROBE_FILES]


def export_command(args) -> int:
    if not torch_available():
        raise ModelError("exporting a model needs torch and open_clip: pip install 'medialens[torch]'")
    from core.models.runtime.export import export_model

    def say(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr)

    result = export_model(args.name or args.model, weights=args.weights, models_dir=models_cache_dir(),
                          probe_files=_probe_files(args.probes), progress=say)
    a = result.manifest.agreement
    if args.json:
        print(json.dumps({"folder": str(result.folder), "key": result.manifest.key, "agreement": a}, indent=1))
        return 0
    print(f"exported {result.manifest.name} to {result.folder}")
    print(f"agreement with open_clip: image cosine ≥ {a['image_min_cosine']:.7f} on {a['images']} pictures, "
          f"text cosine ≥ {a['text_min_cosine']:.7f} on {a['texts']} texts (same token ids)")
    return 0


def _find(args) -> Path:
    models = models_cache_dir()
    if args.weights and Path(args.weights).is_dir():
        return Path(args.weights)
    if args.weights:
        name, _, pretrained, path = resolve_identity(args.name or args.model, None, args.weights)
        return export_folder(models, model_key(name, pretrained, path))
    folder = export_named(args.name or args.model, models)
    if folder is None:
        raise ModelError(f"no ONNX export of {args.name or args.model} in {models}: "
                         f"run `medialens models export {args.name or args.model}`")
    return folder


def verify_command(args) -> int:
    folder = _find(args)
    manifest = verify(folder)
    sizes = sum(e.bytes for e in manifest.files.values())
    print(f"{folder}: {len(manifest.files)} files, {sizes / 1e6:.1f} MB, checksums match ({manifest.key})")
    return 0
