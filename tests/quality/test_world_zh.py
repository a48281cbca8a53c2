"""The Chinese captions of the generated world: deterministic, complete, split like the English ones."""

from __future__ import annotations

import hashlib
import random
import re

import pytest

from tests.quality import world, world_zh


def _mentions(text: str, words) -> bool:
    return any(word in text for word in words)


def test_same_picture_gives_same_chinese_captions():
    pictures = world.make_pictures(30, 3, "test")
    assert [world_zh.describe_zh(p, "test") for p in pictures] == [world_zh.describe_zh(p, "test") for p in pictures]
    assert world_zh.describe_zh(pictures[0], "test") != world_zh.describe_zh(pictures[1], "test")


def test_english_captions_are_those_the_english_model_was_trained_on():
    """The Chinese draw from their own streams: the English captions of a fixed world keep their bytes."""
    texts = [c for split in world.SPLITS for p in world.make_pictures(40, 5, split) for c in (*p.captions, p.query)]
    for p in world.make_pictures(40, 5, "test"):  # making Chinese captions in between changes nothing
        world_zh.describe_zh(p, "test")
    again = [c for split in world.SPLITS for p in world.make_pictures(40, 5, split) for c in (*p.captions, p.query)]
    assert again == texts
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    assert digest == "e9aba116ca386dff", "the English world changed: the committed English model was not trained on it"


@pytest.mark.parametrize("split", world.SPLITS)
def test_full_chinese_captions_name_every_attribute(split):
    counts = {1: "一", 2: "两", 3: "三"}
    for picture in world.make_pictures(60, 8, split):
        captions, query = world_zh.describe_zh(picture, split)
        for text in (captions[0], query):
            assert not re.search(r"[A-Za-z]", text), text
            for g in picture.scene.groups:
                assert _mentions(text, world_zh.COLOUR_WORDS[g.colour]), (g.colour, text)
                assert _mentions(text, world_zh.SHAPE_WORDS[g.shape]), (g.shape, text)
                assert counts[g.count] + "个" in text or counts[g.count] + "颗" in text, (g.count, text)
                assert _mentions(text, world_zh._POSITION_WORDS[g.position]), (g.position, text)
                assert _mentions(text, {"small": "小", "big": "大"}[g.size]), (g.size, text)
            assert _mentions(text, world_zh._BACKGROUND_COLOUR_WORDS[picture.scene.background]), text
            if picture.scene.texture != "plain":
                assert _mentions(text, world_zh._TEXTURE_WORDS[picture.scene.texture]), text
            else:
                assert "纯" in text or "没有花纹" in text, text


def test_chinese_test_phrasings_never_appear_in_training_captions():
    train = [c for p in world.make_pictures(300, 5, "train") for c in world_zh.describe_zh(p, "train")[0]]
    assert not [c for c in train if _mentions(c, world_zh.TEST_ONLY_MARKERS)]
    assert all(_mentions(world_zh.query_zh(p), world_zh.TEST_ONLY_MARKERS) for p in world.make_pictures(100, 5))


def test_partial_captions_keep_what_an_edit_changes():
    for picture in world.make_pictures(40, 9, "train"):
        for caption in world_zh.describe_zh(picture, "train", n_captions=6, keep=frozenset({"colour", "groups"}))[0]:
            for g in picture.scene.groups:
                assert _mentions(caption, world_zh.COLOUR_WORDS[g.colour]), caption


def test_motion_caption_names_the_object_and_background_but_no_direction():
    group = world.Group("star", "yellow", 2, "small", "left")
    for seed in range(20):
        text = world_zh.motion_caption_zh(group, "dots", "blue", random.Random(seed))
        assert _mentions(text, world_zh.SHAPE_WORDS["star"]) and "黄色" in text and "蓝色" in text, text
        assert _mentions(text, ("移动", "滑动")) and not _mentions(text, ("左", "右", "上方", "下方")), text


def test_object_query_reads_as_chinese():
    assert world_zh.object_query_zh("red", "circle") == "红色的圆形"
    assert world_zh.object_query_zh("pink", "heart") == "粉色的心形"
