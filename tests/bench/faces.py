"""Faces: what the face stage finds, how it groups, what it costs.

    python tests/bench/faces.py [--coco 40] [--n 12] [--repeat 2] [--model ViT-B-32]

* **shared faces set** (../shared/data/faces, truth in identities.json): detection recall, false faces,
  time per photo of the face model alone; grouping with the names hidden: pairwise precision/recall
  and B-cubed over the faces of single-person photos; person + words: where `two_people.jpg` ranks
  among Obama's photos for "a purple tie", the designed ranking (names out of the words) against the
  baseline (person filter, then the whole text ranked), with the model named (a random-weight model
  ranks by chance: there is no pretrained CLIP here).
* **the clip** (short_hamilton_clip.mp4): the people found in it and the spans where each is seen.
* **COCO** (`--coco N` shared photos of everyday scenes): faces found per photo, time per photo.
* **cost** (`--n` COCO photos): indexing with faces off and on, alternating which goes first,
  `--repeat` times; photos/s of each (median) in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import SHARED_DATA, machine, random_weights

from core.indexing.faces import DECODE_SIDE

FACES = SHARED_DATA / "faces"


def bench_shared(tmp: Path, model: str, weights) -> None:
    from core.library import Library
    from core.media.image import load_image
    from core.models.faces import FaceModel

    truth = json.loads((FACES / "identities.json").read_text())["photos"]
    fm = FaceModel()
    fm.detect(load_image(FACES / "obama_small.jpg")[0])  # loading is not detecting
    found, times = {}, []
    for name in truth:
        img, info = load_image(FACES / name, min_side=DECODE_SIDE)
        t0 = time.perf_counter()
        faces = fm.detect(img, (info.width / img.width, info.height / img.height))
        times.append(time.perf_counter() - t0)
        found[name] = len(faces)
    want = sum(map(len, truth.values()))
    hit = sum(min(found[n], len(w)) for n, w in truth.items())
    extra = sum(max(0, found[n] - len(w)) for n, w in truth.items())
    print(f"\n## shared faces set: {len(truth)} photos, {want} faces ({machine()})\n")
    print(f"detection recall {hit}/{want} = {hit / want:.3f}; {extra} false faces; "
          f"face model {statistics.median(times) * 1000:.0f} ms/photo (median), {sum(times):.1f} s in all")

    folder = tmp / "faces"
    folder.mkdir()
    for name in truth:
        shutil.copy2(FACES / name, folder / name)
    with Library(tmp / "libfaces", model=model, weights=weights, device="cpu") as lib:
        lib.index([folder], faces=True)
        labels, clusters = [], []
        for rec in lib.browse(n=100):
            who = truth[os.path.basename(rec.path)]
            if len(who) != 1:
                continue
            for f, _ in lib.people.faces_of_file(rec.id):
                labels.append(who[0])
                clusters.append(f.person_id if f.person_id is not None else -f.id)
        lab, clu = np.array(labels), np.array(clusters)
        same_l, same_c = lab[:, None] == lab[None, :], clu[:, None] == clu[None, :]
        off = ~np.eye(len(lab), dtype=bool)
        pp = (same_l & same_c & off).sum() / max(1, (same_c & off).sum())
        pr = (same_l & same_c & off).sum() / max(1, (same_l & off).sum())
        bp = np.mean([np.mean(lab[clu == c] == x) for x, c in zip(lab, clu, strict=True)])
        br = np.mean([np.mean(clu[lab == x] == c) for x, c in zip(lab, clu, strict=True)])
        print(f"grouping ({len(lab)} faces of single-person photos, names hidden): pairwise P {pp:.3f} "
              f"R {pr:.3f}; B-cubed P {bp:.3f} R {br:.3f}; {len(lib.people.list())} people")
        obama = max(lib.people.list(), key=lambda p: p.faces)
        lib.people.name(obama.id, "Barack Obama")
        for label, baseline in (("designed: names out of the words", False),
                                ("baseline: person filter, whole text ranked", True)):
            hits = lib.people.matches('person:"Barack Obama" a purple tie', names_in_text=baseline).hits
            names = [os.path.basename(h.path) for h in hits]
            rank = names.index("two_people.jpg") + 1 if "two_people.jpg" in names else None
            print(f"person + words, {label}: two_people.jpg at rank {rank} of {len(names)} ({model})")


def bench_clip(tmp: Path, model: str, weights) -> None:
    from core.library import Library

    folder = tmp / "clip"
    folder.mkdir()
    shutil.copy2(FACES / "short_hamilton_clip.mp4", folder)
    truth = json.loads((FACES / "identities.json").read_text())["videos"]["short_hamilton_clip.mp4"]
    with Library(tmp / "libclip", model=model, weights=weights, device="cpu") as lib:
        report = lib.index([folder], faces=True)
        (rec,) = lib.browse(n=5)
        print(f"\n## the clip: {report.faces_found} faces on the frames looked at, {report.faces_s:.1f} s; "
              f"truth {truth['people']} seen at {truth['seen_at_seconds']}\n")
        for p in lib.people.list():
            spans = lib.people.moments(p.id, rec.id)
            print(f"person #{p.id}: {p.faces} faces; seen " + ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in spans))
        alone = lib.people.store.unassigned_faces()
        print(f"faces in no person (too few or too poor to group): {len(alone)} at "
              + ", ".join(f"{f.t_s:.1f} s (q {f.quality:.2f})" for f in alone))


def bench_coco(n: int) -> None:
    from core.media.image import load_image
    from core.models.faces import FaceModel

    photos = sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:n]
    fm = FaceModel()
    fm.detect(load_image(photos[0])[0])
    counts, times = [], []
    for p in photos:
        img, info = load_image(p, min_side=DECODE_SIDE)
        t0 = time.perf_counter()
        counts.append(len(fm.detect(img, (info.width / img.width, info.height / img.height))))
        times.append(time.perf_counter() - t0)
    print(f"\n## COCO: {len(photos)} photos ({machine()})\n")
    print(f"faces per photo: mean {np.mean(counts):.2f}, photos with a face {sum(c > 0 for c in counts)}, "
          f"most {max(counts)}; {statistics.median(times) * 1000:.0f} ms/photo (median), "
          f"{np.mean(times) * 1000:.0f} ms mean")


def bench_cost(tmp: Path, args) -> None:
    from core.library import Library

    weights = random_weights(args.model, tmp)
    photos = tmp / "cost"
    photos.mkdir()
    for p in sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:args.n]:
        shutil.copy2(p, photos / p.name)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    runs = itertools.count()
    for r in range(args.repeat):
        for faces in ((False, True) if r % 2 == 0 else (True, False)):
            with Library(tmp / f"cost{next(runs)}", model=args.model, weights=weights, device="cpu") as lib:
                lib.models.encoder.load()
                if faces:  # model loading is not indexing (the stage keeps one model per process)
                    from PIL import Image

                    from core.indexing.faces import MODEL

                    MODEL.detect(Image.new("RGB", (64, 64)))
                report = lib.index([photos], faces=faces)
            seconds[faces].append((report.embed_s + report.faces_s) / report.indexed)
    off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"\n## cost: {args.n} COCO photos, {args.model} (random weights, same cost), {args.repeat} "
          f"alternating runs ({machine()})\n")
    print(f"faces off: {off * 1000:.0f} ms/photo (runs {', '.join(f'{x * 1000:.0f}' for x in seconds[False])}); "
          f"faces on: {on * 1000:.0f} ms/photo (runs {', '.join(f'{x * 1000:.0f}' for x in seconds[True])}); "
          f"the face stage adds {on / off - 1:+.0%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--coco", type=int, default=40)
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--model", default="ViT-B-32")
    ap.add_argument("--skip", nargs="*", default=[], choices=["shared", "clip", "coco", "cost"])
    args = ap.parse_args()
    from tests.quality.model import MODEL_NAME, WEIGHTS

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "shared" not in args.skip:
            bench_shared(tmp, MODEL_NAME, WEIGHTS)
        if "clip" not in args.skip:
            bench_clip(tmp, MODEL_NAME, WEIGHTS)
        if "coco" not in args.skip:
            bench_coco(args.coco)
        if "cost" not in args.skip:
            bench_cost(tmp, args)


if __name__ == "__main__":
    main()
