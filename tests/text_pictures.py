"""Pictures that carry words: signs, labels and captions rendered on photos, with exact ground truth.

Each picture is a real photo (or any base image) with one short phrase drawn on it: a font from
the machine's fonts (Pillow's own scalable font where none is found), a size from small to
large, an angle, a colour and a backing (a plain sign panel, an outline, or bare text).
Everything is a pure function of the seed.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

#: Phrases a person would search for; every one is distinct in its words.
PHRASES = (
    "INVOICE 2024", "BAKERY", "EXIT", "PARKING ONLY", "SALE 50%", "HOTEL PARADISO", "NO SMOKING",
    "PHARMACY", "MUSEUM OF ART", "TICKETS", "WELCOME HOME", "FRESH COFFEE", "PLATFORM 9", "LIBRARY",
    "DANGER HIGH VOLTAGE", "OPEN 24 HOURS", "GARAGE SALE", "STATION ROAD", "BIRTHDAY PARTY",
    "RECEIPT 1187", "FARMERS MARKET", "POST OFFICE", "CINEMA", "BUS STOP", "QUIET PLEASE",
    "HAPPY NEW YEAR", "CAMPING", "DENTIST", "BOOKSHOP", "CHEMISTRY LAB",
)

_FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf",
    "NimbusSans-Regular.otf", "NimbusRoman-Bold.otf", "URWGothic-Book.otf", "NotoMono-Regular.ttf",
)
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("/Library/Fonts"),
              Path("C:/Windows/Fonts"))
_INKS = ((20, 20, 20), (200, 20, 30), (10, 40, 160), (250, 250, 250), (250, 210, 0), (0, 110, 50))


@dataclass(frozen=True)
class Placed:
    """What was drawn where: the phrase and its bounding box in the picture's pixels."""

    phrase: str
    box: tuple[int, int, int, int]
    size_px: int
    angle: float


@functools.cache
def font_files() -> tuple[Path, ...]:
    found = []
    for folder in _FONT_DIRS:
        if folder.is_dir():
            for name in _FONT_FILES:
                found.extend(sorted(folder.rglob(name))[:1])
    return tuple(found)


def _font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont:
    files = font_files()
    if files:
        return ImageFont.truetype(str(rng.choice(files)), size)
    return ImageFont.load_default(size=size)


def draw_phrase(img: Image.Image, phrase: str, seed: int, *, small: bool = False) -> Placed:
    """Draw `phrase` on `img` (in place) and say where it went."""
    rng = random.Random(seed)
    w, h = img.size
    short = min(w, h)
    size = rng.randint(max(12, short // 28), max(14, short // 20)) if small else \
        rng.randint(max(18, short // 14), max(22, short // 7))
    ink = rng.choice(_INKS)
    backing = rng.choice(("panel", "panel", "outline", "bare"))
    angle = 0.0 if small or rng.random() < 0.4 else rng.uniform(-12, 12)
    font_pick = rng.random()
    font, (x0, y0, x1, y1), pad = None, (0, 0, 0, 0), 0
    while True:  # shrink until the phrase fits in the picture
        font = _font(random.Random(font_pick), size)
        x0, y0, x1, y1 = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), phrase, font=font)
        pad = size // 3
        if x1 - x0 + 2 * pad <= w * 0.95 or size <= 10:
            break
        size = max(10, int(size * 0.85))
    tw, th = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    layer = Image.new("RGBA", (tw, th), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    luminance = sum(ink) / 3
    if backing == "panel":
        paper = (245, 245, 240, 235) if luminance < 128 else (25, 25, 30, 235)
        d.rounded_rectangle((0, 0, tw - 1, th - 1), radius=pad // 2, fill=paper)
        d.text((pad - x0, pad - y0), phrase, font=font, fill=ink)
    else:
        stroke = (0, 0, 0) if luminance >= 128 else (255, 255, 255)
        d.text((pad - x0, pad - y0), phrase, font=font, fill=ink,
               stroke_width=max(1, size // 12) if backing == "outline" else 0, stroke_fill=stroke)
        if backing == "bare":  # bare text still needs contrast: a faint shadow box
            shade = Image.new("RGBA", (tw, th), (*stroke, 140))
            shade.alpha_composite(layer)
            layer = shade
    if angle:
        layer = layer.rotate(angle, resample=Image.BICUBIC, expand=True)
    lx, ly = rng.randint(0, max(0, w - layer.width)), rng.randint(0, max(0, h - layer.height))
    base = img.convert("RGBA")
    base.alpha_composite(layer, (lx, ly))
    img.paste(base.convert("RGB"))
    return Placed(phrase, (lx, ly, lx + layer.width, ly + layer.height), size, angle)


def text_photo(base: Path | Image.Image, phrase: str, seed: int, *, small: bool = False) -> tuple[Image.Image, Placed]:
    """A photo with `phrase` drawn on it."""
    img = base.copy() if isinstance(base, Image.Image) else Image.open(base).convert("RGB")
    img = img.convert("RGB")
    return img, draw_phrase(img, phrase, seed, small=small)


def write_text_photos(folder: Path, bases: list[Path], n: int, seed: int = 0) -> dict[Path, Placed]:
    """n JPEGs in `folder`, phrase i on base photo i (every fourth one small); path -> what was drawn."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i in range(n):
        img, placed = text_photo(bases[i % len(bases)], PHRASES[i % len(PHRASES)], seed + i, small=i % 4 == 3)
        path = folder / f"text_{i:03d}.jpg"
        img.save(path, "JPEG", quality=90)
        out[path] = placed
    return out
