"""Session fixtures for the quality tests: the trained and a random model, and a held-out world.

Everything is generated once per session from fixed seeds that training never uses
(training draws "train"-split items; these are "test"-split items with other seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from tests.quality import measures, world
from tests.quality.model import MODEL_NAME, WEIGHTS, TorchEncoder, load_world_model
from tests.quality.thresholds import ATTRIBUTE_ACCURACY

GALLERY_SEED = 7_100_001
GALLERY_SIZE = 300
PROBE_SEED = 7_200_001
PROBE_SETS = 12
TRIPLET_SEED = 7_300_001
TRIPLETS = 60
VIDEO_SEED = 7_400_001
HARD_VIDEO_SEED = 7_500_001
HARD_VIDEOS = 4


@dataclass
class Gallery:
    pictures: list[world.Picture]
    images: list[Image.Image]


@dataclass
class ColourEdits:
    triplets: list[world.Triplet]
    references: list[Image.Image]
    targets: list[Image.Image]


@dataclass
class Videos:
    truths: list[world.VideoTruth]
    times: list[np.ndarray]
    frames: list[list[Image.Image]]


#: Both runtimes are held to every mark: open_clip on torch, and its ONNX export on ONNX Runtime.
RUNTIMES = ["torch", "onnx"]


def export_world_model(weights, models_dir):
    """MediaLens-World (or random weights of it) exported to ONNX, checked on real photos and world captions."""
    from core.models.runtime.export import PROBE_TEXTS, export_model
    from tests.conftest import SHARED_DATA

    photos = sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:24]
    captions = [c for p in world.make_pictures(12, PROBE_SEED, "test") for c in (p.query, *p.captions)]
    return export_model(MODEL_NAME, weights=weights, models_dir=models_dir, probe_files=photos,
                        texts=[*PROBE_TEXTS, *captions])


@pytest.fixture(scope="session")
def world_export(tmp_path_factory):
    if not WEIGHTS.exists():
        pytest.fail(f"{WEIGHTS} is missing: it is a committed test asset (python -m tests.quality.train)")
    return export_world_model(WEIGHTS, tmp_path_factory.mktemp("world-onnx"))


@pytest.fixture(scope="session", params=RUNTIMES)
def trained_encoder(request):
    if not WEIGHTS.exists():
        pytest.fail(f"{WEIGHTS} is missing: it is a committed test asset (python -m tests.quality.train)")
    if request.param == "onnx":
        from core.models.runtime.encoder import OnnxEncoder

        return OnnxEncoder(request.getfixturevalue("world_export").folder, device="cpu")
    return TorchEncoder(*load_world_model())


@pytest.fixture(scope="session", params=RUNTIMES)
def random_encoder(request, tmp_path_factory):
    """The same architecture with seeded random weights: what a test without teeth would pass with."""
    import torch

    if request.param == "onnx":
        from core.models.runtime.encoder import OnnxEncoder
        from tests.bench._common import random_weights
        from tests.quality.model import register_configs

        register_configs()
        weights = random_weights(MODEL_NAME, tmp_path_factory.mktemp("random-weights"), seed=12345)
        return OnnxEncoder(export_world_model(weights, tmp_path_factory.mktemp("random-onnx")).folder, device="cpu")
    torch.manual_seed(12345)
    return TorchEncoder(*load_world_model(weights=None))


@pytest.fixture(scope="session")
def gallery() -> Gallery:
    pictures = world.make_pictures(GALLERY_SIZE, GALLERY_SEED, "test")
    return Gallery(pictures, [p.image() for p in pictures])


@pytest.fixture(scope="session")
def trained_gallery_vectors(trained_encoder: TorchEncoder, gallery: Gallery) -> np.ndarray:
    """The held-out gallery embedded once by the trained model (shared by the text tests)."""
    return trained_encoder.encode_images(gallery.images)


@pytest.fixture(scope="session")
def probes() -> dict[str, tuple[list[list[world.Picture]], list[list[Image.Image]]]]:
    """Per attribute: probe sets (pictures differing only in it) and their renderings."""
    out = {}
    for attribute in ATTRIBUTE_ACCURACY:
        sets = world.make_attribute_probes(attribute, PROBE_SETS, PROBE_SEED)
        out[attribute] = (sets, [[p.image() for p in variants] for variants in sets])
    return out


@pytest.fixture(scope="session")
def colour_edits() -> ColourEdits:
    triplets = world.make_triplets(TRIPLETS, TRIPLET_SEED, "test", kinds=("colour",))
    return ColourEdits(triplets, [t.reference.image() for t in triplets], [t.target.image() for t in triplets])


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Videos:
    """Two H.264 videos (5 fps) of six 2-8 s shots, sampled every half second."""
    folder = tmp_path_factory.mktemp("world-video")
    truths = world.make_videos(folder, 2, VIDEO_SEED, "test", n_shots=6, max_shot_s=8.0, fps=5)
    decoded = [measures.decode_frames(truth.path, every_s=0.5) for truth in truths]
    return Videos(truths, [times for times, _ in decoded], [frames for _, frames in decoded])


@pytest.fixture(scope="session")
def hard_videos(tmp_path_factory: pytest.TempPathFactory) -> Videos:
    """Four hard videos (``world.plan_hard_video``, 5 fps, cross-faded) as the engine samples them.

    Samples that share the last embedded one's vector are left out, as the indexer leaves them out.
    """
    folder = tmp_path_factory.mktemp("world-hard-video")
    truths = world.make_videos(folder, HARD_VIDEOS, HARD_VIDEO_SEED, "test", hard=True, n_shots=7, fps=5)
    sampled = [measures.sample_video(truth.path) for truth in truths]
    return Videos(truths, [times for times, _ in sampled], [frames for _, frames in sampled])
