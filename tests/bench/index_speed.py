"""How long indexing N photos takes on this machine, end to end through `Library.index`.

    python tests/bench/index_speed.py [--n 1000] [--model ViT-B-32] [--weights PATH] [--workers K]

Photos are the shared COCO pictures (real JPEGs, ~640x480) copied until there are N
files, each made unique by a tiny change so content hashes differ. Reports the scan,
embed and total times, files/s, and — as the baseline in the same run — the model's own
throughput on preprocessed batches (the rate everything else must hide behind), plus
the time of a no-change re-run.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _common import SHARED_DATA, Timer, machine, random_weights
from PIL import Image


def make_photos(folder: Path, n: int) -> None:
    sources = sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))
    folder.mkdir(parents=True)
    for i in range(n):
        src = sources[i % len(sources)]
        if i < len(sources):
            shutil.copy2(src, folder / f"{i:05d}.jpg")
        else:
            with Image.open(src) as im:
                im = im.convert("RGB")
                im.putpixel((i % im.width, 0), (i % 256, 0, 0))
                im.save(folder / f"{i:05d}.jpg", "JPEG", quality=92)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--weights")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    import torch

    from core.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="medialens-index-"))
    weights = Path(args.weights) if args.weights else random_weights(args.model, tmp)
    photos = tmp / "photos"
    make_photos(photos, args.n)
    lib = Library(tmp / "lib", model=args.model, weights=weights, device=args.device)
    enc = lib.models.encoder.load()
    bs = args.batch_size or (128 if enc.device.startswith("cuda") else 32)
    batch = torch.randn(bs, 3, enc.image_size, enc.image_size)
    enc.encode_tensors(batch)
    with Timer() as t:
        for _ in range(3):
            enc.encode_tensors(batch)
    model_rate = 3 * bs / t.s
    report = lib.index([photos], workers=args.workers, batch_size=args.batch_size)
    with Timer() as again:
        rerun = lib.index()
    lib.close()
    rate = report.indexed / report.embed_s
    print(f"# index {args.n} photos, {args.model} ({'given weights' if args.weights else 'random weights'}), "
          f"device {enc.device}, batch {bs} ({machine()})")
    print("| what | seconds | rate |")
    print("|---|---|---|")
    print(f"| model only, preprocessed batches (baseline) | | {model_rate:.1f} images/s |")
    print(f"| scan + plan | {report.scan_s:.2f} | |")
    print(f"| decode + embed + write | {report.embed_s:.2f} | {rate:.1f} images/s ({rate / model_rate:.0%} of model) |")
    print(f"| total | {report.elapsed_s:.2f} | |")
    print(f"| re-run, nothing changed | {again.s:.2f} | {rerun.unchanged} unchanged |")
    print(f"failed: {len(report.failed)}")


if __name__ == "__main__":
    main()
