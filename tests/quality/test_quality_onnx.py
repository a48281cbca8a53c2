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

    torch_enc = TorchEncoder(*load_world_model())
    onnx_enc = OnnxEncoder(world_export.folder, device="cpu", precision="fp32")
    images = gallery.images[:120]
    cos = np.sum(torch_enc.encode_images(images) * onnx_enc.encode_images(images), axis=1)
    texts = [p.query for p in gallery.pictures[:120]]
    text_cos = np.sum(torch_enc.encode_texts(texts) * onnx_enc.encode_texts(texts), axis=1)
    assert cos.min() >= MIN_COSINE and text_cos.min() >= MIN_COSINE, (cos.min(), text_cos.min())


def test_quality_int8_towers_keep_world_recall_within_a_point_and_coco_top10_of_float32(world_export, gallery):
    """The int8 towers the CPU runs by default: text->image R@1 on the world gallery within 1 point of the
    float32 towers, and on the shared COCO photos each caption's top 10 overlapping float32's by >= 0.9."""
    import json

    from core.models.runtime.encoder import OnnxEncoder
    from tests.conftest import SHARED_DATA
    from tests.quality import measures

    files = world_export.manifest.files
    assert "visual_int8" in files and "text_int8" in files, world_export.manifest.agreement
    fp32 = OnnxEncoder(world_export.folder, device="cpu", precision="fp32")
    int8 = OnnxEncoder(world_export.folder, device="cpu", precision="int8")
    r1 = {name: measures.text_image_recall(enc, gallery.pictures, enc.encode_images(gallery.images), ks=(1, 10))
          for name, enc in (("fp32", fp32), ("int8", int8))}
    assert r1["int8"][1] >= r1["fp32"][1] - 0.01, r1

    coco = SHARED_DATA / "images" / "coco"
    photos = sorted(coco.glob("*.jpg"))[:120]
    rows = json.loads((coco / "captions.json").read_text())
    captions = [row["captions"][0] for row in rows][:60]
    from core.media.image import load_image

    pictures = [load_image(str(p))[0] for p in photos]
    tops = {}
    for name, enc in (("fp32", fp32), ("int8", int8)):
        sims = enc.encode_texts(captions) @ enc.encode_images(pictures).T
        tops[name] = np.argsort(-sims, axis=1)[:, :10]
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(tops["fp32"], tops["int8"], strict=True)])
    print(f"int8 towers: world R@1 {r1['int8'][1]:.3f} (float32 {r1['fp32'][1]:.3f}), "
          f"R@10 {r1['int8'][10]:.3f} ({r1['fp32'][10]:.3f}); COCO top-10 overlap {overlap:.3f}")
    assert overlap >= 0.9, overlap
