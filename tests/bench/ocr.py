"""Text in pictures and duplicates: what OCR costs, how well fused ranking finds words, how exact copy groups are.

    python tests/bench/ocr.py [--n 16] [--repeat 2] [--model MediaLens-World] [--world 40] [--dups 20]

* **indexing**: N shared COCO photos (every other one with a phrase drawn on it) indexed
  into fresh libraries with OCR off and on, alternating which goes first, `--repeat`
  times; photos/s of each (median) in the same run, and the OCR stage's own rate.
  The default model is the small world model (the hardest case for OCR's relative cost);
  `--model ViT-B-32` uses random weights of the real architecture.
* **fusion** (`--world N`): N world pictures, half carrying words and a quarter repeating them
  (tests/quality/text_world.py), trained model; OCR recall, and R@1/R@5 of word, caption and
  mixed ("invoice 2024 blue circle") queries for CLIP alone, OCR alone and fused.
* **duplicates** (`--dups K`): K distinct world pictures, each copied as a re-encode, a half
  size, a 90 % and 80 % crop, a brighter and a captioned edit, plus pictures differing from
  one of them in one attribute (distinct but similar); pair precision and recall per kind of
  copy at the library's calibrated threshold.

The big run for the report: `--n 200 --repeat 3 --model ViT-B-32 --world 120 --dups 40` (many minutes).
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import tempfile
from pathlib import Path

from _common import SHARED_DATA, machine, random_weights
from PIL import Image, ImageEnhance

from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS
from tests.quality.text_world import make_text_world, measure
from tests.text_pictures import PHRASES, draw_phrase, text_photo


def make_photos(folder: Path, n: int) -> None:
    sources = sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))
    folder.mkdir(parents=True)
    for i in range(n):
        src = sources[i % len(sources)]
        img, _ = text_photo(src, PHRASES[i % len(PHRASES)], i) if i % 2 == 0 else (Image.open(src).convert("RGB"), None)
        if i >= len(sources):
            img.putpixel((i % img.width, 0), (i % 256, 0, 0))
        img.save(folder / f"{i:05d}.jpg", "JPEG", quality=92)


def bench_indexing(args, tmp: Path) -> None:
    from core.library import Library

    weights = WEIGHTS if args.model == MODEL_NAME else random_weights(args.model, tmp)
    photos = tmp / "photos"
    make_photos(photos, args.n)
    rates: dict[bool, list[float]] = {False: [], True: []}
    ocr_rates: list[float] = []
    runs = itertools.count()
    for r in range(args.repeat):
        for ocr in ((False, True) if r % 2 == 0 else (True, False)):
            with Library(tmp / f"lib{next(runs)}", model=args.model, weights=weights, device="cpu") as lib:
                lib.models.encoder.load()  # model loading is not indexing
                report = lib.index([photos], ocr=ocr)
            rates[ocr].append(report.indexed / (report.embed_s + report.text_s))
            if ocr:
                ocr_rates.append(report.text_read / report.text_s)
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print(f"\n## indexing {args.n} photos (half with words), {args.model}, {args.repeat} alternating runs "
          f"({machine()})\n")
    print("| what | photos/s (median) | runs |")
    print("|---|---|---|")
    print(f"| OCR off (baseline) | {off:.2f} | {', '.join(f'{x:.2f}' for x in rates[False])} |")
    print(f"| OCR on | {on:.2f} | {', '.join(f'{x:.2f}' for x in rates[True])} |")
    print(f"| OCR stage alone | {statistics.median(ocr_rates):.2f} | |")
    print(f"\nOCR on runs at {on / off:.0%} of the speed with it off.")


def bench_fusion(args, tmp: Path) -> None:
    from core.library import Library

    tw = make_text_world(tmp / "world", args.world, args.world // 2, 9_500_001, n_twins=args.world // 4)
    with Library(tmp / "world-lib", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([tmp / "world"], ocr=True)
        m = measure(lib, tw)
    print(f"\n## fusion: {args.world} world pictures, {args.world // 2} with distinct words and {args.world // 4} "
          f"repeating them on other scenes, {MODEL_NAME}\n")
    print(f"OCR recall (every word of the phrase read): {m['ocr_recall']:.3f}\n")
    print("| queries | CLIP R@1 | CLIP R@5 | OCR R@1 | OCR R@5 | fused R@1 | fused R@5 |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("words", "captions", "mixed"):
        print(f"| {kind} | " + " | ".join(f"{m[f'{kind}_{e}_r{k}']:.3f}" for e in ("clip", "ocr", "fused")
                                        for k in (1, 5)) + " |")


KINDS = ("re-encode", "half size", "crop 90%", "crop 80%", "brighter", "captioned")


def pair_scores(groups, truth, kinds=KINDS) -> tuple[dict[str, float], float, int]:
    """Recall per kind of copy (pairs with their original grouped), pair precision, and false pairs."""
    predicted = set()
    for g in groups:
        names = [c.file.path.rsplit("/", 1)[-1] for c in g.copies]
        predicted |= {frozenset(p) for p in itertools.combinations(names, 2)}
    true_pairs = {frozenset((f"o{i:03d}.jpg", name)): kind for name, (i, kind) in truth.items()
                  if kind not in ("original", "distinct")}
    recall = {kind: sum(p in predicted for p, k in true_pairs.items() if k == kind)
              / sum(k == kind for k in true_pairs.values()) for kind in kinds}
    same = {p for p in predicted if len({truth[n][0] for n in p}) == 1}
    return recall, (len(same) / len(predicted) if predicted else 1.0), len(predicted) - len(same)


def write_with_copies(folder: Path, img: Image.Image, i: int) -> dict[str, tuple[int, str]]:
    """Save original `i` and its `_copies` as JPEGs in `folder`: file name -> (original index, kind of copy)."""
    img.save(folder / f"o{i:03d}.jpg", "JPEG", quality=95)
    truth = {f"o{i:03d}.jpg": (i, "original")}
    for kind, copy in _copies(img, i).items():
        name = f"o{i:03d}-{kind.replace(' ', '').replace('%', '')}.jpg"
        copy.save(folder / name, "JPEG", quality=90)
        truth[name] = (i, kind)
    return truth


def _copies(img: Image.Image, seed: int) -> dict[str, Image.Image]:
    w, h = img.size
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=60)
    captioned = img.copy()
    draw_phrase(captioned, PHRASES[seed % len(PHRASES)], seed, small=True)
    return {
        "re-encode": Image.open(buf).convert("RGB"),
        "half size": img.resize((w // 2, h // 2), Image.LANCZOS),
        "crop 90%": img.crop((w // 20, h // 20, w - w // 20, h - h // 20)),
        "crop 80%": img.crop((w // 10, h // 10, w - w // 10, h - h // 10)),
        "brighter": ImageEnhance.Brightness(img).enhance(1.25),
        "captioned": captioned,
    }


def bench_duplicates(args, tmp: Path) -> None:
    from core.library import Library
    from core.search.compose import duplicate_threshold

    folder = tmp / "dups"
    folder.mkdir()
    originals = [p.image(256) for p in world.make_pictures(args.dups, 9_600_001, "test")]
    truth: dict[str, tuple[int, str]] = {}  # file name -> (original index, kind of copy)
    for i, img in enumerate(originals):
        truth.update(write_with_copies(folder, img, i))
    probes = world.make_attribute_probes("colour", max(1, args.dups // 4), 9_700_001)
    for j, variants in enumerate(probes):
        for v, pic in enumerate(variants[:3]):
            pic.image(256).save(folder / f"similar{j:03d}-{v}.jpg", "JPEG", quality=95)
            truth[f"similar{j:03d}-{v}.jpg"] = (-1 - 10 * j - v, "distinct")
    with Library(tmp / "dups-lib", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.index([folder])
        threshold = duplicate_threshold(lib.engine().context)
        groups = lib.duplicates(threshold)
    recall, precision, _false = pair_scores(groups, truth)
    n_pairs = sum(len(g.copies) * (len(g.copies) - 1) // 2 for g in groups)
    print(f"\n## duplicates: {args.dups} originals × 6 kinds of copy, {len(probes) * 3} distinct-but-similar "
          f"pictures, {MODEL_NAME}, calibrated threshold {threshold:.4f}\n")
    print("| copy | recall (pairs with their original found) |")
    print("|---|---|")
    for kind in KINDS:
        print(f"| {kind} | {recall[kind]:.3f} |")
    print(f"\npair precision (both members copies of one original): {precision:.3f} "
          f"({n_pairs} pairs in {len(groups)} groups)")

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--model", default=MODEL_NAME)
    ap.add_argument("--world", type=int, default=40)
    ap.add_argument("--dups", type=int, default=20)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="medialens-ocr-"))
    if args.n:
        bench_indexing(args, tmp)
    if args.world:
        bench_fusion(args, tmp)
    if args.dups:
        bench_duplicates(args, tmp)


if __name__ == "__main__":
    main()
