"""The first-run page when the model has to be downloaded: progress, or an offline machine's way out."""

from __future__ import annotations

import threading

from desktop_app.main_window import MainWindow
from desktop_app.settings import Settings
from desktop_app.workers.host import LibraryConfig, LibraryHost, ModelState


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
    assert states[1].download_mb == 605  # ViT-B-32, the default
    assert page.model_label.text() == "ViT-B-32 could not be downloaded."
    assert "offline" in page.model_detail.text() and "605 MB" in page.model_detail.text()
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
    qtbot.waitUntil(lambda: not page.weights_button.isHidden(), timeout=6_000)
    assert asked == ["huggingface.co"]
    assert page.model_label.text() == "ViT-B-32 could not be downloaded."
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
    assert "fit none of the known models" in failed.args[0] and "\n" not in failed.args[0]
    assert "torch" not in failed.args[0].lower()
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
