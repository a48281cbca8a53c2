"""The model layer with the tiny test model (random weights: plumbing only)."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ModelError
from core.models.embed import REGISTRY, Encoder, find_spec, model_key
from tests.conftest import TINY_MODEL
from tests.media_factory import picture


@pytest.fixture(scope="module")
def encoder(tiny_weights):
    return Encoder(TINY_MODEL, weights=tiny_weights, device="cpu").load()


def test_vectors_are_normalised_and_deterministic(encoder):
    imgs = encoder.encode_images([picture(1), picture(2)])
    txt = encoder.encode_texts(["a red circle", "a blue square"])
    assert imgs.shape == (2, 64) and txt.shape == (2, 64)
    assert np.allclose(np.linalg.norm(imgs, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(txt, axis=1), 1, atol=1e-5)
    assert np.allclose(encoder.encode_images([picture(1)])[0], imgs[0], atol=1e-5)
    assert not np.allclose(imgs[0], imgs[1])
    assert encoder.image_size == 64 and encoder.device == "cpu"


def test_recent_text_queries_are_cached(encoder, monkeypatch):
    encoder.encode_texts(["cached query"])
    calls = []
    original = encoder.torch_model.encode_text
    monkeypatch.setattr(encoder.torch_model, "encode_text", lambda *a, **k: calls.append(1) or original(*a, **k))
    v = encoder.encode_texts(["cached query", "fresh query"])
    assert len(calls) == 1 and v.shape == (2, 64)


def test_model_key_separates_vector_spaces(tiny_weights, tmp_path):
    other = tmp_path / "other.safetensors"
    other.write_bytes(tiny_weights.read_bytes()[:-8] + b"12345678")
    assert model_key("ViT-B-32", "laion2b_s34b_b79k", None) != model_key("ViT-B-32", "openai", None)
    assert model_key(TINY_MODEL, None, tiny_weights) != model_key(TINY_MODEL, None, other)
    assert model_key(TINY_MODEL, None, tiny_weights) == model_key(TINY_MODEL, None, tiny_weights)


def test_registry_has_a_default_a_multilingual_and_the_world_model():
    assert REGISTRY[0].name == "ViT-B-32" and REGISTRY[0].pretrained == "laion2b_s34b_b79k"
    assert any(s.multilingual for s in REGISTRY)
    assert find_spec("vit-b-32") is REGISTRY[0]


def test_bad_model_requests_are_clear_errors(tmp_path):
    with pytest.raises(ModelError, match="weights file not found"):
        Encoder(TINY_MODEL, weights=tmp_path / "none.safetensors")
    with pytest.raises(ModelError, match="no downloadable weights"):
        Encoder("MediaLens-World")



def test_asking_for_cuda_without_it_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ModelError, match="CUDA is not available"):
        Encoder("ViT-B-32", device="cuda").load()
