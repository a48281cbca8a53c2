"""What an exported model folder holds: `manifest.json` beside `visual.onnx`, `text.onnx`, `tokenizer.json`.

The manifest carries everything the runtime needs without open_clip: the model's identity
(its registry name and the *model key* of the vectors it produces, so a library indexed with
torch is searchable with ONNX Runtime and back), the preprocessing (size, mean/std, resize
rule), the tokenizer's framing (context length, start/end ids), the embedding size, each
file's size and SHA-256, and the agreement measured against open_clip when it was exported.

Exports live under `<models dir>/onnx/<slug of the key>/`; `find_export` looks a key up
there. A folder can also be copied anywhere and named with `--weights FOLDER`.

A second layout is read too: Immich's Hugging Face exports (`config.json`, `visual/model.onnx`,
`textual/model.onnx` + `tokenizer.json`; see `core.models.runtime.immich`), which is what the app
downloads (`core.models.runtime.download`) and what `medialens models export --layout immich` writes.
`read_manifest` gives the same `Manifest` for both, so one `OnnxEncoder` runs either.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from core.errors import ModelError
from core.models.runtime.hints import export_hint

MANIFEST = "manifest.json"
#: The text tower's token embedding table (float32, vocabulary x width), for text towers taking token vectors.
TOKEN_TABLE = "token_table.npy"
TextInput = Literal["ids", "token_vectors"]
FORMAT = 1
EXPORTS_SUBDIR = "onnx"

# Immich's layout (the second reader, `read_immich`; see `core.models.runtime.immich` for what it holds)
SIDECAR = "medialens.json"
CONFIG = "config.json"
VISUAL = "visual/model.onnx"
PREPROCESS = "visual/preprocess_cfg.json"
TEXTUAL = "textual/model.onnx"
TOKENIZER = "textual/tokenizer.json"
TOKENIZER_CONFIG = "textual/tokenizer_config.json"
#: role in a `Manifest` -> path inside the folder
ROLES = {"visual": VISUAL, "text": TEXTUAL, "tokenizer": TOKENIZER}
#: every file of the layout, in download order (small ones first: a bad repository fails fast)
FILES = (CONFIG, PREPROCESS, TOKENIZER_CONFIG, TOKENIZER, TEXTUAL, VISUAL)
MULTILINGUAL = ("multilingual",)



@dataclass(frozen=True)
class ImageConfig:
    """open_clip's inference transform, as numbers (see `core.models.runtime.preprocess`)."""

    size: tuple[int, int]  # (height, width)
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str = "bicubic"
    resize_mode: str = "shortest"
    fill_color: int = 0


@dataclass(frozen=True)
class TextConfig:
    """How token ids are framed: [start] tokens [end], truncated to `context_length`, padded with `pad_id`."""

    context_length: int
    sot_id: int
    eot_id: int
    pad_id: int = 0
    vocab_size: int = 49408
    clean: str = "lower"  # open_clip's ftfy + lower case; "whitespace" or "canonicalize" (Immich's cleaning)
    #: "open_clip": MediaLens's own BPE export, framed here; "hf": a Hugging Face `tokenizers` file that
    #: frames its own ids (its post-processor), padded with `pad_token` (Immich's multilingual models)
    kind: str = "open_clip"
    pad_token: str | None = None
    flores_prefix: bool = False  # NLLB text towers want the query's FLORES-200 language code before the text
    #: What text.onnx takes: "ids" (N, context); or "token_vectors": rows of the `token_table` file for the ids
    #: plus the ids, any length up to the context, cut after the last end token (`export.trimmable_text`)
    input: TextInput = "ids"


@dataclass(frozen=True)
class FileEntry:
    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    name: str
    key: str
    embed_dim: int
    image: ImageConfig
    text: TextConfig
    files: dict[str, FileEntry]
    pretrained: str | None = None
    source: str | None = None  # the weights file or hub tag it was exported from
    logit_scale: float = 100.0
    opset: int = 17
    agreement: dict = field(default_factory=dict)
    exported_with: dict = field(default_factory=dict)
    format: int = FORMAT
    layout: str = "medialens"  # or "immich" (see `core.models.runtime.immich`)
    languages: tuple[str, ...] = ("en",)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_dict(cls, d: dict) -> Manifest:
        image, text = dict(d["image"]), dict(d["text"])
        image["size"] = tuple(image["size"])
        image["mean"], image["std"] = tuple(image["mean"]), tuple(image["std"])
        return cls(**{**d, "image": ImageConfig(**image), "text": TextConfig(**text),
                      "languages": tuple(d.get("languages") or ("en",)),
                      "files": {k: FileEntry(**v) for k, v in d["files"].items()}})


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entry(folder: Path, name: str) -> FileEntry:
    p = folder / name
    return FileEntry(name, p.stat().st_size, sha256_of(p))


def is_export(folder: Path) -> bool:
    return folder.is_dir() and ((folder / MANIFEST).is_file() or is_immich_layout(folder))


#: Bounds a manifest's numbers must keep: wider than any CLIP export (sizes 224–448, context 64–77,
#: vocabularies to 250k), narrow enough that a crafted folder cannot make the runtime allocate gigabytes
#: (`image.size` [20000, 20000] is 4.5 GiB a picture, `context_length` 1e7 is 1.2 GB of token ids).
MAX_MANIFEST_BYTES = 1 << 20
MAX_IMAGE_SIDE = 4096
MAX_CONTEXT = 4096
MAX_VOCAB = 1_000_000
MAX_EMBED_DIM = 16384


def read_manifest(folder: Path) -> Manifest:
    """The manifest of an exported model folder (either layout); a clear error when it is missing, damaged or
    out of bounds."""
    path = Path(folder) / MANIFEST
    if not path.is_file() and is_immich_layout(Path(folder)):
        return read_immich(Path(folder))
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ModelError(f"{path}: {path.stat().st_size} bytes is no manifest (at most {MAX_MANIFEST_BYTES}); "
                             f"export the model again")
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder}: not an exported model folder (no {MANIFEST}); "
                         f"make one with `medialens models export NAME --weights FILE`") from None
    except (OSError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ModelError(f"{path}: cannot be read ({reason}); export the model again") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        found = d.get("format") if isinstance(d, dict) else type(d).__name__
        raise ModelError(f"{path}: written by another MediaLens version (format {found!r}, "
                         f"this one reads {FORMAT}); export the model again")
    return validate_manifest(d, Path(folder))


def validate_manifest(d: dict, folder: Path) -> Manifest:
    """A `Manifest` from its JSON form, every field checked for type and bounds and every file path confined
    to `folder`; one `ModelError` naming the folder and the field otherwise (never another exception).

    For any reader of an exported folder (this format, or another layout mapped onto it).
    """
    where = Path(folder) / MANIFEST

    def bad(what: str) -> ModelError:
        return ModelError(f"{where}: {what}; this folder is not a usable model export (export the model again)")

    def number(section: dict, key: str, lo: float, hi: float, kind: type = int, default=None):
        value = section.get(key, default)
        ok = isinstance(value, kind) if kind is int else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or not (lo <= value <= hi):
            raise bad(f"{key} is {value!r}, not a {'whole ' if kind is int else ''}number from {lo} to {hi}")
        return value

    def text(section: dict, key: str, optional: bool = False, limit: int = 500):
        value = section.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value or len(value) > limit:
            raise bad(f"{key} is {str(value)[:40]!r}, not a name")
        return value

    for key, kind in (("image", dict), ("text", dict), ("files", dict)):
        if not isinstance(d.get(key), kind):
            raise bad(f"{key} is {type(d.get(key)).__name__}, not an object")
    image, txt = d["image"], d["text"]
    size = image.get("size")
    if not (isinstance(size, list) and len(size) == 2):
        raise bad(f"image.size is {str(size)[:40]!r}, not [height, width]")
    for side in size:
        number({"image.size": side}, "image.size", 1, MAX_IMAGE_SIDE)
    for key in ("mean", "std"):
        values = image.get(key)
        if not (isinstance(values, list) and len(values) == 3):
            raise bad(f"image.{key} is {str(values)[:40]!r}, not three numbers")
        for v in values:
            number({f"image.{key}": v}, f"image.{key}", 1e-6 if key == "std" else -1e3, 1e3, float)
    for key in ("interpolation", "resize_mode"):
        if key in image:
            text(image, key, limit=32)
    number(image, "fill_color", 0, 255, default=0)
    vocab = number(txt, "vocab_size", 1, MAX_VOCAB, default=49408)
    number(txt, "context_length", 2, MAX_CONTEXT)
    for key in ("sot_id", "eot_id", "pad_id"):
        number(txt, key, 0, vocab - 1, default=0)
    if "clean" in txt:
        text(txt, "clean", limit=32)
    if txt.get("input", "ids") not in ("ids", "token_vectors"):
        raise bad(f"text.input is {str(txt.get('input'))[:40]!r}, not ids or token_vectors")
    if txt.get("input") == "token_vectors" and "token_table" not in d["files"]:
        raise bad("text.input is token_vectors but files names no token_table")
    text(d, "name")
    text(d, "key")
    for key in ("pretrained", "source"):
        text(d, key, optional=True, limit=4096)
    number(d, "embed_dim", 1, MAX_EMBED_DIM)
    number(d, "logit_scale", 0, 1e4, float, default=100.0)
    number(d, "opset", 1, 1000, default=17)
    for role, entry in d["files"].items():
        if not isinstance(entry, dict):
            raise bad(f"files.{role} is {type(entry).__name__}, not an object")
        confined_path(folder, entry.get("path"), f"files.{role}.path")
        number(entry, "bytes", 0, 1 << 40)
        digest = entry.get("sha256")
        if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
            raise bad(f"files.{role}.sha256 is {str(digest)[:40]!r}, not a SHA-256")
    for key in ("agreement", "exported_with"):
        if not isinstance(d.get(key, {}), dict):
            raise bad(f"{key} is {type(d.get(key)).__name__}, not an object")
    try:
        return Manifest.from_dict(d)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise bad(f"incomplete ({exc})") from None


def confined_path(folder: Path, relative, what: str = "a file path") -> Path:
    """`folder / relative` when it names a file inside `folder` (links resolved); a `ModelError` for an
    absolute path, `..`, or a link that leads out: a manifest never reaches outside its folder."""
    where = Path(folder) / MANIFEST
    if not isinstance(relative, str) or not relative or "\0" in relative:
        raise ModelError(f"{where}: {what} is {str(relative)[:40]!r}, not a file name")
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts or rel.drive:
        raise ModelError(f"{where}: {what} {relative!r} leads outside the model folder; refused")
    base = Path(folder).resolve()
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise ModelError(f"{where}: {what} {relative!r} leads outside the model folder (through a link); refused")
    return base / rel


def _again(manifest: Manifest) -> str:
    return export_hint(manifest.name, downloadable=manifest.pretrained is not None)


def check_files(folder: Path, manifest: Manifest, which: tuple[str, ...]) -> None:
    """Files present with the size the manifest gives (a cheap truncation check; SHA-256 in `verify`)."""
    for role in which:
        entry = manifest.files.get(role)
        if entry is None:
            raise ModelError(f"{folder / MANIFEST}: names no {role} file; export the model again")
        p = folder / entry.path
        if not p.is_file():
            raise ModelError(f"{p}: missing from the exported model; export it again "
                             f"(`{_again(manifest)}`)")
        size = p.stat().st_size
        if size != entry.bytes:
            raise ModelError(f"{p}: {size} bytes where the export wrote {entry.bytes} (truncated or replaced); "
                             f"export it again (`{_again(manifest)}`)")


def verify(folder: Path) -> Manifest:
    """Every file's SHA-256 against the manifest (reads every byte: for `models verify` and installers)."""
    manifest = read_manifest(folder)
    check_files(folder, manifest, tuple(manifest.files))
    for entry in manifest.files.values():
        if entry.sha256 and sha256_of(folder / entry.path) != entry.sha256:
            raise ModelError(f"{folder / entry.path}: its checksum does not match the manifest (damaged); "
                             f"export it again (`{_again(manifest)}`)")
    return manifest


def slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key)


def exports_root(models_dir: Path) -> Path:
    return Path(models_dir) / EXPORTS_SUBDIR


def export_folder(models_dir: Path, key: str) -> Path:
    return exports_root(models_dir) / slug(key)


def find_export(key: str, models_dir: Path | None) -> Path | None:
    """The exported folder for a model key under `models_dir`, if there is one."""
    if models_dir is None:
        return None
    folder = export_folder(models_dir, key)
    if not is_export(folder):
        return None
    try:
        return folder if read_manifest(folder).key == key else None
    except ModelError:
        return folder  # damaged: the encoder reports it in one line when it loads


def _exports(models_dir: Path | None) -> list[tuple[Path, Manifest]]:
    root = exports_root(models_dir) if models_dir else None
    if root is None or not root.is_dir():
        return []
    out = []
    for folder in sorted(root.iterdir()):
        if not folder.name.startswith(".") and is_export(folder):  # .download-*, .export-*: not there yet
            try:
                out.append((folder, read_manifest(folder)))
            except ModelError:
                continue
    return out


def list_exports(models_dir: Path | None) -> list[Manifest]:
    """Every readable export under `models_dir` (damaged ones are skipped)."""
    return [manifest for _, manifest in _exports(models_dir)]


def export_named(name: str, models_dir: Path | None) -> Path | None:
    """The one export of the model called `name` (any case) under `models_dir`; None when there is none.

    Exports are keyed by the weights they were made from, so a model with no hub weights
    (a fine-tune, MediaLens-World) is found by name only this way. Two exports of the same
    model from different weights files are two vector spaces: rather than pick one silently,
    this raises a one-line ModelError naming them.
    """
    found = [(folder, m) for folder, m in _exports(models_dir) if m.name.lower() == name.lower()]
    if len(found) > 1:
        made_from = "; ".join(f"{folder} (from {m.source or m.key})" for folder, m in found)
        raise ModelError(f"model {found[0][1].name} has {len(found)} ONNX exports: {made_from}; "
                         f"pick one with --weights FOLDER")
    return found[0][0] if found else None


# ----- the second reader: Immich's Hugging Face layout ---------------------------------------------

def is_immich_layout(folder: Path) -> bool:
    folder = Path(folder)
    return (folder / CONFIG).is_file() and (folder / VISUAL).is_file() and (folder / TEXTUAL).is_file()


def _json(path: Path) -> dict:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing from the downloaded model; download it again "
                         f"(`medialens models get NAME`)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot be read ({str(exc)[:120]}); download the model again") from None
    if not isinstance(d, dict):
        raise ModelError(f"{path}: not a JSON object; download the model again")
    return d


def identity_from_folder_name(name: str) -> tuple[str, str | None, str]:
    """(open_clip name, pretrained tag, model key) of an Immich repository name: `ViT-B-32__openai`."""
    model, sep, tag = name.partition("__")
    if not sep:
        return name, None, f"{name}:immich"
    return model, tag, f"{model}:{tag}"


def _pad_token(cfg: dict) -> str | None:
    pad = cfg.get("pad_token")
    if isinstance(pad, dict):  # an AddedToken as transformers saves it
        pad = pad.get("content")
    return pad if isinstance(pad, str) else None


def read_immich(folder: Path) -> Manifest:
    """A `Manifest` for a folder in Immich's layout (checksums and identity from `medialens.json` if present)."""
    folder = Path(folder)
    cfg = _json(folder / CONFIG)
    pre = _json(folder / PREPROCESS)
    tok_cfg = _json(folder / TOKENIZER_CONFIG) if (folder / TOKENIZER_CONFIG).is_file() else {}
    side = _json(folder / SIDECAR) if (folder / SIDECAR).is_file() else {}
    text_cfg = cfg.get("text_cfg") or {}
    try:
        size = pre["size"]
        size = (int(size), int(size)) if isinstance(size, int) else (int(size[0]), int(size[-1]))
        image = ImageConfig(size=size, mean=tuple(float(x) for x in pre["mean"]),
                            std=tuple(float(x) for x in pre["std"]),
                            interpolation=str(pre.get("interpolation") or "bicubic"),
                            resize_mode=str(pre.get("resize_mode") or "shortest"),
                            fill_color=int(pre.get("fill_color") or 0))
        embed_dim = int(cfg["embed_dim"])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelError(f"{folder}: its config.json or visual/preprocess_cfg.json lacks {exc}; "
                         f"download the model again") from None
    model, tag, key = identity_from_folder_name(folder.name)
    name = side.get("name") or model
    clean = side.get("clean") or ("canonicalize" if (text_cfg.get("tokenizer_kwargs") or {}).get("clean")
                                  == "canonicalize" else "whitespace")
    nllb = name.lower().startswith("nllb")
    text = TextConfig(context_length=int(text_cfg.get("context_length", 77)), sot_id=-1, eot_id=-1,
                      vocab_size=int(text_cfg.get("vocab_size", 0) or 0), clean=clean, kind="hf",
                      pad_token=_pad_token(tok_cfg), flores_prefix=nllb)
    recorded = side.get("files") or {}
    files = {}
    for role, rel in ROLES.items():
        entry = recorded.get(role)
        if entry:
            files[role] = FileEntry(**entry)
        else:  # no checksum known: `check_files` still catches a truncated file by its size
            p = folder / rel
            files[role] = FileEntry(rel, p.stat().st_size if p.is_file() else -1, "")
    languages = side.get("languages") or (MULTILINGUAL if nllb or "xlm" in name.lower() or "labse" in name.lower()
                                          or "i18n" in name.lower() else ("en",))
    return Manifest(name=name, key=side.get("key") or key, embed_dim=embed_dim, image=image, text=text,
                    files=files, pretrained=side.get("pretrained", tag), source=side.get("source"),
                    agreement=side.get("agreement") or {}, exported_with=side.get("exported_with") or {},
                    format=FORMAT, layout="immich", languages=tuple(languages))
