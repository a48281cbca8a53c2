"""`medialens models export NAME [--weights FILE]` and `medialens models verify NAME`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from core.embed import model_key, resolve_identity, torch_available
from core.errors import ModelError
from core.paths import models_cache_dir
from core.runtime.manifest import export_folder, export_named, verify

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
    from core.runtime.export import export_model

    def say(msg: str) -> None:
        if not args.json:
            print(msg, file=sys.stderr)

    if getattr(args, "layout", "medialens") == "immich":
        from core.runtime.export_immich import export_immich

        result = export_immich(args.name or args.model, weights=args.weights, models_dir=models_cache_dir(),
                               out=Path(args.out) if args.out else None,
                               tokenizer=Path(args.tokenizer) if args.tokenizer else None,
                               languages=tuple(x.strip() for x in args.languages.split(",") if x.strip()),
                               probe_files=_probe_files(args.probes), progress=say)
    else:
        result = export_model(args.name or args.model, weights=args.weights, models_dir=models_cache_dir(),
                              probe_files=_probe_files(args.probes), progress=say)
    a = result.manifest.agreement
    if args.json:
        print(json.dumps({"folder": str(result.folder), "key": result.manifest.key, "agreement": a}, indent=1))
        return 0
    print(f"exported {result.manifest.name} to {result.folder}")
    print(f"agreement with open_clip: image cosine ≥ {a['image_min_cosine']:.7f} on {a['images']} pictures, "
          f"text cosine ≥ {a['text_min_cosine']:.7f} on {a['texts']} texts "
          f"({'its own tokenizer' if getattr(args, 'tokenizer', None) else 'same token ids'})")
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


class DownloadBar:
    """A model download's progress on stderr (`medialens models get`, and any command that downloads first)."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, initial=done, unit="B", unit_scale=True, unit_divisor=1000,
                            desc=f"downloading {self.label}", file=sys.stderr, dynamic_ncols=True,
                            mininterval=0.2 if sys.stderr.isatty() else 2.0)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def get_command(args) -> int:
    """`medialens models get [NAME]`: download a catalogue model (the one proposed for this machine by default)."""
    from core.runtime.catalogue import catalogue, find_entry, propose
    from core.runtime.download import download

    name = args.name or args.model
    entry = find_entry(name) if name else propose()
    if entry is None:
        names = ", ".join(e.name for e in catalogue())
        raise ModelError(f"{name!r} is not a model MediaLens downloads; these are: {names}")
    bar = DownloadBar(entry.name)
    try:
        folder = download(entry, models_cache_dir(), bar)
    finally:
        bar.close()
    manifest = verify(folder) if args.json else None
    if args.json:
        print(json.dumps({"name": entry.name, "folder": str(folder), "key": manifest.key}, indent=1))
        return 0
    print(f"{entry.name} is ready: {folder} ({entry.download_mb} MB, SHA-256 checked); "
          f"use it with --model {entry.name}")
    return 0


def _speed(entry) -> str:
    from core.runtime.catalogue import photos_per_second

    rate = photos_per_second(entry)
    if not rate:
        return "-"
    return f"≈{rate:.0f} photos/s" if rate >= 1 else f"≈{60 * rate:.0f} photos/min"


def catalogue_rows(active_key: str | None) -> list[dict]:
    """The catalogue as `medialens models` shows it: what a download costs and gives, on this machine."""
    from core.runtime.catalogue import catalogue, photos_per_second, propose
    from core.runtime.download import installed

    entries = catalogue()
    proposed = propose(entries=entries)
    models = models_cache_dir()
    rows = []
    for e in entries:
        rate = photos_per_second(e)
        rows.append({"name": e.name, "kind": "download", "repo": e.repo, "revision": e.revision, "key": e.key,
                     "download_mb": e.download_mb, "size_pinned": e.pinned, "languages": list(e.languages),
                     "photos_per_s": round(rate, 1) if rate else None, "quality": e.quality,
                     "quality_source": e.quality_source, "licence": e.licence, "notes": e.notes,
                     "installed": installed(e, models) is not None, "proposed": e is proposed,
                     "active": e.key == active_key, "speed": _speed(e)})
    return rows


def print_catalogue(rows: list[dict]) -> None:
    print("Models MediaLens downloads (ONNX Runtime, no torch; * in use, + proposed for this computer):")
    for r in rows:
        mark = "*" if r["active"] else ("+" if r["proposed"] else " ")
        size = f"{r['download_mb']} MB" if r["size_pinned"] else f"~{r['download_mb']} MB"
        state = "installed" if r["installed"] else "download"
        print(f"{mark} {r['name']:32} {size:>9}  {','.join(r['languages']):12} {r['speed']:>15}  {state:9}  "
              f"{r['licence']:12}  {r['quality']} ({r['quality_source']})")
    print("Get one with `medialens models get NAME` (or any index or search: they download what they need).")
