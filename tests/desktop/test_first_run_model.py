"""The first-run page when the model has to be downloaded: progress, or an offline machine's way out."""

from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import QTimer

from core.models.runtime.catalogue import propose
from desktop_app.main_window import MainWindow
from desktop_app.settings import Settings
from desktop_app.workers.host import LibraryConfig, LibraryHost, ModelState
from tests.conftest import TINY_MODEL


def test_an_offline_machine_is_offered_a_weights_file(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIALENS_MODELS", str(tmp_path / "models"))  # nothing downloaded; HF_HUB_OFFLINE is set
    w = MainWindow(LibraryConfig(home=str(tmp_path / "lib")), Settings(), tmp_path / "settings.json")
    qtbot.addWidget(w)
    states = []
    w.host.model_state.connect(states.append)
    with qtbot.waitSignal(w.host.opened, timeout=20_000):
        w.start()
    page = w.first_run
    assert w.pages.currentWidget() is page
    qtbot.waitUntil(lambda: states and states[-1].state == ModelState.FAILED, timeout=60_000)
    assert [s.state for s in states[:2]] == [ModelState.LOADING, ModelState.DOWNLOADING]
    proposed = propose()  # the catalogue's model for this machine and language
    assert states[1].name == proposed.name and states[1].download_mb == proposed.download_mb
    assert page.model_label.text() == f"{proposed.name} could not be downloaded."
    assert "offline" in page.model_detail.text() and f"{proposed.download_mb} MB" in page.model_detail.text()
    assert not page.weights_button.isHidden() and page.model_progress.isHidden()
    page.add_folder(str(tmp_path))
    assert not page.start_button.isEnabled()  # indexing needs the model
    assert w.message_bar.isHidden()  # the page says it; no second copy in the message bar

    reopened = []
    monkeypatch.setattr(w.host, "reopen", reopened.append)
    page.weights_chosen.emit(str(tmp_path / "ViT-B-32.safetensors"))
    assert reopened[0].weights == str(tmp_path / "ViT-B-32.safetensors")
    assert w.settings.weights == str(tmp_path / "ViT-B-32.safetensors")


def test_download_progress_is_read_from_the_partial_file(qtbot, tmp_path):
    host = LibraryHost(LibraryConfig())
    partial = tmp_path / "models--laion--x" / "blobs" / "abc.incomplete"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"\0" * 3_000_000)
    stop = threading.Event()
    with qtbot.waitSignal(host.download_progress, timeout=5_000) as got:
        threading.Thread(target=host._watch_download, args=(tmp_path, 605.0, stop), daemon=True).start()
    stop.set()
    assert got.args == [3.0, 605.0]


def test_offline_is_known_in_seconds_and_the_file_choice_offered_at_once(qtbot, tmp_path, monkeypatch):
    """No HF_HUB_OFFLINE, a name server that cannot resolve the hub: the page offers the file within seconds.

    Before the quick check, huggingface_hub retried each file five times (about four minutes offline).
    """
    import socket

    from core.models import hub

    asked = []

    def offline_resolver(host, port, **kwargs):
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "resolve", offline_resolver)
    monkeypatch.setenv("MEDIALENS_MODELS", str(tmp_path / "models"))  # nothing downloaded
    w = MainWindow(LibraryConfig(home=str(tmp_path / "lib")), Settings(), tmp_path / "settings.json")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.host.opened, timeout=20_000):
        w.start()
    page = w.first_run
    qtbot.waitUntil(lambda: page.model_progress.isHidden(), timeout=6_000)
    assert asked == ["huggingface.co"]
    assert page.model_label.text() == f"{propose().name} could not be downloaded."
    assert "offline" in page.model_detail.text()


def test_a_file_that_fits_no_model_offers_the_model_picker(qtbot, tmp_path, monkeypatch):
    import numpy as np
    from safetensors.numpy import save_file

    from desktop_app.dialogs.settings import SettingsDialog

    odd = tmp_path / "odd.safetensors"
    save_file({"encoder.weight": np.zeros((4, 3), np.float32)}, str(odd))
    monkeypatch.setenv("MEDIALENS_MODELS", str(tmp_path / "models"))
    w = MainWindow(LibraryConfig(home=str(tmp_path / "lib")), Settings(), tmp_path / "settings.json")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.host.opened, timeout=20_000):
        w.start()
    page = w.first_run
    with qtbot.waitSignal(w.host.open_failed, timeout=20_000) as failed:
        page.weights_chosen.emit(str(odd))
    message = str(failed.args[0])  # the exception that kept the library closed
    assert "fit none of the known models" in message and "\n" not in message
    assert "torch" not in message.lower()
    assert page.model_label.text() == "This file is not one of the models MediaLens knows."
    assert "--" not in page.model_detail.text()  # GUI words, not the CLI's options
    assert not page.picker_button.isHidden() and not page.weights_button.isHidden()
    page.picker_button.click()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(SettingsDialog)), timeout=5_000)


def test_a_file_picked_inside_an_exported_model_loads_the_folder(tmp_path):
    from desktop_app.pages.first_run import model_source

    folder = tmp_path / "ViT-B-32_laion"
    folder.mkdir()
    for name in ("manifest.json", "visual.onnx", "text.onnx"):
        (folder / name).write_text("{}")
    assert model_source(str(folder / "manifest.json")) == str(folder)
    assert model_source(str(folder / "visual.onnx")) == str(folder)
    lone = tmp_path / "model.onnx"
    lone.write_text("")
    assert model_source(str(lone)) == str(lone)  # not an export: left as picked
    assert model_source(str(tmp_path / "w.safetensors")) == str(tmp_path / "w.safetensors")


def test_a_weights_file_in_a_torch_free_install_says_why_on_the_page(qtbot, tmp_path, tiny_weights, monkeypatch):
    """Issue 25: picking a .safetensors without torch said only "not on this computer yet" (the reason was in
    a tooltip). The page says that the file must be converted, and the command that converts it."""
    from core.errors import ModelError
    from core.models.runtime import choose
    from desktop_app.pages.first_run import FirstRunPage
    from desktop_app.workers.host import ModelState, ModelStatus

    monkeypatch.setattr(choose, "torch_available", lambda: False)
    with pytest.raises(ModelError) as refused:
        choose.open_encoder(TINY_MODEL, weights=tiny_weights, cache_dir=tmp_path / "models")
    page = FirstRunPage()
    qtbot.addWidget(page)
    page.show()
    page.set_model_state(ModelStatus(ModelState.FAILED, TINY_MODEL, error=str(refused.value)))
    said = page.model_label.text() + " " + page.model_detail.text()
    assert "converted" in said and "needs torch" in said, said
    assert f"medialens models export {TINY_MODEL} --weights {tiny_weights}" in page.model_detail.text()
    assert page.model_detail.isVisible() and page.weights_button.isVisible()


def test_the_first_run_page_downloads_the_model_in_the_background_and_the_grid_fills(
        qtbot, tmp_path, monkeypatch, online, immich_tiny):
    """A new user's first run: the page names the proposed model, downloads it from the hub (here a fake
    one on 127.0.0.1) with progress while the window stays live, then indexes the chosen folder."""
    from tests.fake_hub import FakeHub, catalogue_entry
    from tests.media_factory import write_pictures

    hub = FakeHub(rate_bytes_s=6e6).start()  # ~3 s for the tiny model: progress is seen arriving
    try:
        pins = hub.add_folder("medialens-test/MediaLens-Tiny", immich_tiny)
        key = json.loads((immich_tiny / "medialens.json").read_text())["key"]
        (tmp_path / "catalogue.json").write_text(json.dumps({"format": 1, "models": [catalogue_entry(
            "MediaLens-Tiny-hub", "medialens-test/MediaLens-Tiny", pins, key=key, languages=("en", "zh"))]}))
        for var, value in (("MEDIALENS_CATALOGUE", tmp_path / "catalogue.json"), ("HF_ENDPOINT", hub.url),
                           ("MEDIALENS_DEFAULT_MODEL", "MediaLens-Tiny-hub"),
                           ("MEDIALENS_MODELS", tmp_path / "models")):
            monkeypatch.setenv(var, str(value))
        w = MainWindow(LibraryConfig(home=str(tmp_path / "lib"), device="cpu"), Settings(), tmp_path / "s.json")
        qtbot.addWidget(w)
        w.resize(1100, 760)
        states, progress, ticks = [], [], []
        w.host.model_state.connect(states.append)
        w.host.download_progress.connect(lambda done, total: progress.append((done, total)))
        timer = QTimer(w)
        timer.timeout.connect(lambda: ticks.append(len(progress)))
        timer.start(50)
        with qtbot.waitSignal(w.host.opened, timeout=20_000):
            w.show()
        page = w.first_run
        qtbot.waitUntil(lambda: any(s.state == ModelState.DOWNLOADING for s in states), timeout=20_000)
        downloading = next(s for s in states if s.state == ModelState.DOWNLOADING)
        assert downloading.name == "MediaLens-Tiny-hub" and "English, Chinese" in downloading.notes
        assert page.model_label.text() == "Downloading MediaLens-Tiny-hub (17 MB, once)…"
        assert "50 Mbit/s" in page.download_detail.text()
        assert not page.weights_button.isHidden()  # a file instead, at any time
        qtbot.waitUntil(lambda: w.host.model_ready, timeout=60_000)
        assert states[-1].state == ModelState.READY and page.model_label.text() == "✓ MediaLens-Tiny-hub is ready."
        total = sum(v["bytes"] for k, v in pins.items() if k != "medialens.json") / 1e6
        assert progress and abs(progress[-1][0] - total) < 1e-6 and progress[-1][1] == progress[-1][0]
        # the window kept painting while the bytes arrived: the timer ticked between progress reports
        assert len({t for t in ticks if 0 < t < len(progress)}) >= 2
        assert w.host.library.models.encoder.runtime == "onnx" and hub.gets("visual/model.onnx") == [None]

        folder = tmp_path / "pictures"
        write_pictures(folder, 6)
        page.add_folder(str(folder))
        with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
            page.start_button.click()
        assert finished.args[0].indexed == 6
        qtbot.waitUntil(lambda: w.model.rowCount() == 6, timeout=20_000)
        w.close()
    finally:
        hub.stop()


def test_a_pytorch_file_in_a_torch_free_install_says_why_and_what_to_do(qtbot, tmp_path, monkeypatch, tiny_weights):
    from core.models.runtime import choose

    monkeypatch.setattr(choose, "torch_available", lambda: False)  # as in the .deb, the AppImage, a plain pip install
    monkeypatch.setenv("MEDIALENS_MODELS", str(tmp_path / "models"))
    config = LibraryConfig(home=str(tmp_path / "lib"), model="MediaLens-Tiny", weights=str(tiny_weights))
    w = MainWindow(config, Settings(), tmp_path / "settings.json")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.host.opened, timeout=20_000):
        w.start()
    page = w.first_run
    qtbot.waitUntil(lambda: not page.download_button.isHidden(), timeout=30_000)
    assert page.model_label.text() == "This file cannot be used by this installation of MediaLens."
    detail = page.model_detail.text()
    assert tiny_weights.name in detail and "PyTorch weights" in detail and "without torch" in detail
    assert "medialens models export" in detail and not page.weights_button.isHidden()
    reopened = []
    monkeypatch.setattr(w.host, "reopen", reopened.append)
    page.download_button.click()
    assert reopened[0].weights is None and w.settings.weights is None
