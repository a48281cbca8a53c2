"""Chinese captions of the generated world, beside the English ones (``world.py``).

The bilingual world model (``MediaLens-World-zh``) learns from both; the English
captions, pictures and every random stream of ``world.py`` stay exactly as they were
(the Chinese ones draw from their own streams, ``<seed>/captions-zh``), so the
English-only model keeps its numbers.

Chinese is written as a person would type it, not word by word from English:

* A group is a clause built around its place: "左边有两个红色的小圆形" (on the left
  there are two small red circles), "两个红色的小圆形在左边", or, in the test
  phrasings only, "两个红色的小圆形位于左边" / "左边画着…". Counting needs a measure
  word (个, and 颗 for stars and hearts); nouns have no plural; size sits next to
  the noun ("红色的小圆形") or, doubled, before the colour ("小小的红色圆形").
* The background is one noun phrase ("灰色条纹背景", "带条纹的灰色背景", "纯白色背景")
  used as a place ("…背景上，左边有…") or a predicate ("背景是灰色条纹").
* Light backgrounds have their everyday names too ("浅蓝色", "米黄色"), and each
  shape a few ("圆形", "圆", "圆圈"; "星星", "五角星").

Held-out phrasings follow ``world.py``'s rule: some sentence frames and group
connectives are used only for ``"test"`` (``TEST_ONLY_MARKERS`` names their words),
so Chinese test queries, like English ones, come in word orders training never shows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from tests.quality import world
from tests.quality.world import Group, Picture, Scene

COLOUR_WORDS = {
    "red": ("红色",),
    "orange": ("橙色", "橘色"),
    "yellow": ("黄色",),
    "green": ("绿色",),
    "blue": ("蓝色",),
    "purple": ("紫色",),
    "pink": ("粉色", "粉红色"),
    "white": ("白色",),
}
SHAPE_WORDS = {
    "circle": ("圆形", "圆", "圆圈"),
    "square": ("正方形", "方块", "方形"),
    "triangle": ("三角形",),
    "star": ("星星", "五角星", "星形"),
    "diamond": ("菱形",),
    "hexagon": ("六边形", "六角形"),
    "cross": ("十字", "十字形"),
    "heart": ("心形", "爱心"),
}
#: Nouns that also count with 颗 (a star, a heart: 一颗星星, 一颗爱心).
_KE_NOUNS = frozenset({"星星", "五角星", "爱心"})
_COUNT_WORDS = {1: ("一",), 2: ("两",), 3: ("三",)}
#: Short sizes go next to the noun ("红色的小圆形"); long ones before the colour ("小小的红色圆形").
_SIZE_SHORT = {"small": "小", "big": "大"}
_SIZE_LONG = {"small": ("小小的", "很小的"), "big": ("大大的", "很大的")}
_POSITION_WORDS = {
    "left": ("左边", "左侧", "画面左边"),
    "right": ("右边", "右侧", "画面右边"),
    "top": ("上方", "上面", "顶部"),
    "bottom": ("下方", "下面", "底部"),
    "centre": ("中间", "中央", "正中间"),
}
_BACKGROUND_COLOUR_WORDS = {
    "white": ("白色",),
    "gray": ("灰色",),
    "black": ("黑色",),
    "blue": ("蓝色", "浅蓝色"),
    "green": ("绿色", "浅绿色"),
    "yellow": ("黄色", "浅黄色", "米黄色"),
}
_TEXTURE_WORDS = {
    "stripes": ("条纹",),
    "dots": ("圆点", "波点"),
    "grid": ("网格", "方格"),
    "checker": ("棋盘格", "格子"),
}
#: A still picture shows no direction: like ``world.motion_caption``, the Chinese names none.
_MOTION_WORDS = ("移动", "滑动")
#: Words of the sentence frames and connectives that only the test split uses.
TEST_ONLY_MARKERS = ("位于", "画着", "这幅画", "可以看到", "，而", "另外")


def _pick(rng: random.Random | None, options: Sequence[str]) -> str:
    return options[0] if rng is None else rng.choice(options)


def _noun_phrase(g: Group, rng: random.Random | None, drop: frozenset[str] = frozenset()) -> str:
    """ "两个红色的小圆形", "一颗小小的黄色星星", "红色的小图形" ... minus the attributes in ``drop``."""
    noun = "图形" if "shape" in drop else _pick(rng, SHAPE_WORDS[g.shape])
    colour = "" if "colour" in drop else _pick(rng, COLOUR_WORDS[g.colour])
    measure = "颗" if noun in _KE_NOUNS and rng is not None and rng.random() < 0.5 else "个"
    count = "" if "count" in drop and g.count > 1 else f"{_pick(rng, _COUNT_WORDS[g.count])}{measure}"
    if "size" in drop:
        return f"{count}{colour}{'的' if colour and (rng is None or rng.random() < 0.6) else ''}{noun}"
    if rng is not None and rng.random() < 0.35:
        return f"{count}{_pick(rng, _SIZE_LONG[g.size])}{colour}{noun}"
    return f"{count}{colour}{'的' if colour else ''}{_SIZE_SHORT[g.size]}{noun}"


def _place(g: Group, rng: random.Random | None, drop: frozenset[str]) -> str | None:
    return None if "position" in drop else _pick(rng, _POSITION_WORDS[g.position])


def _background(
    texture: str, background: str, rng: random.Random | None, drop: frozenset[str], predicate: bool = False
) -> str | None:
    """The background as a noun phrase ("灰色条纹背景", "带圆点的浅蓝色背景") or, with ``predicate``, what
    follows "背景是" ("灰色条纹", "纯白色", "白色的，带圆点"); None when both colour and texture are dropped."""
    colour = "" if "background" in drop else _pick(rng, _BACKGROUND_COLOUR_WORDS[background])
    noun = "" if predicate else "背景"
    if "texture" in drop:
        return f"{colour}{noun or '的'}" if colour else None
    if texture == "plain":
        if not colour:
            return f"纯色{noun or '的'}"
        plain = (f"纯{colour}背景", f"{colour}的纯色背景") if noun else (f"纯{colour}", f"{colour}的，没有花纹")
        return plain[0] if rng is None or rng.random() < 0.5 else plain[1]
    pattern = _pick(rng, _TEXTURE_WORDS[texture])
    if not colour:
        return f"{pattern}{noun}"
    style = 0 if rng is None else rng.randrange(3)
    if predicate:
        return (f"{colour}{pattern}", f"{colour}的{pattern}", f"{colour}的，带{pattern}")[style]
    return (f"{colour}{pattern}背景", f"{colour}的{pattern}背景", f"带{pattern}的{colour}背景")[style]


# A group clause in one of these styles: {P} place, {N} noun phrase (P missing: see _clause).
_TRAIN_CLAUSES = ("{P}有{N}", "{N}在{P}")
_TEST_CLAUSES = ("{N}位于{P}", "{P}画着{N}")
_TRAIN_JOIN = ("，", "；", "，还有")
_TEST_JOIN = ("，而", "；另外，")
# Whole sentences: {C} the group clauses, {B} the background as a noun phrase, {BP} as a predicate.
_TRAIN_FRAMES = (
    "{B}上，{C}",
    "{C}，背景是{BP}",
    "一张{B}的图片，{C}",
    "图中{C}，{B}",
    "照片中是{B}，{C}",
)
_TEST_FRAMES = ("这幅画的背景是{BP}，{C}", "在{B}上可以看到{C}", "{B}，{C}")


def _clause(style: str, place: str | None, noun_phrase: str) -> str:
    if place is not None:
        return style.format(P=place, N=noun_phrase)
    return f"有{noun_phrase}" if style.startswith("{P}") else noun_phrase


def caption_zh(
    scene: Scene, rng: random.Random, split: str, full: bool = True, keep: frozenset[str] = frozenset()
) -> str:
    """One Chinese caption of ``scene``; ``full`` and ``keep`` mean what they mean for ``world.caption``."""
    test = split == "test"
    drop: set[str] = set()
    groups = list(scene.groups)
    if not full:
        for attribute, p_drop in world._DROP_PROBABILITY.items():
            if attribute not in keep and rng.random() < p_drop:
                drop.add(attribute)
        if "colour" not in keep and rng.random() < 0.1:
            drop.add("colour")
        elif "shape" not in keep and rng.random() < 0.1:
            drop.add("shape")
        if len(groups) == 2 and "groups" not in keep and rng.random() < 0.4:
            groups = [rng.choice(groups)]
    frozen = frozenset(drop)
    style = rng.choice(_TEST_CLAUSES if test else _TRAIN_CLAUSES)
    # "，还有" joins noun phrases, not a second "左边有…": "…在左边，还有一个…在右边".
    join = rng.choice(_TEST_JOIN if test else _TRAIN_JOIN[:2] if style.startswith("{P}") else _TRAIN_JOIN)
    clauses = join.join(_clause(style, _place(g, rng, frozen), _noun_phrase(g, rng, frozen)) for g in groups)
    frame = rng.choice(_TEST_FRAMES if test else _TRAIN_FRAMES)
    background = _background(scene.texture, scene.background, rng, frozen, predicate="{BP}" in frame)
    if background is None:
        return clauses
    return frame.format(B=background, BP=background, C=clauses)


def object_query_zh(colour: str, shape: str) -> str:
    """The shortest query for one kind of object, e.g. "红色的圆形"."""
    return f"{COLOUR_WORDS[colour][0]}的{SHAPE_WORDS[shape][0]}"


def describe_zh(
    picture: Picture, split: str, n_captions: int = 5, keep: frozenset[str] = frozenset()
) -> tuple[tuple[str, ...], str]:
    """(captions, query) in Chinese for a picture of ``world``, as ``world._describe`` makes the English ones.

    The first caption is full, the others partial with ``world``'s odds; the query is a
    full caption in ``split``'s phrasings. Depends only on the picture's scene and seed.
    """
    rng = random.Random(f"{picture.seed}/captions-zh")
    captions = [caption_zh(picture.scene, rng, split, full=True)]
    captions += [caption_zh(picture.scene, rng, split, full=rng.random() < 0.35, keep=keep)
                 for _ in range(n_captions - 1)]
    return tuple(captions), caption_zh(picture.scene, rng, split, full=True)


def query_zh(picture: Picture, split: str = "test") -> str:
    """The Chinese counterpart of ``picture.query``: a full caption in ``split``'s phrasings."""
    return describe_zh(picture, split, n_captions=1)[1]


def motion_caption_zh(group: Group, texture: str, background: str, rng: random.Random, split: str = "train") -> str:
    """The Chinese of ``world.motion_caption``: "一个红色的圆形在灰色条纹背景上移动" (no direction)."""
    noun_phrase = _noun_phrase(group, rng, frozenset({"size"}) if rng.random() < 0.3 else frozenset())
    frames = ("{B}上有{N}在{M}",) if split == "test" else ("{N}在{B}上{M}", "{B}上，{N}正在{M}")
    return rng.choice(frames).format(B=_background(texture, background, rng, frozenset()), N=noun_phrase,
                                     M=rng.choice(_MOTION_WORDS))
