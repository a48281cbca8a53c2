"""Text in pictures fused with CLIP: words written on pictures find them first, captions lose nothing.

A library indexes the text world (world pictures, half of them carrying a phrase, a quarter
repeating those phrases on other scenes) with the trained model and a real OCR run. Word
queries must put their picture first (CLIP alone cannot read: it finds none of them); caption
queries must rank as well fused as by CLIP alone, and well in absolute terms (`TEXT_IMAGE_R5`,
which random weights fail in test_quality_teeth.py), so the fusion cannot pass by breaking the
picture expert; mixed queries (words on two pictures and the scene of one) need both experts.
"""

from __future__ import annotations

import pytest

from tests.quality.model import MODEL_NAME, WEIGHTS
from tests.quality.text_world import make_text_world, measure
from tests.quality.thresholds import FUSED_CAPTION_R1_LOSS, FUSED_MIXED_R1, FUSED_WORDS_R1, TEXT_IMAGE_R5

pytestmark = [pytest.mark.quality, pytest.mark.slow]

TEXT_WORLD_SEED = 9_100_001


@pytest.fixture(scope="module")
def text_world_marks(tmp_path_factory):
    from core.library import Library

    folder = tmp_path_factory.mktemp("text-world")
    tw = make_text_world(folder / "pictures", 60, 30, TEXT_WORLD_SEED, n_twins=15)
    with Library(folder / "library", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        report = lib.index([folder / "pictures"], ocr=True)
        assert report.text_read == 60
        return measure(lib, tw)


def test_quality_word_queries_find_their_picture_first(text_world_marks):
    m = text_world_marks
    assert m["words_fused_r1"] >= FUSED_WORDS_R1, m
    assert m["words_clip_r1"] < FUSED_WORDS_R1 / 2, m  # the fusion, not the picture model, reads


def test_quality_caption_queries_lose_nothing_to_the_fusion(text_world_marks):
    m = text_world_marks
    assert m["captions_fused_r1"] >= m["captions_clip_r1"] - FUSED_CAPTION_R1_LOSS, m
    assert m["captions_fused_r5"] >= TEXT_IMAGE_R5, m


def test_quality_words_and_scene_together_need_both_experts(text_world_marks):
    m = text_world_marks
    assert m["mixed_fused_r1"] >= FUSED_MIXED_R1, m
    assert m["mixed_fused_r1"] > max(m["mixed_clip_r1"], m["mixed_ocr_r1"]), m
