"""Downloading a catalogue model from a fake hub on 127.0.0.1: progress, resume, verification, atomic landing.

The served model is the tiny random-weights model exported in Immich's layout by the project's own
exporter: what the download lands must run on the same `OnnxEncoder` and give the export's vectors.
"""

from __future__ import annotations

import errno
import itertools
import json
import os

import numpy as np
import pytest

from core.errors import ModelError
from tests.conftest import TINY_MODEL
from tests.fake_hub import FakeHub, catalogue_entry

REPO_ID = "medialens-test/MediaLens-Tiny"


@pytest.fixture
def hub_folder(immich_tiny):
    return immich_tiny


@pytest.fixture(scope="module")
def other_folder(tiny_config_dir, tmp_path_factory):
    """Another revision of the model: other weights, other bytes."""
    from core.runtime.export_immich import export_immich
    from tests.conftest import save_random_weights

    root = tmp_path_factory.mktemp("hub-model-2")
    weights = save_random_weights(tiny_config_dir, root, seed=1)
    return export_immich(TINY_MODEL, weights=weights, models_dir=root / "models", out=root / "tiny",
                         key="MediaLens-Tiny:hub-test").folder


@pytest.fixture
def fake_hub(online, monkeypatch):
    hub = FakeHub().start()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    yield hub
    hub.stop()


def _entry(hub: FakeHub, folder, revision="main", **overrides):
    from core.runtime.catalogue import CatalogueEntry

    pins = hub.add_folder(REPO_ID, folder, revision)
    d = catalogue_entry("MediaLens-Tiny-hub", REPO_ID, pins, key="MediaLens-Tiny:hub-test", revision=revision)
    d.update(overrides)
    return CatalogueEntry.from_dict(d)


def test_a_download_reports_progress_and_lands_a_model_the_encoder_runs(fake_hub, hub_folder, tmp_path):
    from core.runtime.download import download, installed
    from core.runtime.encoder import OnnxEncoder
    from core.runtime.manifest import verify

    entry = _entry(fake_hub, hub_folder)
    assert entry.pinned
    seen = []
    folder = download(entry, tmp_path / "models", progress=lambda done, total: seen.append((done, total)))
    total = sum(p.bytes for p in entry.files.values())
    assert seen[-1] == (total, total) and len(seen) > 3
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))  # it only grows
    assert verify(folder).key == "MediaLens-Tiny:hub-test" and installed(entry, tmp_path / "models") == folder
    texts = ["a red circle", "two dogs"]
    assert np.allclose(OnnxEncoder(folder).encode_texts(texts), OnnxEncoder(hub_folder).encode_texts(texts),
                       atol=1e-6)
    assert not [p for p in (tmp_path / "models" / "onnx").iterdir() if p.name.startswith(".")]  # no leftovers
    requests = len(fake_hub.requests)
    assert download(entry, tmp_path / "models") == folder and len(fake_hub.requests) == requests  # once only


def test_a_connection_dropped_mid_file_resumes_from_where_it_stopped(fake_hub, hub_folder, tmp_path):
    from core.runtime.download import download
    from core.runtime.manifest import verify

    entry = _entry(fake_hub, hub_folder)
    fake_hub.drop_after["textual/model.onnx"] = 11 << 20
    folder = download(entry, tmp_path / "models")
    verify(folder)
    ranges = fake_hub.gets("textual/model.onnx")
    # huggingface_hub writes 10 MiB blocks: the retry asks for what follows the last whole block
    assert ranges == [None, f"bytes={10 << 20}-"]


def test_an_interrupted_download_resumes_in_the_next_run(fake_hub, hub_folder, tmp_path):
    from core.runtime.download import download
    from core.runtime.manifest import verify

    entry = _entry(fake_hub, hub_folder)
    size = entry.files["textual/model.onnx"].bytes

    def interrupt(done, total):
        if done > 0.9 * total:  # the text tower's second 10 MiB block (its first is on disk)
            raise KeyboardInterrupt  # Ctrl-C, a closed laptop lid: the process stops mid-file

    with pytest.raises(KeyboardInterrupt):
        download(entry, tmp_path / "models", progress=interrupt)
    assert not (tmp_path / "models" / "onnx" / "MediaLens-Tiny_hub-test").exists()  # no half model in use
    folder = download(entry, tmp_path / "models")
    verify(folder)
    ranges = fake_hub.gets("textual/model.onnx")
    assert len(ranges) == 2 and ranges[0] is None and ranges[1].startswith("bytes=")
    resumed_at = int(ranges[1].split("=")[1].rstrip("-"))
    assert 0 < resumed_at < size


def test_a_file_whose_hash_does_not_match_is_refused_and_nothing_is_left(fake_hub, hub_folder, tmp_path):
    from core.runtime.download import download

    entry = _entry(fake_hub, hub_folder)
    served = fake_hub.repos[(REPO_ID, "main")]
    bad = bytearray(served["visual/model.onnx"])
    bad[-10:] = b"0123456789"  # same size, other bytes: a tampered or damaged mirror
    served["visual/model.onnx"] = bytes(bad)
    with pytest.raises(ModelError, match=r"visual/model\.onnx from 127\.0\.0\.1:\d+ does not match its SHA-256"):
        download(entry, tmp_path / "models")
    assert list((tmp_path / "models" / "onnx").iterdir()) == []


def test_a_full_disk_leaves_the_previous_model_in_use(fake_hub, hub_folder, other_folder, tmp_path, monkeypatch):
    from core.runtime import download as dl
    from core.runtime.encoder import OnnxEncoder

    models = tmp_path / "models"
    first = dl.download(_entry(fake_hub, hub_folder, "v1"), models)
    before = OnnxEncoder(first).encode_texts(["a red circle"])
    newer = _entry(fake_hub, other_folder, "v2")

    class FullDisk:
        def __init__(self, path):
            self.fh, self.room = open(path, "ab"), 100_000  # noqa: SIM115 - closed by __exit__

        def write(self, data):
            if len(data) > self.room:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.room -= len(data)
            return self.fh.write(data)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(dl, "_open_part", FullDisk)
    with pytest.raises(ModelError, match="the disk is full: MediaLens-Tiny-hub needs"):
        dl.download(newer, models)
    assert [p.name for p in (models / "onnx").iterdir()] == ["MediaLens-Tiny_hub-test"]  # no partial kept
    assert json.loads((first / "medialens.json").read_text())["catalogue_revision"] == "v1"
    assert np.allclose(OnnxEncoder(first).encode_texts(["a red circle"]), before)
    monkeypatch.undo()


def test_offline_says_so_before_any_request(fake_hub, hub_folder, tmp_path, monkeypatch):
    from core import hub
    from core.runtime.download import download

    entry = _entry(fake_hub, hub_folder)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match=r"cannot download MediaLens-Tiny-hub \(\d+ MB\) from 127.0.0.1:\d+: "
                                         r"HF_HUB_OFFLINE is set; connect to the internet"):
        download(entry, tmp_path / "models")
    monkeypatch.delenv("HF_HUB_OFFLINE")

    def no_name_server(*args, **kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(hub, "resolve", no_name_server)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")
    with pytest.raises(ModelError, match=r"cannot look up hub\.invalid: Temporary failure in name resolution"):
        download(entry, tmp_path / "models")
    assert fake_hub.requests == []


def test_a_missing_repository_is_one_line(fake_hub, hub_folder, tmp_path):
    from core.runtime.download import download

    entry = _entry(fake_hub, hub_folder, repo="medialens-test/nothing-here")
    with pytest.raises(ModelError, match=r"could not download MediaLens-Tiny-hub from 127\.0\.0\.1:\d+: "):
        download(entry, tmp_path / "models")


def test_the_catalogue_proposes_by_language_memory_and_compute(monkeypatch):
    from core.runtime.catalogue import Machine, catalogue, find_entry, propose

    laptop, workstation = Machine(4, 16_000, None), Machine(16, 64_000, "CUDAExecutionProvider")
    small = Machine(2, 4_000, None)
    assert propose(laptop, "en_US").name == "ViT-B-32__laion2b-s34b-b79k"
    assert propose(workstation, "en_GB").name == "ViT-B-16-SigLIP2__webli"
    zh_laptop = propose(laptop, "zh_CN")
    assert zh_laptop.name == "XLM-Roberta-Large-Vit-B-32"  # the multilingual one a laptop indexes at speed
    assert propose(Machine(4, 16_000, None), "de_DE") == zh_laptop
    assert propose(workstation, "zh_CN").name == "nllb-clip-large-siglip__mrl"  # Immich's best multilingual
    assert propose(small, "zh_TW").multilingual  # nothing fits: the smallest multilingual one
    assert propose(small, "en").name.startswith("ViT-B-32")
    # the registry's default model is the catalogue entry with the same vectors
    assert find_entry(key="ViT-B-32:laion2b_s34b_b79k").name == "ViT-B-32__laion2b-s34b-b79k"
    assert find_entry("nllb-clip-large-siglip").repo == "immich-app/nllb-clip-large-siglip__mrl"
    assert find_entry("ViT-B-32") is None  # two entries share the architecture: the name is ambiguous
    assert all(e.repo.startswith("immich-app/") and e.licence and e.quality_source for e in catalogue())


def test_a_project_catalogue_comes_first(tmp_path, monkeypatch):
    from core.runtime.catalogue import catalogue, find_entry

    extra = tmp_path / "catalogue.json"
    extra.write_text(json.dumps({"format": 1, "models": [catalogue_entry(
        "MediaLens-World-Bilingual", "medialens/world", {}, key="MediaLens-World:zh-en",
        languages=("en", "zh"))]}))
    monkeypatch.setenv("MEDIALENS_CATALOGUE", os.fspath(extra))
    assert catalogue()[0].name == "MediaLens-World-Bilingual"
    assert find_entry(key="MediaLens-World:zh-en").languages == ("en", "zh")
    extra.write_text("{not json")
    with pytest.raises(ModelError, match="not a readable model catalogue"):
        catalogue()
