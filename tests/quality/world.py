"""A generated world of pictures, composed edits and videos with exact ground truth.

No pretrained CLIP weights can be downloaded on the project's machines, so search
quality is measured with a small model trained on this world (``tests.quality.train``).
Everything here is a pure function of a seed: the same seed gives the same scenes,
captions, pixels and encoded video bytes (on the same Pillow/PyAV builds).

The world
---------
A *scene* is one or two *groups* on a textured background. A group is 1-3 identical
objects with a shape (8), a colour (8), a size (small/big) and a position
(left/right/top/bottom/centre); two groups always sit in opposite halves (left+right
or top+bottom), so every position word is true of every object it describes. The
background has a texture (plain, stripes, dots, grid, checker) and a colour
(white, gray, black, blue, green, yellow) that never clashes with the objects.

Held-out split rule
-------------------
* **Colour x shape pairs.** ``is_held_out_pair(colour, shape)`` is true for the 16 of
  the 64 pairs with ``(colour_index - shape_index) % 4 == 0``: every colour and every
  shape is held out with exactly two partners. A ``"train"`` scene contains no
  held-out pair; a ``"test"`` scene always has one in its first group (its other
  group may have any pair). Test queries therefore ask for combinations the model has
  never seen together ("a green star" when green and star were only seen apart).
* **Phrasings.** Captions, edit instructions and video sentences come from
  templates; some sentence frames, group connectives and instruction phrasings are
  used only for ``"test"`` (they reuse the world's words in orders training never
  shows, e.g. "there are two red circles on the left on a gray striped background",
  "same but green").
* Seeds are namespaced by split, so no train and test item share a random stream.

What it makes
-------------
* ``make_pictures``: pictures with several captions each (full and partial) and one
  full ``query`` caption; ``Picture.image()`` renders it (drawn at 2x, box-downsampled).
* ``make_triplets``: composed-retrieval triplets (reference, change in words, target)
  with the canonical captions of both sides, for an oracle text-only upper bound.
* ``make_attribute_probes``: the same scene in every value of one attribute, for
  measuring whether a model tells counts, positions, backgrounds, ... apart.
* ``make_video`` / ``make_videos``: H.264 (.mp4) or VP9 (.webm) videos made of shots
  with known spans and one sentence each; objects move within shots, some shots
  repeat later and some are near-duplicates of others (one attribute changed).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw

SPLITS = ("train", "test")

SHAPES = ("circle", "square", "triangle", "star", "diamond", "hexagon", "cross", "heart")
_PLURAL = {shape: shape + "s" for shape in SHAPES} | {"cross": "crosses"}

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (214, 39, 40),
    "orange": (245, 135, 25),
    "yellow": (245, 215, 30),
    "green": (40, 160, 60),
    "blue": (35, 85, 215),
    "purple": (135, 55, 185),
    "pink": (245, 125, 190),
    "white": (248, 248, 248),
}
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (236, 236, 232),
    "gray": (128, 128, 128),
    "black": (28, 28, 30),
    "blue": (150, 185, 235),
    "green": (160, 210, 160),
    "yellow": (240, 230, 160),
}
TEXTURES = ("plain", "stripes", "dots", "grid", "checker")
SIZES = ("small", "big")
POSITIONS = ("left", "right", "top", "bottom", "centre")
COUNTS = (1, 2, 3)
_OPPOSITE = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}

# Object radius as a fraction of the picture's shorter side.
_RADIUS = {"small": 0.085, "big": 0.15}


def _in_region(position: str, x: float, y: float) -> bool:
    """Whether an object centred at (x, y) (unit coordinates) is unmistakably at ``position``.

    "left" means well left of the middle (by 0.2) and more left than up or down (by a
    0.06 margin), so no object could also be called "top"; "centre" is a small central
    box, 0.08 away from any other region. Left and right groups then never touch, nor
    top and bottom ones.
    """
    dx, dy = x - 0.5, y - 0.5
    if position == "centre":
        return abs(dx) <= 0.12 and abs(dy) <= 0.12
    along, across = {"left": (-dx, dy), "right": (dx, dy), "top": (-dy, dx), "bottom": (dy, dx)}[position]
    return along >= 0.2 and along - abs(across) >= 0.06


_MOTIONS = ("left_to_right", "right_to_left", "top_to_bottom", "bottom_to_top")


def is_held_out_pair(colour: str, shape: str) -> bool:
    """True for the colour x shape pairs that only ever appear in the test split."""
    return (list(COLOURS).index(colour) - SHAPES.index(shape)) % 4 == 0


# --------------------------------------------------------------------------- scenes


@dataclass(frozen=True)
class Group:
    """``count`` identical objects of one shape, colour and size in one region."""

    shape: str
    colour: str
    count: int
    size: str
    position: str


@dataclass(frozen=True)
class Scene:
    """What a picture shows; equal scenes are the same picture up to jitter."""

    groups: tuple[Group, ...]
    texture: str
    background: str

    @property
    def caption(self) -> str:
        """The canonical full description (training phrasing), used as an oracle."""
        groups = " and ".join(_group_phrase(g, None) for g in self.groups)
        return f"{groups} {_background_phrase(self.texture, self.background, 'on', None)}"


def _split_ok(scene: Scene, split: str) -> bool:
    held = [is_held_out_pair(g.colour, g.shape) for g in scene.groups]
    return held[0] if split == "test" else not any(held)


def _valid(scene: Scene) -> bool:
    positions = [g.position for g in scene.groups]
    if len(set(positions)) != len(positions):
        return False
    if len(scene.groups) == 2 and _OPPOSITE.get(positions[0]) != positions[1]:
        return False
    for g in scene.groups:
        most = {"small": 3, "big": 2} if g.position != "centre" else {"small": 2, "big": 1}
        if not 1 <= g.count <= most[g.size]:
            return False
        if g.colour == scene.background or math.dist(COLOURS[g.colour], BACKGROUNDS[scene.background]) < 110:
            return False
    return True


def sample_scene(rng: random.Random, split: str, n_groups: int | None = None) -> Scene:
    """Draw a random valid scene of ``split`` (see the module docstring for the rule)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    while True:
        groups_n = n_groups or (1 if rng.random() < 0.6 else 2)
        if groups_n == 1:
            positions = [rng.choice(POSITIONS)]
        else:
            first = rng.choice(("left", "right", "top", "bottom"))
            positions = [first, _OPPOSITE[first]]
        groups = []
        for position in positions:
            size = rng.choice(SIZES)
            count = rng.choice((1, 1, 2, 3) if size == "small" else (1, 1, 2))
            groups.append(Group(rng.choice(SHAPES), rng.choice(list(COLOURS)), count, size, position))
        scene = Scene(tuple(groups), rng.choice(TEXTURES), rng.choice(list(BACKGROUNDS)))
        if _valid(scene) and _split_ok(scene, split):
            return scene


# --------------------------------------------------------------------------- captions


def _pick(rng: random.Random | None, options: Sequence[str]) -> str:
    """A random phrasing, or the first (canonical) one when ``rng`` is None."""
    return options[0] if rng is None else rng.choice(options)


_COUNT_WORDS = {1: ("a", "one", "a single"), 2: ("two", "a pair of"), 3: ("three",)}
_SIZE_WORDS = {"small": ("small", "little", "tiny"), "big": ("big", "large")}
_POSITION_WORDS = {
    "left": ("on the left", "at the left", "on the left side"),
    "right": ("on the right", "at the right", "on the right side"),
    "top": ("at the top", "near the top", "in the upper half"),
    "bottom": ("at the bottom", "near the bottom", "in the lower half"),
    "centre": ("in the centre", "in the center", "in the middle"),
}
_TEXTURE_ADJECTIVES = {
    "plain": ("plain",),
    "stripes": ("striped",),
    "dots": ("dotted", "polka dot"),
    "grid": ("grid", "squared"),
    "checker": ("checkered", "checkerboard"),
}
_TEXTURE_NOUNS = {
    "plain": ("a plain background",),
    "stripes": ("stripes",),
    "dots": ("dots", "polka dots"),
    "grid": ("a grid", "grid lines"),
    "checker": ("a checkerboard", "checks"),
}
_BACKGROUND_WORDS = {name: (name,) for name in BACKGROUNDS} | {"gray": ("gray", "grey")}


def _with_article(words: str) -> str:
    """Fix "a orange" -> "an orange" wherever the article was chosen blindly."""
    out = []
    tokens = words.split(" ")
    for i, token in enumerate(tokens):
        if token == "a" and i + 1 < len(tokens) and tokens[i + 1][:1] in "aeiou":
            token = "an"
        out.append(token)
    return " ".join(out)


def _noun(group: Group) -> str:
    return group.shape if group.count == 1 else _PLURAL[group.shape]


def _group_phrase(g: Group, rng: random.Random | None, drop: frozenset[str] = frozenset()) -> str:
    """ "two small red circles on the left", minus the attributes named in ``drop``."""
    count = _pick(rng, _COUNT_WORDS[g.count])
    if "count" in drop:
        count = "a" if g.count == 1 else ""
    size = "" if "size" in drop else _pick(rng, _SIZE_WORDS[g.size])
    colour = "" if "colour" in drop else g.colour
    noun = _noun(g)
    if "shape" in drop:
        noun = "shape" if g.count == 1 else "shapes"
    position = "" if "position" in drop else _pick(rng, _POSITION_WORDS[g.position])
    return _with_article(" ".join(w for w in (count, size, colour, noun, position) if w))


_PREPOSITIONS = {"on": "on", "over": "over", "against": "against", "with": ""}


def _background_phrase(
    texture: str, background: str, style: str, rng: random.Random | None, drop: frozenset[str] = frozenset()
) -> str:
    """The background in one of four styles.

    on: "on a gray striped background"; over: "over gray stripes"; against: "against a
    striped gray background"; with: "a gray background with stripes" (starts a sentence).
    """
    colour = "" if "background" in drop else _pick(rng, _BACKGROUND_WORDS[background])
    preposition = _PREPOSITIONS[style]
    if "texture" in drop or texture == "plain":
        adjective = "plain" if texture == "plain" and "texture" not in drop else ""
        words = [preposition, "a", adjective, colour, "background"]
    elif style == "over":
        noun = _pick(rng, _TEXTURE_NOUNS[texture])
        countable = noun.startswith("a ")
        words = [preposition, "a" if countable else "", colour, noun[2:] if countable else noun]
    elif style == "with":
        words = ["a", colour, "background with", _pick(rng, _TEXTURE_NOUNS[texture])]
    else:
        adjective = _pick(rng, _TEXTURE_ADJECTIVES[texture])
        pair = [colour, adjective] if style == "on" else [adjective, colour]
        words = [preposition, "a", *pair, "background"]
    return _with_article(" ".join(w for w in words if w))


_TRAIN_FRAMES = (
    "{G} {B_on}",
    "{G}, {B_over}",
    "{G} {B_against}",
    "a picture of {G} {B_on}",
    "an image of {G} {B_over}",
    "a photo of {G}, {B_against}",
)
_TEST_FRAMES = ("there {be} {G} {B_on}", "{B_with} and {G}", "a picture showing {G} {B_over}")
_TRAIN_JOIN = (" and ", ", ", " with ")
_TEST_JOIN = (" as well as ", " plus ")


def _frames(split: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (_TEST_FRAMES, _TEST_JOIN) if split == "test" else (_TRAIN_FRAMES, _TRAIN_JOIN)


# How often a partial caption leaves an attribute out. Position and count are left out
# less often: they are the attributes a small model is slowest to learn.
_DROP_PROBABILITY = {"count": 0.3, "size": 0.4, "position": 0.25, "texture": 0.4, "background": 0.4}


def caption(scene: Scene, rng: random.Random, split: str, full: bool = True, keep: frozenset[str] = frozenset()) -> str:
    """One caption of ``scene`` in ``split``'s phrasings.

    ``full`` captions mention every attribute; partial ones drop some at random (as a
    person typing a query would), except those named in ``keep``: attribute names
    (``colour``, ``shape``, ``count``, ``size``, ``position``, ``texture``,
    ``background``) or ``groups`` (mention every group). Training uses ``keep`` so that
    a picture's caption never also fits its edited twin in the same batch.
    """
    frames, joins = _frames(split)
    drop: set[str] = set()
    groups = list(scene.groups)
    mention_background = True
    if not full:
        for attribute, p_drop in _DROP_PROBABILITY.items():
            if attribute not in keep and rng.random() < p_drop:
                drop.add(attribute)
        if "colour" not in keep and rng.random() < 0.1:
            drop.add("colour")
        elif "shape" not in keep and rng.random() < 0.1:
            drop.add("shape")
        if len(groups) == 2 and "groups" not in keep and rng.random() < 0.4:
            groups = [rng.choice(groups)]
        if {"texture", "background"} <= drop:
            mention_background = False
    group_text = rng.choice(joins).join(_group_phrase(g, rng, frozenset(drop)) for g in groups)
    if not mention_background:
        return group_text
    frame = rng.choice(frames)
    drop_f = frozenset(drop)
    be = "is" if groups[0].count == 1 else "are"
    bg = {
        style: _background_phrase(scene.texture, scene.background, style, rng, drop_f)
        for style in ("on", "over", "against", "with")
    }
    return frame.format(
        G=group_text, be=be, B_on=bg["on"], B_over=bg["over"], B_against=bg["against"], B_with=bg["with"]
    )


def object_query(colour: str, shape: str) -> str:
    """The shortest query for one kind of object, e.g. "an orange star"."""
    return _with_article(f"a {colour} {shape}")


def query_caption(scene: Scene, rng: random.Random, split: str = "test") -> str:
    """A full caption that names every attribute, for retrieval queries."""
    return caption(scene, rng, split, full=True)


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class PlacedObject:
    """One drawn object: centre and radius in unit coordinates, rotation in degrees."""

    shape: str
    rgb: tuple[int, int, int]
    x: float
    y: float
    radius: float
    rotation: float


def _rng(*parts: object) -> random.Random:
    return random.Random("/".join(str(p) for p in parts))


def _point_in_region(position: str, radius: float, rng: random.Random) -> tuple[float, float]:
    """A uniform random centre at ``position`` for an object of ``radius`` kept inside the picture."""
    while True:
        x, y = rng.uniform(radius + 0.02, 0.98 - radius), rng.uniform(radius + 0.02, 0.98 - radius)
        if _in_region(position, x, y):
            return x, y


def layout(scene: Scene, seed: str) -> list[PlacedObject]:
    """Place every object of ``scene``.

    Each group's placement depends only on (seed, position, count, size): an edit that
    changes a group's colour or shape, removes another group or changes the background
    keeps every object where it was, as a photo editor would.
    """
    objects: list[PlacedObject] = []
    for g in scene.groups:
        rng = _rng(seed, g.position, g.count, g.size)
        base = _RADIUS[g.size]
        for _attempt in range(10_000):
            radii = [base * rng.uniform(0.9, 1.1) for _ in range(g.count)]
            centres = [_point_in_region(g.position, r, rng) for r in radii]
            if all(
                math.dist(centres[i], centres[j]) > 1.08 * (radii[i] + radii[j])
                for i in range(g.count)
                for j in range(i)
            ):
                break
        else:  # pragma: no cover - _valid() only admits feasible groups
            raise RuntimeError(f"cannot place {g}")
        red, green, blue = (max(0, min(255, c + rng.randint(-12, 12))) for c in COLOURS[g.colour])
        for (x, y), r in zip(centres, radii, strict=True):
            objects.append(PlacedObject(g.shape, (red, green, blue), x, y, r, rng.uniform(-10, 10)))
    return objects


def _shape_points(shape: str, cx: float, cy: float, r: float, rotation: float) -> list[tuple[float, float]]:
    def ring(n: int, radius: float, phase: float) -> list[tuple[float, float]]:
        angles = [phase + 2 * math.pi * k / n for k in range(n)]
        return [(math.cos(a) * radius, math.sin(a) * radius) for a in angles]

    up = -math.pi / 2
    if shape == "square":
        points = [(-0.78 * r, -0.78 * r), (0.78 * r, -0.78 * r), (0.78 * r, 0.78 * r), (-0.78 * r, 0.78 * r)]
    elif shape == "triangle":
        points = [(x, y + 0.15 * r) for x, y in ring(3, 1.05 * r, up)]
    elif shape == "diamond":
        points = [(0, -r), (0.68 * r, 0), (0, r), (-0.68 * r, 0)]
    elif shape == "hexagon":
        points = ring(6, 0.95 * r, 0)
    elif shape == "star":
        outer, inner = ring(5, r, up), ring(5, 0.42 * r, up + math.pi / 5)
        points = [p for pair in zip(outer, inner, strict=True) for p in pair]
    elif shape == "cross":
        a, b = 0.3 * r, 0.9 * r
        points = [
            (-a, -b),
            (a, -b),
            (a, -a),
            (b, -a),
            (b, a),
            (a, a),
            (a, b),
            (-a, b),
            (-a, a),
            (-b, a),
            (-b, -a),
            (-a, -a),
        ]
    elif shape == "heart":
        points = []
        for k in range(40):
            t = 2 * math.pi * k / 40
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            points.append((x * r / 17, -(y + 2) * r / 17))
    else:
        raise ValueError(f"unknown shape {shape!r}")
    cos, sin = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points]


def _background(texture: str, background: str, width: int, height: int, seed: str) -> Image.Image:
    """The textured background at ``width`` x ``height``, drawn with Pillow primitives (fast)."""
    rng = _rng(seed, "background", texture, background)
    base = BACKGROUNDS[background]
    shift = -55 if sum(base) > 270 else 70
    ink = (base[0] + shift, base[1] + shift, base[2] + shift)
    canvas = Image.new("RGB", (width, height), base)
    draw = ImageDraw.Draw(canvas)
    period = min(width, height) / rng.uniform(5.5, 8.5)
    phase_x, phase_y = rng.uniform(-period, 0), rng.uniform(-period, 0)
    columns = [phase_x + i * period for i in range(int(width / period) + 2)]
    rows = [phase_y + j * period for j in range(int(height / period) + 2)]
    if texture == "stripes":
        direction = rng.choice(("vertical", "horizontal", "diagonal"))
        band = 0.45 * period
        if direction == "vertical":
            for x in columns:
                draw.rectangle((x, 0, x + band, height), fill=ink)
        elif direction == "horizontal":
            for y in rows:
                draw.rectangle((0, y, width, y + band), fill=ink)
        else:
            step = period * 1.4142
            for k in range(int((width + height) / step) + 2):
                c = phase_x + k * step
                draw.polygon(
                    [(c, 0), (c + band * 1.4142, 0), (c + band * 1.4142 - height, height), (c - height, height)],
                    fill=ink,
                )
    elif texture == "dots":
        r = 0.22 * period
        for x in columns:
            for y in rows:
                cx, cy = x + period / 2, y + period / 2
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=ink)
    elif texture == "grid":
        line = 0.12 * period
        for x in columns:
            draw.rectangle((x, 0, x + line, height), fill=ink)
        for y in rows:
            draw.rectangle((0, y, width, y + line), fill=ink)
    elif texture == "checker":
        for i, x in enumerate(columns):
            for j, y in enumerate(rows):
                if (i + j) % 2 == 0:
                    draw.rectangle((x, y, x + period, y + period), fill=ink)
    elif texture != "plain":
        raise ValueError(f"unknown texture {texture!r}")
    return canvas


@functools.cache
def _finish_tile(size: int = 640) -> Image.Image:
    """Grain plus slow light variations around 128; pictures add a crop of it at a random offset."""
    rng = np.random.default_rng(20240611)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    light = 9 * np.sin(x / 97 + 1.0) * np.cos(y / 131) + 6 * np.sin((x + y) / 211)
    field = 128 + light[..., None] + 2.5 * rng.standard_normal((size, size, 3))
    return Image.fromarray(np.clip(np.round(field), 0, 255).astype(np.uint8))


def _finish(image: Image.Image, seed: str) -> Image.Image:
    """Uneven light and sensor-like grain, so that flat areas are not perfectly flat."""
    rng = _rng(seed, "light")
    tile = _finish_tile()
    width, height = image.size
    if width > tile.width or height > tile.height:
        tile = tile.resize((max(width, tile.width), max(height, tile.height)))
    left, top = rng.randrange(tile.width - width + 1), rng.randrange(tile.height - height + 1)
    return ImageChops.add(image, tile.crop((left, top, left + width, top + height)), offset=-128)


def _draw_objects(
    canvas: Image.Image, objects: Iterable[PlacedObject], offset: tuple[float, float] = (0.0, 0.0)
) -> None:
    draw = ImageDraw.Draw(canvas)
    width, height = canvas.size
    side = min(width, height)
    for obj in objects:
        cx, cy = (obj.x + offset[0]) * width, (obj.y + offset[1]) * height
        r = obj.radius * side
        outline = (int(obj.rgb[0] * 0.55), int(obj.rgb[1] * 0.55), int(obj.rgb[2] * 0.55))
        edge = max(1, round(side / 128))
        if obj.shape == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=obj.rgb, outline=outline, width=edge)
        else:
            draw.polygon(_shape_points(obj.shape, cx, cy, r, obj.rotation), fill=obj.rgb, outline=outline, width=edge)


def render(scene: Scene, seed: str, size: int | tuple[int, int] = 128) -> Image.Image:
    """Draw ``scene`` as an RGB picture, at 2x and box-downsampled for smooth edges."""
    width, height = (size, size) if isinstance(size, int) else size
    canvas = _background(scene.texture, scene.background, 2 * width, 2 * height, seed)
    _draw_objects(canvas, layout(scene, seed))
    return _finish(canvas.reduce(2), seed)


# --------------------------------------------------------------------------- pictures


@dataclass(frozen=True)
class Picture:
    """A scene, the seed of its rendering, its captions and a full query caption."""

    scene: Scene
    seed: str
    captions: tuple[str, ...]
    query: str

    def image(self, size: int | tuple[int, int] = 128) -> Image.Image:
        return render(self.scene, self.seed, size)


def _describe(scene: Scene, seed: str, split: str, n_captions: int, keep: frozenset[str] = frozenset()) -> Picture:
    rng = _rng(seed, "captions")
    captions = [caption(scene, rng, split, full=True)]
    captions += [caption(scene, rng, split, full=rng.random() < 0.35, keep=keep) for _ in range(n_captions - 1)]
    return Picture(scene, seed, tuple(captions), query_caption(scene, rng, split))


def make_pictures(n: int, seed: int, split: str = "test", n_captions: int = 5) -> list[Picture]:
    """``n`` pictures of ``split``; picture i depends only on (seed, split, i)."""
    pictures = []
    for i in range(n):
        item_seed = f"{seed}/{split}/picture/{i}"
        pictures.append(_describe(sample_scene(_rng(item_seed), split), item_seed, split, n_captions))
    return pictures


def make_attribute_probes(attribute: str, n: int, seed: int, split: str = "test") -> list[list[Picture]]:
    """``n`` probe sets: one scene rendered in every valid value of ``attribute``.

    ``attribute`` is one of colour, shape, count, size, position, texture, background.
    In a set the pictures differ only in that attribute (same seed, same placement
    where the attribute allows), so a model that picks the right picture for each
    one's ``query`` distinguishes that attribute; chance is 1 / len(set). Colour and
    shape variants may form pairs of either split: the probe is about the attribute.
    """
    values: dict[str, Sequence[object]] = {
        "colour": list(COLOURS),
        "shape": SHAPES,
        "count": COUNTS,
        "size": SIZES,
        "position": POSITIONS,
        "texture": TEXTURES,
        "background": list(BACKGROUNDS),
    }
    if attribute not in values:
        raise ValueError(f"unknown attribute {attribute!r}")
    probes = []
    i = 0
    while len(probes) < n:
        item_seed = f"{seed}/{split}/probe/{attribute}/{i}"
        i += 1
        base = sample_scene(_rng(item_seed), split, n_groups=1)
        variants = []
        for value in values[attribute]:
            if attribute in ("texture", "background"):
                scene = dataclasses.replace(base, **{attribute: value})
            else:
                group = dataclasses.replace(base.groups[0], **{attribute: value})
                scene = dataclasses.replace(base, groups=(group,))
            if _valid(scene):
                variants.append(scene)
        if len(variants) >= 2:
            probes.append([_describe(scene, item_seed, split, 1) for scene in variants])
    return probes


# --------------------------------------------------------------------------- composed edits

EDIT_KINDS = ("colour", "shape", "add", "remove", "move", "texture", "background", "size", "count")

_EDIT_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "train": {
        "colour": (
            "make it {colour}",
            "turn it {colour}",
            "change the colour to {colour}",
            "make the {old} {colour}",
            "{colour} instead of {old_colour}",
        ),
        "shape": (
            "make it a {shape}",
            "turn it into a {shape}",
            "change the shape to a {shape}",
            "replace the {old} with a {shape}",
        ),
        "add": ("add {new}", "add {new} {where}", "also put {new} {where}", "and {new} {where}"),
        "remove": ("remove the {old}", "take away the {old}", "without the {old}"),
        "move": ("move it {where}", "put it {where}", "move the {old} {where}"),
        "texture": (
            "on {texture_noun}",
            "change the background to {texture_noun}",
            "make the background {texture_adj}",
            "on a {texture_adj} background",
        ),
        "background": (
            "make the background {background}",
            "on a {background} background",
            "change the background to {background}",
        ),
        "size": ("make it {bigger}", "make the {old} {bigger}", "a {bigger} one"),
        "count": ("make it {count}", "show {count} of them", "change it to {count} {noun}"),
    },
    "test": {
        "colour": ("now in {colour}", "same but {colour}", "the same {noun} in {colour}"),
        "shape": ("a {shape} instead", "same but a {shape}"),
        "add": ("now with {new} too", "same plus {new} {where}"),
        "remove": ("only keep the other one, no {old}", "same without the {old}"),
        "move": ("now {where}", "same but {where}"),
        "texture": ("same but over {texture_noun}", "now with {texture_noun} behind it"),
        "background": ("same on {background}", "now the background is {background}"),
        "size": ("same but {bigger}", "now {bigger}"),
        "count": ("now {count} of them", "same but {count} {noun}"),
    },
}


@dataclass(frozen=True)
class Triplet:
    """A composed-retrieval query: ``reference`` changed as ``change`` says is ``target``.

    ``reference_caption`` / ``target_caption`` are the canonical descriptions of the
    two scenes, for an oracle (text-only, perfect-captioner) upper bound.
    """

    reference: Picture
    change: str
    target: Picture
    kind: str

    @property
    def reference_caption(self) -> str:
        return self.reference.scene.caption

    @property
    def target_caption(self) -> str:
        return self.target.scene.caption


def _edit(scene: Scene, kind: str, rng: random.Random, split: str) -> tuple[Scene, str] | None:
    """Apply one edit of ``kind``; return (target scene, instruction) or None if it does not apply."""
    groups = list(scene.groups)
    index = rng.randrange(len(groups))
    g = groups[index]
    old = f"{g.colour} {_noun(g)}" if len(groups) == 2 else _noun(g)
    fields: dict[str, str] = {"old": old, "old_colour": g.colour, "noun": _noun(g), "where": ""}
    target_groups = list(groups)
    texture, background = scene.texture, scene.background
    if kind == "colour":
        colour = rng.choice([c for c in COLOURS if c != g.colour])
        target_groups[index] = dataclasses.replace(g, colour=colour)
        fields["colour"] = colour
    elif kind == "shape":
        shape = rng.choice([s for s in SHAPES if s != g.shape])
        target_groups[index] = dataclasses.replace(g, shape=shape)
        fields["shape"] = shape
        if g.count > 1:
            return None
    elif kind == "add":
        if len(groups) != 1 or g.position == "centre":
            return None
        size = rng.choice(SIZES)
        count = rng.choice((1, 1, 2) if size == "small" else (1,))
        new = Group(rng.choice(SHAPES), rng.choice(list(COLOURS)), count, size, _OPPOSITE[g.position])
        target_groups.append(new)
        fields["new"] = _with_article(f"{_pick(rng, _COUNT_WORDS[count])} {new.colour} {_noun(new)}")
        fields["where"] = _pick(rng, _POSITION_WORDS[new.position])
    elif kind == "remove":
        if len(groups) != 2:
            return None
        del target_groups[index]
    elif kind == "move":
        if len(groups) != 1:
            return None
        position = rng.choice([p for p in POSITIONS if p != g.position])
        target_groups[index] = dataclasses.replace(g, position=position)
        fields["where"] = _pick(rng, _POSITION_WORDS[position])
    elif kind == "texture":
        texture = rng.choice([t for t in TEXTURES if t != scene.texture])
        fields["texture_noun"] = _pick(rng, _TEXTURE_NOUNS[texture])
        fields["texture_adj"] = _pick(rng, _TEXTURE_ADJECTIVES[texture])
    elif kind == "background":
        background = rng.choice([b for b in BACKGROUNDS if b != scene.background])
        fields["background"] = _pick(rng, _BACKGROUND_WORDS[background])
    elif kind == "size":
        size = "big" if g.size == "small" else "small"
        target_groups[index] = dataclasses.replace(g, size=size)
        fields["bigger"] = _pick(rng, ("bigger", "larger")) if size == "big" else "smaller"
    elif kind == "count":
        count = rng.choice([c for c in COUNTS if c != g.count])
        target_groups[index] = dataclasses.replace(g, count=count)
        fields["count"] = {1: "one", 2: "two", 3: "three"}[count]
        fields["noun"] = _noun(target_groups[index])
    else:
        raise ValueError(f"unknown edit kind {kind!r}")
    target = Scene(tuple(target_groups), texture, background)
    if not _valid(target):
        return None
    if split == "test":
        if not (_split_ok(scene, "test") or _split_ok(target, "test")):
            return None
    elif not (_split_ok(scene, "train") and _split_ok(target, "train")):
        return None
    template = rng.choice(_EDIT_PHRASES[split][kind])
    if "{where}" in template and not fields["where"]:
        return None
    if len(groups) == 2 and kind in ("colour", "shape", "size", "count") and "{old}" not in template:
        return None  # "make it green" is ambiguous with two groups: name the one to change
    return target, " ".join(template.format(**fields).split())


_KEEP_FOR_EDIT = {
    "colour": frozenset({"colour", "groups"}),
    "shape": frozenset({"shape", "groups"}),
    "add": frozenset({"groups"}),
    "remove": frozenset({"groups"}),
    "move": frozenset({"position"}),
    "texture": frozenset({"texture"}),
    "background": frozenset({"background"}),
    "size": frozenset({"size", "groups"}),
    "count": frozenset({"count", "groups"}),
}


def make_triplet(seed: int, split: str, attempt: int, kind: str, n_captions: int = 5) -> Triplet | None:
    """Attempt number ``attempt`` at a triplet of ``kind``: None when the drawn scene does not allow it.

    Attempts are independent of each other, so they can be generated in parallel;
    ``make_triplets`` keeps the successful ones in attempt order.
    """
    item_seed = f"{seed}/{split}/triplet/{attempt}"
    rng = _rng(item_seed)
    # A test triplet needs a held-out pair on at least one side (_edit checks this):
    # half of the attempts start from one, the other half must make one.
    reference = sample_scene(rng, "test" if split == "test" and rng.random() < 0.5 else "train")
    edited = _edit(reference, kind, rng, split)
    if edited is None:
        return None
    target, change = edited
    keep = _KEEP_FOR_EDIT[kind]
    return Triplet(
        _describe(reference, item_seed, split, n_captions, keep),
        change,
        _describe(target, item_seed, split, n_captions, keep),
        kind,
    )


def make_triplets(
    n: int, seed: int, split: str = "test", kinds: Sequence[str] = EDIT_KINDS, n_captions: int = 5
) -> list[Triplet]:
    """``n`` composed-edit triplets of ``split``; attempt i tries ``kinds[i % len(kinds)]``.

    The target keeps the reference's seed, so unchanged objects stay where they were.
    Captions of both pictures always mention what the edit changed, so that in
    training a caption never also fits the picture's edited twin.
    """
    triplets: list[Triplet] = []
    attempt = 0
    while len(triplets) < n:
        triplet = make_triplet(seed, split, attempt, kinds[attempt % len(kinds)], n_captions)
        attempt += 1
        if triplet is not None:
            triplets.append(triplet)
    return triplets


# --------------------------------------------------------------------------- videos


@dataclass(frozen=True)
class Shot:
    """A stretch of video showing one scene, objects optionally moving across it."""

    scene: Scene
    seed: str
    motion: str | None
    duration_s: float
    sentence: str
    #: Slow change over the shot (hard videos): the camera zooms in by this share and the light dims as much.
    drift: float = 0.0


@dataclass(frozen=True)
class Span:
    """Ground truth: ``sentence`` describes the video from ``start_s`` to ``end_s``."""

    start_s: float
    end_s: float
    sentence: str


@dataclass(frozen=True)
class VideoTruth:
    """A written video and what is in it; spans with equal sentences are all correct answers."""

    path: Path
    fps: int
    size: tuple[int, int]
    duration_s: float
    spans: tuple[Span, ...]
    shots: tuple[Shot, ...]


_MOTION_WORDS = {
    "left_to_right": ("from left to right", "to the right"),
    "right_to_left": ("from right to left", "to the left"),
    "top_to_bottom": ("from top to bottom", "downwards"),
    "bottom_to_top": ("from bottom to top", "upwards"),
    "across": ("across", "about"),  # a still picture shows no direction
}
_MOTION_FRAMES = {
    "train": ("{G} {moves} {M} {B_on}", "{G} moving {M} {B_over}", "{G} {slides} {M} {B_against}"),
    "test": ("{B_with}, and {G} moving {M}", "there {be} {G} sliding {M} {B_on}"),
}


def _sentence(scene: Scene, motion: str | None, rng: random.Random, split: str) -> str:
    if motion is None:
        return caption(scene, rng, split, full=True)
    g = scene.groups[0]
    group_text = _with_article(
        " ".join((_pick(rng, _COUNT_WORDS[g.count]), _pick(rng, _SIZE_WORDS[g.size]), g.colour, _noun(g)))
    )
    bg = {
        style: _background_phrase(scene.texture, scene.background, style, rng)
        for style in ("on", "over", "against", "with")
    }
    frame = rng.choice(_MOTION_FRAMES[split])
    return frame.format(
        G=group_text,
        M=_pick(rng, _MOTION_WORDS[motion]),
        be="is" if g.count == 1 else "are",
        moves="moves" if g.count == 1 else "move",
        slides="slides" if g.count == 1 else "slide",
        B_on=bg["on"],
        B_over=bg["over"],
        B_against=bg["against"],
        B_with=bg["with"],
    )


def motion_caption(group: Group, texture: str, background: str, rng: random.Random, split: str = "train") -> str:
    """A moving-object sentence for a still picture ("a red circle moves across ...").

    It names no direction: one frame cannot show it, and direction words are also
    position words ("to the left"), which a random direction would teach to ignore.
    """
    scene = Scene((dataclasses.replace(group, position="centre"),), texture, background)
    return _sentence(scene, "across", rng, split)


def _near_duplicate(shot: Shot, rng: random.Random, split: str, seed: str) -> Shot | None:
    """The same shot with one attribute changed: the hard case for localisation."""
    kind = rng.choice(("colour", "texture", "background", "motion"))
    scene, motion = shot.scene, shot.motion
    if kind == "motion":
        if motion is None:
            return None
        motion = rng.choice([m for m in _MOTIONS if m != motion])
    else:
        edited = _edit(scene, kind, rng, split)
        if edited is None:
            return None
        scene = edited[0]
    if not _split_ok(scene, split) and split == "train":
        return None
    sentence = _sentence(scene, motion, rng, split)
    return Shot(scene, seed, motion, shot.duration_s, sentence)


def plan_video(
    seed: int, split: str = "test", n_shots: int = 8, min_shot_s: float = 2.0, max_shot_s: float = 20.0
) -> list[Shot]:
    """The shots of a video: fresh ones, some near-duplicates and some exact repeats."""
    rng = _rng(seed, split, "video")
    shots: list[Shot] = []
    sentences: set[str] = set()
    while len(shots) < n_shots:
        roll = rng.random()
        duration = round(rng.uniform(min_shot_s, max_shot_s) * 2) / 2
        shot_seed = f"{seed}/{split}/video/{len(shots)}"
        if roll < 0.15 and len(shots) >= 2:
            shot = rng.choice(shots[:-1])  # an exact repeat, not adjacent to the original
            shots.append(dataclasses.replace(shot, duration_s=duration))
            continue
        if roll < 0.35 and shots:
            candidate = _near_duplicate(rng.choice(shots), rng, split, shot_seed)
            if candidate is None or candidate.sentence in sentences:
                continue
            shots.append(dataclasses.replace(candidate, duration_s=duration))
            sentences.add(candidate.sentence)
            continue
        moving = rng.random() < 0.6
        fresh = _fresh_shot(rng, split, moving, sentences)
        if fresh is None:
            continue
        scene, motion, sentence = fresh
        shots.append(Shot(scene, shot_seed, motion, duration, sentence))
    return shots


def _fresh_shot(rng: random.Random, split: str, moving: bool, sentences: set[str]):
    """A new one-group scene (centred, at most two objects, when it moves), its motion and a sentence not yet
    in ``sentences`` (then added to it); None when the draw is invalid or its sentence is taken."""
    scene = sample_scene(rng, split, n_groups=1)
    if moving:
        g = dataclasses.replace(scene.groups[0], position="centre", count=min(scene.groups[0].count, 2))
        scene = dataclasses.replace(scene, groups=(g,))
        if not _valid(scene):
            return None
    motion = rng.choice(_MOTIONS) if moving else None
    sentence = _sentence(scene, motion, rng, split)
    if sentence in sentences:
        return None
    sentences.add(sentence)
    return scene, motion, sentence


def _relocated(shot: Shot, rng: random.Random, split: str, seed: str) -> Shot | None:
    """The same subject somewhere else: other texture and background (the sentence names the place)."""
    texture = rng.choice([t for t in TEXTURES if t != shot.scene.texture])
    background = rng.choice([b for b in BACKGROUNDS if b != shot.scene.background])
    scene = Scene(shot.scene.groups, texture, background)
    if not _valid(scene):
        return None
    return Shot(scene, seed, shot.motion, shot.duration_s, _sentence(scene, shot.motion, rng, split))


def plan_hard_video(seed: int, split: str = "test", n_shots: int = 8, min_shot_s: float = 2.0,
                    max_shot_s: float = 16.0, long_shot_s: tuple[float, float] = (24.0, 40.0)) -> list[Shot]:
    """Shots where real footage is hard for a localiser (write them with ``blend_s`` for gradual transitions).

    Besides ``plan_video``'s fresh shots, repeats and near-duplicates: long shots that
    change slowly and are briefly hidden by something passing (``Shot.drift``), near-duplicates right next to
    their original (a sentence that matches a shot and, almost, its neighbour), and the
    same subject in several places (other texture and background).
    """
    rng = _rng(seed, split, "hard-video")
    shots: list[Shot] = []
    sentences: set[str] = set()
    while len(shots) < n_shots:
        roll = rng.random()
        duration = round(rng.uniform(min_shot_s, max_shot_s) * 2) / 2
        shot_seed = f"{seed}/{split}/hard-video/{len(shots)}"
        if roll < 0.1 and len(shots) >= 2:
            shot = rng.choice(shots[:-1])
            shots.append(dataclasses.replace(shot, duration_s=duration))
            continue
        if roll < 0.45 and shots:
            adjacent = roll < 0.3
            source = shots[-1] if adjacent else rng.choice(shots)
            make = _near_duplicate if adjacent else _relocated
            candidate = make(source, rng, split, shot_seed)
            if candidate is None or candidate.sentence in sentences:
                continue
            shots.append(dataclasses.replace(candidate, duration_s=duration, drift=0.0))
            sentences.add(candidate.sentence)
            continue
        long_shot = roll > 0.75
        moving = not long_shot and rng.random() < 0.5
        fresh = _fresh_shot(rng, split, moving, sentences)
        if fresh is None:
            continue
        scene, motion, sentence = fresh
        if long_shot:
            duration = round(rng.uniform(*long_shot_s) * 2) / 2
        shots.append(Shot(scene, shot_seed, motion, duration, sentence, drift=0.25 if long_shot else 0.0))
    return shots


def _shot_frames(shot: Shot, fps: int, size: tuple[int, int]) -> Iterable[np.ndarray]:
    width, height = size
    background = _background(shot.scene.texture, shot.scene.background, 2 * width, 2 * height, shot.seed)
    objects = layout(shot.scene, shot.seed)
    n_frames = max(1, round(shot.duration_s * fps))
    travel = 0.6
    for k in range(n_frames):
        if shot.drift:
            yield _drifted(background, objects, shot, k / max(1, n_frames - 1))
            continue
        t = k / max(1, n_frames - 1) - 0.5
        offset = {
            None: (0.0, 0.0),
            "left_to_right": (travel * t, 0.0),
            "right_to_left": (-travel * t, 0.0),
            "top_to_bottom": (0.0, travel * t),
            "bottom_to_top": (0.0, -travel * t),
        }[shot.motion]
        canvas = background.copy()
        _draw_objects(canvas, objects, offset)
        yield np.asarray(_finish(canvas.reduce(2), shot.seed))


def _drifted(background: Image.Image, objects: list[PlacedObject], shot: Shot, progress: float) -> np.ndarray:
    """One frame of a long, slowly changing shot.

    The camera zooms in by ``drift * progress`` and the light dims a little, and twice
    something passes in front of the camera (at 30 % and 65 % of the shot, each pass
    a tenth of it), hiding the subject for a moment: the shot's sentence still holds.
    """
    canvas = background.copy()
    _draw_objects(canvas, objects)
    width, height = canvas.size
    for centre in (0.3, 0.65):
        x = (progress - centre) / 0.05  # -1 .. 1 while the pass lasts
        if abs(x) < 1.6:
            ImageDraw.Draw(canvas).rounded_rectangle(
                ((0.5 + 0.55 * x - 0.45) * width, -0.1 * height, (0.5 + 0.55 * x + 0.45) * width, 1.1 * height),
                radius=0.2 * width, fill=(96, 84, 74))
    zoom = 1.0 + shot.drift * progress
    w, h = width / zoom, height / zoom
    box = ((width - w) / 2, (height - h) / 2, (width + w) / 2, (height + h) / 2)
    frame = canvas.resize((width // 2, height // 2), Image.Resampling.BILINEAR, box=box)
    frame = _finish(frame, shot.seed)
    return (np.asarray(frame, np.float32) * (1.0 - 0.4 * shot.drift * progress)).astype(np.uint8)


def _blended(frames: Sequence[np.ndarray], incoming: np.ndarray, outgoing: np.ndarray, half: int,
             before_cut: bool) -> list[np.ndarray]:
    """Cross-fade ``half`` frames on one side of a cut (the mix is 50/50 at the cut itself)."""
    out = list(frames)
    for j in range(min(half, len(out))):
        if before_cut:  # the last frames of the outgoing shot take in the incoming one's first frame
            index, a = len(out) - half + j, (j + 0.5) / (2 * half)
            other = incoming
        else:  # the first frames of the incoming shot keep some of the outgoing one's last frame
            index, a = j, 0.5 - (j + 0.5) / (2 * half)
            other = outgoing
        if index < 0:
            continue
        mix = (1 - a) * out[index].astype(np.float32) + a * other.astype(np.float32)
        out[index] = np.clip(np.round(mix), 0, 255).astype(np.uint8)
    return out


_CODECS = {
    "h264": ("libx264", ".mp4", {"crf": "23", "preset": "veryfast"}),
    "vp9": ("libvpx-vp9", ".webm", {"crf": "34", "b": "0", "deadline": "good", "cpu-used": "8", "row-mt": "0"}),
}


def write_video(
    path: Path, shots: Sequence[Shot], fps: int = 10, size: tuple[int, int] = (160, 160), codec: str = "h264",
    blend_s: float = 0.0,
) -> VideoTruth:
    """Encode ``shots`` with PyAV (yuv420p, single-threaded so the bytes are reproducible).

    A shot lasts a whole number of frames (its duration rounded to the frame rate);
    spans are computed from the frames actually written. ``blend_s``: consecutive shots
    cross-fade over this long, centred on the cut (a span still ends at the cut).
    """
    import av

    codec_name, _suffix, options = _CODECS[codec]
    width, height = size
    spans = []
    frames_written = 0
    with av.open(str(path), "w", container_options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(codec_name, rate=fps, options=dict(options))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = 1
        half = round(blend_s * fps / 2)
        rendered = [list(_shot_frames(shots[0], fps, size))] if shots else []
        for i, shot in enumerate(shots):
            frames = rendered.pop(0)
            if half and i + 1 < len(shots):
                rendered.append(list(_shot_frames(shots[i + 1], fps, size)))
                upcoming = rendered[0]
                outgoing_last = frames[-1]
                frames = _blended(frames, upcoming[0], outgoing_last, half, before_cut=True)
                rendered[0] = _blended(upcoming, upcoming[0], outgoing_last, half, before_cut=False)
            elif i + 1 < len(shots):
                rendered.append(list(_shot_frames(shots[i + 1], fps, size)))
            start = frames_written
            for frame_rgb in frames:
                frame = av.VideoFrame.from_ndarray(frame_rgb, format="rgb24").reformat(format="yuv420p")
                container.mux(stream.encode(frame))
                frames_written += 1
            spans.append(Span(start / fps, frames_written / fps, shot.sentence))
        container.mux(stream.encode(None))
    return VideoTruth(Path(path), fps, size, frames_written / fps, tuple(spans), tuple(shots))


def make_video(
    directory: Path,
    seed: int,
    split: str = "test",
    n_shots: int = 8,
    fps: int = 10,
    size: tuple[int, int] = (160, 160),
    codec: str = "h264",
    min_shot_s: float = 2.0,
    max_shot_s: float = 20.0,
    hard: bool = False,
    blend_s: float = 1.0,
) -> VideoTruth:
    """Plan and write one video into ``directory``; returns its ground truth.

    ``hard``: shots from ``plan_hard_video`` (``max_shot_s`` for its ordinary shots), cross-faded over ``blend_s``.
    """
    suffix = _CODECS[codec][1]
    if hard:
        path = Path(directory) / f"world-hard-{split}-{seed}{suffix}"
        shots = plan_hard_video(seed, split, n_shots, min_shot_s, min(max_shot_s, 16.0))
        return write_video(path, shots, fps, size, codec, blend_s=blend_s)
    path = Path(directory) / f"world-{split}-{seed}{suffix}"
    return write_video(path, plan_video(seed, split, n_shots, min_shot_s, max_shot_s), fps, size, codec)


def make_videos(directory: Path, n: int, seed: int, split: str = "test", **options: Any) -> list[VideoTruth]:
    """``n`` videos (seeds ``seed``, ``seed + 1``, ...); ``options`` go to ``make_video``."""
    return [make_video(directory, seed + i, split, **options) for i in range(n)]


# --------------------------------------------------------------------------- training data


def jpeg_roundtrip(image: Image.Image, quality: int) -> Image.Image:
    """``image`` after a JPEG save and load, as a library's pictures would be."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")
