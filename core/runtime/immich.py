"""Read Immich's Hugging Face model layout as a `Manifest`, so the same `OnnxEncoder` runs it.

Immich publishes ONNX exports of CLIP-family models as `immich-app/<model>` repositories:

    config.json                   open_clip's model config (embed_dim, vision_cfg, text_cfg)
    visual/model.onnx             image tower: input "image" float32 (N, 3, H, W), output the embedding
    visual/preprocess_cfg.json    size, mean, std, interpolation, resize_mode (open_clip's PreprocessCfg)
    textual/model.onnx            text tower: "text" int32 ids, or M-CLIP's "input_ids" + "attention_mask"
    textual/tokenizer.json        a Hugging Face `tokenizers` file that adds its own start/end tokens
    textual/tokenizer_config.json its pad token

(read from Immich's `machine-learning/immich_ml/models/clip/{visual,textual}.py`). Text is cleaned
as Immich cleans it (runs of whitespace; "canonicalize" models also drop punctuation and lower the
case); NLLB text towers (`nllb-*`) want the query's FLORES-200 language code glued before the text.
Immich's own exports have a batch axis fixed at 1; the encoder feeds such towers one row at a time.

What Immich's files do not say — the model's name in MediaLens, its *model key* (which vectors it
shares with the torch runtime), the files' SHA-256 and the languages — is in `medialens.json`
beside them, written by the downloader after it verified the files (`core.runtime.download`) or by
the exporter (`medialens models export NAME --layout immich`). A bare Immich folder without it is
still read: its name and key come from the folder name (`ViT-B-32__openai` → `ViT-B-32:openai`).
"""

from __future__ import annotations

import json
import locale
import os
from pathlib import Path

from core.errors import ModelError
from core.runtime.manifest import FORMAT, FileEntry, ImageConfig, Manifest, TextConfig

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

#: A locale's language (as Immich's web client names it) -> the FLORES-200 code NLLB text towers expect.
FLORES: dict[str, str] = {
    "af": "afr_Latn", "ar": "arb_Arab", "az": "azj_Latn", "be": "bel_Cyrl", "bg": "bul_Cyrl", "ca": "cat_Latn",
    "cs": "ces_Latn", "da": "dan_Latn", "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn",
    "et": "est_Latn", "fa": "pes_Arab", "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr", "hi": "hin_Deva",
    "hr": "hrv_Latn", "hu": "hun_Latn", "hy": "hye_Armn", "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Hira",
    "ko": "kor_Hang", "lb": "ltz_Latn", "lt": "lit_Latn", "lv": "lav_Latn", "mk": "mkd_Cyrl", "mn": "khk_Cyrl",
    "mr": "mar_Deva", "ms": "zsm_Latn", "nb": "nob_Latn", "nn": "nno_Latn", "nl": "nld_Latn", "pl": "pol_Latn",
    "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl", "sk": "slk_Latn", "sl": "slv_Latn", "sv": "swe_Latn",
    "ta": "tam_Taml", "te": "tel_Telu", "th": "tha_Thai", "tr": "tur_Latn", "uk": "ukr_Cyrl", "ur": "urd_Arab",
    "vi": "vie_Latn", "zh": "zho_Hans", "zh-TW": "zho_Hant", "zh-HK": "zho_Hant",
}


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


def flores_code(language: str | None = None) -> str:
    """The FLORES-200 code for the query language: $MEDIALENS_QUERY_LANGUAGE, else the system locale."""
    lang = language or os.environ.get("MEDIALENS_QUERY_LANGUAGE") or system_language()
    lang = lang.replace("_", "-").split(".")[0]
    return FLORES.get(lang) or FLORES.get(lang.split("-")[0].lower()) or "eng_Latn"


def system_language() -> str:
    """The system's language as `ll` or `ll-CC` (from LC_ALL / LC_MESSAGES / LANG, then Python's locale)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "").split(":")[0]
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0].replace("_", "-")
    found = locale.getlocale()[0]
    return (found or "en").replace("_", "-")


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


def write_sidecar(folder: Path, *, name: str, key: str, pretrained: str | None, files: dict[str, FileEntry],
                  languages: tuple[str, ...], source: str | None = None, clean: str | None = None,
                  agreement: dict | None = None, exported_with: dict | None = None,
                  revision: str | None = None) -> None:
    """`medialens.json`: what Immich's files do not say (identity, checksums, languages)."""
    d = {"format": FORMAT, "name": name, "key": key, "pretrained": pretrained, "source": source,
         "revision": revision, "languages": list(languages),
         "files": {role: {"path": e.path, "bytes": e.bytes, "sha256": e.sha256} for role, e in files.items()}}
    if clean:
        d["clean"] = clean
    if agreement:
        d["agreement"] = agreement
    if exported_with:
        d["exported_with"] = exported_with
    (Path(folder) / SIDECAR).write_text(json.dumps(d, indent=1), encoding="utf-8")
