"""Load the project's world-trained CLIP the way a user's local weights file is loaded.

Until the engine's model loader exists, tests and benchmarks use this: the config in
``core/models/model_configs`` is registered with open_clip and the safetensors file goes in
as ``pretrained=<path>``, so the same open_clip code path (strict key matching) is
exercised as for any local weights file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_CONFIGS = REPO_ROOT / "core" / "models" / "model_configs"
MODEL_NAME = "MediaLens-World"
WEIGHTS = Path(__file__).resolve().parent / "medialens-world.safetensors"


def register_configs() -> None:
    """Make ``MediaLens-World`` known to open_clip (idempotent)."""
    import open_clip

    if MODEL_NAME not in open_clip.list_models():
        open_clip.add_model_config(MODEL_CONFIGS)


def get_tokenizer(model_name: str = MODEL_NAME) -> Callable:
    """The model's tokenizer as the engine picks it: ``model_configs/<name>/tokenizer.json``, else open_clip's."""
    from core.models.embed import get_tokenizer as engine_tokenizer

    register_configs()
    return engine_tokenizer(model_name)


def load_world_model(weights: Path | None = WEIGHTS, model_name: str = MODEL_NAME) -> tuple[Any, Callable, Callable]:
    """(model in eval mode, preprocess, tokenizer); ``weights=None`` gives random weights."""
    import open_clip

    register_configs()
    model, _, preprocess = open_clip.create_model_and_transforms(
        model_name, pretrained=str(weights) if weights is not None else None
    )
    model.eval()
    return model, preprocess, get_tokenizer(model_name)


def embed_images(model: Any, preprocess: Callable, images: Sequence[Any], batch_size: int = 256) -> np.ndarray:
    """L2-normalised float32 image vectors, one row per PIL image."""
    import torch

    rows = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = torch.stack([preprocess(image) for image in images[start : start + batch_size]])
            rows.append(model.encode_image(batch, normalize=True).float().numpy())
    return np.concatenate(rows) if rows else np.zeros((0, model.visual.output_dim), np.float32)


def embed_texts(model: Any, tokenizer: Callable, texts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
    """L2-normalised float32 text vectors, one row per text."""
    import torch

    rows = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            tokens = tokenizer(list(texts[start : start + batch_size]))
            rows.append(model.encode_text(tokens, normalize=True).float().numpy())
    return np.concatenate(rows)


class TorchEncoder:
    """An open_clip model behind the engine Encoder's two methods (see ``measures.Encoder``)."""

    def __init__(self, model: Any, preprocess: Callable, tokenizer: Callable) -> None:
        self.model, self.preprocess, self.tokenizer = model, preprocess, tokenizer

    def encode_images(self, images: Sequence[Any]) -> np.ndarray:
        return embed_images(self.model, self.preprocess, images)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        return embed_texts(self.model, self.tokenizer, texts)
