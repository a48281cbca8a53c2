"""Explain a match: which part of a picture agrees most with the query.

CLIP-style models give one vector per picture, so "where" is answered from the
outside: the picture is cut into overlapping square windows (2×2 and 3×3 cells
of a grid with `CELLS` cells across the short side), every window is embedded in
one batch, and each window's similarity to the query is spread over the cells it
covers. The GUI overlays the heatmap; the best window is the box to draw.

A window is square so that the model's centre crop keeps all of it. For a 4:3
photo that is 18 windows: about half a second with ViT-B-32 on a laptop CPU
(tests/bench/compose.py, "explain").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import MediaError, QueryError
from core.media.image import load_image
from core.vector_math import unit

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from core.models.embed import Encoder
    from core.search.context import SearchContext

#: Grid cells across the picture's short side; windows span `WINDOW_CELLS` cells a side.
CELLS = 4
WINDOW_CELLS = (2, 3)


@dataclass
class Explanation:
    """Where a picture matches a query.

    `box`: the best window as (left, top, right, bottom) in the upright original's pixels.
    `heatmap`: rows × cols grid over the picture; each cell holds the mean cosine
    similarity to the query of the windows that cover it (higher: agrees more).
    `score`: the best window's similarity.
    """

    box: tuple[int, int, int, int]
    heatmap: np.ndarray
    score: float


def grid(width: int, height: int, cells: int = CELLS) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """(rows, cols, windows): square-ish windows in cell units (col0, row0, col1, row1)."""
    cell = min(width, height) / cells
    cols, rows = max(cells, round(width / cell)), max(cells, round(height / cell))
    windows = [(c, r, c + k, r + k) for k in WINDOW_CELLS
               for r in range(rows - k + 1) for c in range(cols - k + 1)]
    return rows, cols, windows


def explain_image(encoder: Encoder, img: Image.Image, query: np.ndarray,
                  scale: tuple[float, float] = (1.0, 1.0)) -> Explanation:
    """Explain `img`'s match with a query vector; `scale` maps its pixels to the original's."""
    q = unit(query)
    w, h = img.size
    rows, cols, windows = grid(w, h)

    def px(col: int, row: int) -> tuple[int, int]:
        return round(col * w / cols), round(row * h / rows)

    boxes = [(*px(c0, r0), *px(c1, r1)) for c0, r0, c1, r1 in windows]
    sims = encoder.encode_images([img.crop(b) for b in boxes]) @ q
    total = np.zeros((rows, cols), np.float32)
    count = np.zeros((rows, cols), np.float32)
    for (c0, r0, c1, r1), s in zip(windows, sims, strict=True):
        total[r0:r1, c0:c1] += s
        count[r0:r1, c0:c1] += 1
    best = int(np.argmax(sims))
    x0, y0, x1, y1 = boxes[best]
    sx, sy = scale
    box = (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))
    return Explanation(box, total / count, float(sims[best]))


def explain_file(ctx: SearchContext, file_id: int, query: np.ndarray) -> Explanation:
    """Explain a library photo's match with a query vector."""
    rec = ctx.file(file_id)
    if rec is None:
        raise QueryError(f"no library item with id {file_id}")
    if rec.kind != "image":
        raise QueryError(f"{rec.path}: explaining a match works on photos; this is a {rec.kind}")
    try:
        # Windows are half the short side: decode at twice the model's input so each keeps its detail.
        img, info = load_image(rec.path, min_side=2 * ctx.encoder.image_size)
    except MediaError as exc:
        raise QueryError(f"{rec.path}: {exc}") from None
    return explain_image(ctx.encoder, img, query, (info.width / img.width, info.height / img.height))
