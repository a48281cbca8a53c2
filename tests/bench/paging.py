"""What a page of results costs the window: the engine's query built for every page, or once.

    python tests/bench/paging.py [--library DIR] [--repeat 5]

The window pages through results as the user scrolls (120, 240, 480, … at a
time). Until it kept the engine's `Query`, every page asked `Library.search /
similar / compose` again, which encodes the words again and, for a composed
edit, recomputes its vector and looks for the reference's near-duplicates; a
region search re-cropped and re-encoded the picture. Now the first page builds
the query (`desktop_app.pages.search.queries.find`, `Library.find`) and every page reuses it
(`fetch_page`). Both ways run here on the same library, in alternating order,
`--repeat` times; the table gives the median time of a later page (the first
page costs the same either way) and the pages must be identical.

Without `--library`, a library of the shared photos (misc and COCO, about 260) is
indexed once with the project's trained MediaLens-World model (about a minute).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from _common import REPO, SHARED_DATA, machine

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from desktop_app.pages.search.queries import COMPOSE, SIMILAR, TEXT, FilterState, Request, fetch_page, find

WEIGHTS = REPO / "tests" / "quality" / "medialens-world.safetensors"
PAGES = (30, 60, 120)  # the window's doubling pages (it starts at 120), scaled to a library of a few hundred
FILTERS = FilterState()


def library_folder(given: str | None) -> Path:
    from core.library import Library

    if given:
        return Path(given)
    home = Path(tempfile.mkdtemp(prefix="medialens-paging-"))
    folders = [SHARED_DATA / "images" / "misc", SHARED_DATA / "images" / "coco"]
    with Library(home, model="MediaLens-World", weights=WEIGHTS, device="cpu") as lib:
        report = lib.index([f for f in folders if f.is_dir()])
        print(f"indexed {report.indexed} photos into {home}", file=sys.stderr)
    return home


def per_page_library(lib, request: Request, n: int, offset: int):
    """The old way: the Library call for the request, which builds the query again."""
    if request.kind == TEXT:
        return lib.search(request.text, n=n, offset=offset)
    if request.kind == SIMILAR:
        return lib.similar(request.target, n=n, offset=offset, t_s=request.t_s, box=request.box)
    return lib.compose(request.target, request.text, n=n, offset=offset, balance=request.balance, t_s=request.t_s)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", help="an indexed library folder (default: index the shared photos)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from core.library import Library

    home = library_folder(args.library)
    with Library(home, model="MediaLens-World", weights=WEIGHTS, device="cpu") as lib:
        first = lib.search("a photo", n=1)[0].file
        requests = {
            "text": Request(TEXT, text="a dog on the grass"),
            "similar": Request(SIMILAR, target=first.id),
            "region": Request(SIMILAR, target=first.id, box=(0, 0, first.width // 2, first.height // 2)),
            "composed": Request(COMPOSE, text="at night", target=first.id),
        }
        offsets = [sum(PAGES[:i]) for i in range(1, len(PAGES))]
        print(f"{machine()}; {lib.status().images} photos, MediaLens-World on CPU; "
              f"pages of {PAGES[1:]} at offsets {offsets}; median of {args.repeat} alternated runs\n")
        print("| query | page, built per page (before) | page, query kept (now) | ratio |")
        print("|---|---|---|---|")
        for name, request in requests.items():
            found = find(lib, request, FILTERS)
            old: list[float] = []
            new: list[float] = []
            for r in range(args.repeat):
                for i, offset in enumerate(offsets):
                    n = PAGES[i + 1]
                    ways = [(old, partial(per_page_library, lib, request, n, offset)),
                            (new, partial(fetch_page, found, n, offset))]
                    pages = []
                    for times, page in ways if r % 2 == 0 else ways[::-1]:
                        t0 = time.perf_counter()
                        pages.append([(h.file.id, h.item_id) for h in page()])
                        times.append(time.perf_counter() - t0)
                    if pages[0] != pages[1]:
                        raise SystemExit(f"{name}: the pages differ at offset {offset}")
            o, w = statistics.median(old) * 1000, statistics.median(new) * 1000
            print(f"| {name} | {o:.1f} ms | {w:.1f} ms | {o / w:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
