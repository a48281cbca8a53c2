"""A gallery of world pictures, some carrying words, and how well each expert ranks them.

Pictures of the generated world are rendered at 384 px and a distinct phrase from
`tests.text_pictures.PHRASES` is drawn on some of them (fonts, sizes, angles, colours,
some small). Two kinds of queries are asked of a library that indexed them with OCR on:
* word queries, naming the words on a picture ("invoice 2024"), whose answer is that picture;
* caption queries, the world's own query caption of each picture, whose answer is that picture;
* mixed queries, the words of a phrase drawn on two pictures plus the colour and shape one of them
  shows ("invoice 2024 blue circle"), whose answer is that one: neither expert alone can tell.
Each is ranked by CLIP alone, OCR alone and fused (`Library.search`); R@1 and R@5 come back,
with OCR recall (drawn phrases whose every word the reader found).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.quality import world
from tests.text_pictures import PHRASES, Placed, draw_phrase

SIZE = 384


@dataclass
class TextWorld:
    pictures: list[world.Picture]
    paths: list[Path]
    placed: dict[int, Placed]  # picture index -> the phrase drawn on it
    twins: dict[int, int]  # picture index -> the other picture carrying the same phrase


def make_text_world(folder: Path, n: int, n_with_words: int, seed: int, n_twins: int = 0) -> TextWorld:
    """`n` pictures, the first `n_with_words` with a distinct phrase each; the next `n_twins` repeat the
    phrases of the first ones, on other scenes (only the picture itself tells them apart)."""
    folder.mkdir(parents=True, exist_ok=True)
    pictures = world.make_pictures(n, seed, "test", n_captions=1)
    placed, paths, twins = {}, [], {}
    for i, pic in enumerate(pictures):
        img = pic.image(SIZE)
        if i < n_with_words:
            placed[i] = draw_phrase(img, PHRASES[i % len(PHRASES)], seed + i, small=i % 4 == 3)
        elif i < n_with_words + n_twins:
            twin = i - n_with_words
            placed[i] = draw_phrase(img, placed[twin].phrase, seed + i)
            twins[twin], twins[i] = i, twin
        path = folder / f"w{i:04d}.jpg"
        img.save(path, "JPEG", quality=92)
        paths.append(path)
    return TextWorld(pictures, paths, placed, twins)


def _recall(ranked: list[str], targets: set[str], k: int) -> float:
    return float(bool(targets & set(ranked[:k])))


def mixed_queries(tw: TextWorld) -> list[tuple[str, set[str]]]:
    """"<words> <colour> <shape>": the words of a twinned phrase and what its picture shows, to that picture."""
    out = []
    for i, j in tw.twins.items():
        mine, other = tw.pictures[i].scene.groups[0], tw.pictures[j].scene.groups[0]
        if (mine.colour, mine.shape) != (other.colour, other.shape):
            out.append((f"{tw.placed[i].phrase.lower()} {mine.colour} {mine.shape}", {str(tw.paths[i])}))
    return out


def measure(lib, tw: TextWorld) -> dict[str, float]:
    """R@1/R@5 per expert and query kind, and OCR recall, for a library that indexed `tw` with OCR on."""
    from core.search.fusion import text_evidence
    from core.search.query import text_query

    engine = lib.engine()
    file_of = dict(lib.catalog.photo_items(engine.model_id))
    path_of_file = {f.id: f.path for f in lib.catalog.files(file_of.values()).values()}
    lines = lib.catalog.text_lines(file_of)
    found = {path_of_file[file_of[i]]: " ".join(ln.text for ln in ls) for i, ls in lines.items()}
    out: dict[str, float] = {}
    phrases: dict[str, set[str]] = {}
    for i, what in tw.placed.items():
        phrases.setdefault(what.phrase.lower(), set()).add(str(tw.paths[i]))
    words = sorted(phrases.items())
    captions = [(pic.query, {str(path)}) for pic, path in zip(tw.pictures, tw.paths, strict=True)]
    squash = re.compile(r"[^a-z0-9]")
    drawn = [(what.phrase.lower(), str(tw.paths[i])) for i, what in tw.placed.items()]
    out["ocr_recall"] = sum(all(w in squash.sub("", found.get(p, "").lower()) for w in q.split())
                            for q, p in drawn) / len(drawn)
    kinds = [("words", words), ("captions", captions), ("mixed", mixed_queries(tw))]
    for kind, queries in (k for k in kinds if k[1]):
        sums = dict.fromkeys(("clip_r1", "clip_r5", "ocr_r1", "ocr_r5", "fused_r1", "fused_r5"), 0.0)
        for q, targets in queries:
            clip = [h.path for h in engine.by_vector(text_query(engine.context, q).vector, 5)]
            ocr = [path_of_file[e.file_id] for e in text_evidence(lib.catalog, q)][:5]
            fused = [h.path for h in lib.search(q, n=5)]
            for name, ranked in (("clip", clip), ("ocr", ocr), ("fused", fused)):
                sums[f"{name}_r1"] += _recall(ranked, targets, 1)
                sums[f"{name}_r5"] += _recall(ranked, targets, 5)
        out.update({f"{kind}_{k}": v / len(queries) for k, v in sums.items()})
    return out
