"""English and Chinese queries on the generated world: the bilingual model against the English one and chance.

    python tests/bench/bilingual.py [--gallery 500] [--no-onnx]

One held-out gallery (test-split pictures, colour x shape pairs no training picture shows),
each picture searched with its full caption in test-only phrasings, in English and in Chinese
(``tests/quality/world_zh.py``), and with short object queries ("a green star" / "绿色的星星").
Rows: the English-only MediaLens-World, the bilingual MediaLens-World-zh through the engine's
torch encoder and through ONNX Runtime from its Immich-layout export (what the app downloads),
and random weights of the bilingual architecture. The target of issue 24: Chinese R@1 at least
0.95 x English R@1 with the bilingual model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.bench.quality import Table  # noqa: E402
from tests.quality import measures, world, world_zh  # noqa: E402
from tests.quality.bilingual import MODEL_NAME_ZH, WEIGHTS_ZH  # noqa: E402
from tests.quality.model import MODEL_NAME, WEIGHTS, TorchEncoder, load_world_model  # noqa: E402

GALLERY_SEED = 9_100_001


def measure(encoder, pictures, images) -> list[float]:
    """[R@1 en, R@5 en, R@1 zh, R@5 zh, zh/en R@1, object top-5 en, object top-5 zh]."""
    vectors = encoder.encode_images(images)
    english = measures.text_image_recall(encoder, pictures, vectors, ks=(1, 5))
    chinese = measures.text_image_recall(encoder, pictures, vectors, ks=(1, 5),
                                         queries=[world_zh.query_zh(p) for p in pictures])
    objects_en = measures.colour_shape_hits(encoder, pictures, vectors)[0]
    objects_zh = measures.colour_shape_hits(encoder, pictures, vectors, object_query=world_zh.object_query_zh)[0]
    ratio = chinese[1] / english[1] if english[1] else float("nan")
    return [english[1], english[5], chinese[1], chinese[5], ratio, objects_en, objects_zh]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gallery", type=int, default=500, help="held-out world pictures")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_ZH, help="the bilingual model's weights")
    parser.add_argument("--no-onnx", action="store_true", help="skip the Immich-layout export on ONNX Runtime")
    args = parser.parse_args(argv)

    import os

    import torch

    from core.models.embed import Encoder

    pictures = world.make_pictures(args.gallery, GALLERY_SEED, "test")
    images = [p.image() for p in pictures]
    table = Table(f"text -> image, {args.gallery} held-out pictures, full captions in test-only phrasings",
                  ["model", "runtime", "R@1 en", "R@5 en", "R@1 zh", "R@5 zh", "zh/en R@1", "obj top5 en",
                   "obj top5 zh", "seconds"])
    encoders = [
        (MODEL_NAME, "torch", lambda: Encoder(MODEL_NAME, weights=WEIGHTS, device="cpu").load()),
        (MODEL_NAME_ZH, "torch", lambda: Encoder(MODEL_NAME_ZH, weights=args.weights, device="cpu").load()),
    ]
    with tempfile.TemporaryDirectory(prefix="medialens-bilingual-") as tmp:
        if not args.no_onnx:
            def onnx():
                from core.models.runtime.encoder import OnnxEncoder
                from tests.quality.export_hub import export_hub

                return OnnxEncoder(export_hub(Path(tmp) / "MediaLens-World-zh", args.weights), device="cpu")

            encoders.append((MODEL_NAME_ZH, "onnx (Immich layout)", onnx))

        def random_weights():
            torch.manual_seed(12345)
            return TorchEncoder(*load_world_model(None, MODEL_NAME_ZH))

        encoders.append((f"{MODEL_NAME_ZH}, random weights", "torch", random_weights))
        for name, runtime, make in encoders:
            begun = time.perf_counter()
            row = measure(make(), pictures, images)
            table.rows.append([name, runtime, *row, round(time.perf_counter() - begun, 1)])
    table.notes.append(f"load average {os.getloadavg()[0]:.1f}; the English model reads Chinese as unknown bytes "
                       f"(its zh columns are its chance level on this gallery)")
    print(f"# MediaLens bilingual quality ({args.weights.name})")
    print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
