"""Immich's Hugging Face model layout, read as a `Manifest` so the same `OnnxEncoder` runs it.

The reader itself (`read_immich`, `is_immich_layout`) sits in `core.runtime.manifest` beside the
first one, so that `read_manifest` dispatches without an import cycle; this module holds the rest
of the layout: the query language NLLB wants, and the `medialens.json` sidecar.

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

from core.runtime.manifest import (  # the reader lives beside the first one; these names are its layout
    CONFIG,
    FILES,
    FORMAT,
    PREPROCESS,
    ROLES,
    SIDECAR,
    TEXTUAL,
    TOKENIZER,
    TOKENIZER_CONFIG,
    VISUAL,
    FileEntry,
    identity_from_folder_name,
    is_immich_layout,
    read_immich,
)

__all__ = ["CONFIG", "FILES", "FLORES", "PREPROCESS", "ROLES", "SIDECAR", "TEXTUAL", "TOKENIZER", "TOKENIZER_CONFIG",
           "VISUAL", "flores_code", "identity_from_folder_name", "is_immich_layout", "read_immich", "system_language",
           "write_sidecar"]

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
