"""The ONNX export of MediaLens-World gives open_clip's embeddings on real photos, world pictures and captions.

Every quality test runs on both runtimes (the `trained_encoder` and `random_encoder` fixtures
are parametrised over them, and the engine-level compose tests query the torch-indexed library
through ONNX Runtime too); this file checks the agreement itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.models.runtime.export import MIN_COSINE

pytestmark = pytest.mark.quality


def test_quality_world_export_agrees_with_open_clip_on_real_photos_and_texts(world_export):
    a = world_export.manifest.agreement
    assert a["images"] >= 8 + 20 and a["texts"] >= 30, a  # the generated probes, real photos, world captions
    assert a["preprocess_max_abs_diff"] == 0.0
    assert a["image_min_cosine"] >= MIN_COSINE and a["text_min_cosine"] >= MIN_COSINE, a


def test_quality_world_export_gives_the_torch_vectors_of_the_gallery(world_export, gallery):
    from core.models.runtime.encoder import OnnxEncoder
    from tests.quality.model import TorchEncoder, load_world_model

    torch_enc, onnx_enc = TorchEncoder(*load_world_model()), OnnxEncoder(world_export.folder, device="cpu")
    images = gallery.images[:120]
    cos = np.sum(torch_enc.encode_images(images) * onnx_enc.encode_images(images), axis=1)
    texts = [p.query for p in gallery.pictures[:120]]
    text_cos = np.sum(torch_enc.encode_texts(texts) * onnx_enc.encode_texts(texts), axis=1)
    assert cos.min() >= MIN_COSINE and text_cos.min() >= MIN_COSINE, (cos.min(), text_cos.min())
