"""JPEG decoding for the model: full decode vs Pillow draft (reduced-scale DCT), speed and embedding agreement.

    python tests/bench/decode.py [--n 40] [--model ViT-B-32] [--weights PATH]

Large photos are made from the shared COCO pictures scaled to 12 MP (4000×3000) and
saved as JPEG, so both paths decode real image content at camera size. Prints
decode+preprocess time per image for each path and the cosine between the
embeddings of the two paths (random weights unless --weights is given; the
question is whether the pixels the model sees differ, which any weights answer).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, Timer, machine, random_weights
from PIL import Image


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--weights")
    args = ap.parse_args()

    from core.media.image import load_image
    from core.models.embed import Encoder

    weights = Path(args.weights) if args.weights else random_weights(args.model)
    enc = Encoder(args.model, weights=weights, device="cpu").load()
    tmp = Path(tempfile.mkdtemp(prefix="medialens-decode-"))
    sources = sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[: args.n]
    files = []
    for i, src in enumerate(sources):
        with Image.open(src) as im:
            big = im.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        p = tmp / f"big_{i:03d}.jpg"
        big.save(p, "JPEG", quality=92)
        files.append(p)
    min_side = max(enc.image_size, 240)

    def run(draft: bool):
        tensors = []
        with Timer() as t:
            for p in files:
                img, _ = load_image(str(p), min_side=min_side if draft else None)
                tensors.append(enc.preprocess(img))
        return t.s / len(files), tensors

    run(True)  # warm caches
    full_s, full_t = run(False)
    draft_s, draft_t = run(True)
    import torch

    a = enc.encode_tensors(torch.stack(full_t))
    b = enc.encode_tensors(torch.stack(draft_t))
    cos = np.sum(a * b, axis=1)
    pix = torch.stack(full_t) - torch.stack(draft_t)
    print(f"# decode + preprocess of {len(files)} JPEGs at 4000x3000 ({machine()}), model {args.model} "
          f"{'weights ' + str(weights) if args.weights else 'random weights'}")
    print("| path | ms/image | speed-up |")
    print("|---|---|---|")
    print(f"| full decode | {full_s * 1000:.1f} | 1.00x |")
    print(f"| draft (min side {min_side}) | {draft_s * 1000:.1f} | {full_s / draft_s:.2f}x |")
    print(f"embedding cosine full vs draft: mean {cos.mean():.6f}, min {cos.min():.6f}")
    print(f"preprocessed pixels (normalised units): mean |diff| {pix.abs().mean():.4f}, max {pix.abs().max():.3f}")


if __name__ == "__main__":
    main()
