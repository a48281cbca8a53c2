"""Write the bilingual world model in Immich's Hugging Face layout, ready to be served as a model hub.

    python -m tests.quality.export_hub OUT_DIR [--weights medialens-world-zh.safetensors]

OUT_DIR gets ``config.json``, ``visual/model.onnx`` + ``visual/preprocess_cfg.json``,
``textual/model.onnx`` + ``textual/tokenizer.json`` + ``textual/tokenizer_config.json`` and
``medialens.json`` (name, model key, SHA-256 of each file, languages en+zh, the agreement with
open_clip). It is the same as

    medialens models export MediaLens-World-zh --layout immich \\
        --weights tests/quality/medialens-world-zh.safetensors \\
        --tokenizer core/models/model_configs/MediaLens-World-zh/tokenizer.json --languages en,zh --out OUT_DIR

with the world's own captions of both languages added to the texts the export is checked on.
A local HTTP server over OUT_DIR's parent, named by ``HF_ENDPOINT``, then serves it as the
repository ``<owner>/<OUT_DIR's name>`` (the packaging smoke test does that). Needs the torch extra.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.quality import world, world_zh
from tests.quality.bilingual import MODEL_NAME_ZH, TOKENIZER, WEIGHTS_ZH

LANGUAGES = ("en", "zh")
PROBE_SEED = 7_200_001


def probe_texts(n_pictures: int = 12) -> list[str]:
    """Generic probes plus English and Chinese world captions: the export must agree on both languages."""
    from core.models.runtime.export import PROBE_TEXTS

    pictures = world.make_pictures(n_pictures, PROBE_SEED, "test")
    return [*PROBE_TEXTS, "红色的圆", *(p.query for p in pictures), *(world_zh.query_zh(p) for p in pictures)]


def export_hub(out: Path, weights: Path = WEIGHTS_ZH) -> Path:
    """Export ``weights`` (MediaLens-World-zh) to ``out`` in Immich's layout; returns the folder."""
    from core.models.runtime.export_immich import export_immich

    with tempfile.TemporaryDirectory(prefix="medialens-export-") as models_dir:
        result = export_immich(MODEL_NAME_ZH, weights=weights, models_dir=Path(models_dir), out=out,
                               tokenizer=TOKENIZER, languages=LANGUAGES, texts=probe_texts(),
                               progress=lambda message: print(message, file=sys.stderr))
    return result.folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (replaced atomically if it exists)")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_ZH)
    args = parser.parse_args(argv)
    folder = export_hub(args.out, args.weights)
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
