"""Chinese queries find pictures as well as English ones, with the bilingual world model on both runtimes.

The model (``MediaLens-World-zh``, ``python -m tests.quality.train --model MediaLens-World-zh``)
is measured on the held-out gallery of the other quality tests: test-split pictures whose
colour x shape pairs no training picture shows, each searched with its full caption in
test-only phrasings, once in English and once in Chinese. On ONNX Runtime it runs from the
Immich-layout export the app downloads (``tests/quality/export_hub.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.quality import measures, world, world_zh
from tests.quality.bilingual import MODEL_NAME_ZH, TOKENIZER, WEIGHTS_ZH
from tests.quality.model import TorchEncoder, get_tokenizer, load_world_model
from tests.quality.thresholds import BILINGUAL_R1, CHINESE_OVER_ENGLISH_R1, COLOUR_SHAPE_TOP5, TEXT_IMAGE_R5

pytestmark = pytest.mark.quality


@pytest.fixture(scope="session")
def bilingual_export(tmp_path_factory):
    from tests.quality.export_hub import export_hub

    return export_hub(tmp_path_factory.mktemp("hub") / "MediaLens-World-zh")


@pytest.fixture(scope="session", params=["torch", "onnx"])
def bilingual_encoder(request):
    if not WEIGHTS_ZH.exists():
        pytest.fail(f"{WEIGHTS_ZH} is missing: it is a committed test asset (python -m tests.quality.train "
                    f"--model {MODEL_NAME_ZH})")
    if request.param == "onnx":
        from core.models.runtime.encoder import OnnxEncoder

        return OnnxEncoder(request.getfixturevalue("bilingual_export"), device="cpu")
    return TorchEncoder(*load_world_model(WEIGHTS_ZH, MODEL_NAME_ZH))


@pytest.fixture(scope="session")
def random_bilingual_encoder():
    import torch

    torch.manual_seed(12345)
    return TorchEncoder(*load_world_model(None, MODEL_NAME_ZH))


def _recall_by_language(encoder, gallery) -> dict[str, dict[int, float]]:
    vectors = encoder.encode_images(gallery.images)
    chinese = [world_zh.query_zh(p) for p in gallery.pictures]
    return {"en": measures.text_image_recall(encoder, gallery.pictures, vectors, ks=(1, 5)),
            "zh": measures.text_image_recall(encoder, gallery.pictures, vectors, ks=(1, 5), queries=chinese)}


def test_quality_chinese_queries_find_pictures_as_well_as_english(bilingual_encoder, gallery):
    recall = _recall_by_language(bilingual_encoder, gallery)
    assert recall["en"][1] >= BILINGUAL_R1 and recall["en"][5] >= TEXT_IMAGE_R5, recall
    assert recall["zh"][1] >= BILINGUAL_R1 and recall["zh"][5] >= TEXT_IMAGE_R5, recall
    assert recall["zh"][1] >= CHINESE_OVER_ENGLISH_R1 * recall["en"][1], recall


def test_quality_short_chinese_object_queries_find_their_objects(bilingual_encoder, gallery):
    """ "绿色的星星" (a held-out colour x shape pair) has a green star in its top 5, as "a green star" does."""
    vectors = bilingual_encoder.encode_images(gallery.images)
    found_en, _ = measures.colour_shape_hits(bilingual_encoder, gallery.pictures, vectors)
    found_zh, _ = measures.colour_shape_hits(bilingual_encoder, gallery.pictures, vectors,
                                             object_query=world_zh.object_query_zh)
    assert found_en >= COLOUR_SHAPE_TOP5 and found_zh >= COLOUR_SHAPE_TOP5, (found_en, found_zh)


def test_quality_bilingual_random_weights_fail(random_bilingual_encoder, gallery):
    recall = _recall_by_language(random_bilingual_encoder, gallery)
    assert recall["en"][1] < BILINGUAL_R1 and recall["zh"][1] < BILINGUAL_R1, recall
    vectors = random_bilingual_encoder.encode_images(gallery.images)
    found_zh, _ = measures.colour_shape_hits(random_bilingual_encoder, gallery.pictures, vectors,
                                             object_query=world_zh.object_query_zh)
    assert found_zh < COLOUR_SHAPE_TOP5, found_zh


def test_training_and_the_onnx_runtime_read_the_same_ids():
    """Training tokenizes with core.models.embed's JsonTokenizer; the app reads the Immich-layout export with
    core.models.runtime's Tokenizer (whitespace folded, tokenizer.json's normaliser lowers the case), and
    MediaLens's own layout cleans with ftfy and lower case first: every one must give the same ids."""
    from core.models.runtime.encoder import Tokenizer
    from core.models.runtime.manifest import TextConfig

    training = get_tokenizer(MODEL_NAME_ZH)
    pictures = world.make_pictures(40, 9, "test")
    texts = [t for p in pictures for t in (p.query, *p.captions, *world_zh.describe_zh(p, "test")[0])]
    texts += ["红色的圆", "  Two RED   circles\ton the LEFT ", "红色的圆，背景是灰色条纹。", "ＲＥＤ　ｃｉｒｃｌｅ"]
    ids = training(texts).numpy()
    assert len({tuple(row) for row in ids}) > len(texts) // 2 and ids.max() < 4099
    for clean in ("whitespace", "lower"):
        runtime = Tokenizer(TOKENIZER, TextConfig(context_length=training.context_length, sot_id=-1, eot_id=-1,
                                                  clean=clean, kind="hf", pad_token="<pad>"))
        assert np.array_equal(ids, runtime(texts)), clean


def test_trimmed_text_encoding_is_open_clips():
    """Training cuts each batch's trailing padding (train.encode_text_trimmed): the vectors must not change."""
    import torch

    from tests.quality.train import encode_text_trimmed

    torch.manual_seed(0)
    model, _, tokenizer = load_world_model(None, MODEL_NAME_ZH)
    pictures = world.make_pictures(30, 4, "test")
    tokens = tokenizer([p.query for p in pictures] + [world_zh.query_zh(p) for p in pictures])
    assert int((tokens != 0).sum(dim=1).max()) < tokens.shape[1]  # there is padding to cut
    with torch.no_grad():
        full = model.encode_text(tokens, normalize=True)
        trimmed = encode_text_trimmed(model, tokens)
    assert torch.allclose(full, trimmed, atol=1e-6)
