"""Library folders (add, remove, rescan) and the list of files that failed, from the window."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from desktop_app.dialogs.library import FoldersDialog
from tests.media_factory import truncated_jpeg, write_pictures


def test_add_rescan_and_remove_folders_and_see_what_failed(qtbot, make_window, tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    write_pictures(first, 4)
    write_pictures(second, 3, start=10)
    truncated_jpeg(second / "broken.jpg")
    w = make_window(tmp_path / "lib")
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000):
        w.first_run.add_folder(str(first))
        w.first_run.start_button.click()
    qtbot.waitUntil(lambda: w.host.status.images == 4, timeout=10_000)

    # Library ▸ Add Folder… indexes the new folder at once
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(second))
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
        w.library_actions.act_add_folder.trigger()
    assert finished.args[0].indexed == 3 and len(finished.args[0].failed) == 1
    qtbot.waitUntil(lambda: w.host.status.images == 7 and w.status_bar.failures_button.isVisible(),
                    timeout=10_000)
    assert w.library_actions.act_failures.text() == "1 failed"
    assert "could not be read" in w.message_bar.text.text()

    w.status_bar.failures_button.click()
    dialog = w.library_actions.failures_dialog
    assert dialog.isVisible()
    assert dialog.model.rows == [(str(second / "broken.jpg"), "the image data is truncated (incomplete file)")]

    folders = FoldersDialog(w.host, w.host.status.roots, w)
    qtbot.addWidget(folders)
    assert folders.model.folders == sorted([str(first), str(second)])
    folders.view.setCurrentIndex(folders.model.index(folders.model.folders.index(str(second))))
    assert folders.remove_button.isEnabled()
    with qtbot.waitSignal(w.host.status_changed, timeout=10_000,
                          check_params_cb=lambda st: st.roots == (str(first),)):
        folders.remove_button.click()
    assert folders.model.folders == [str(first)]
    assert w.host.status.images == 4 and not w.status_bar.failures_button.isVisible()
    assert [w.filter_bar.folder.itemData(i) for i in range(w.filter_bar.folder.count())] == ["", str(first)]
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
        folders.rescan_button.click()
    assert finished.args[0].unchanged == 4 and finished.args[0].indexed == 0


def test_folders_dialog_shows_links_outside_and_can_stop_following_them(qtbot, make_window, tmp_path):
    import os

    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    write_pictures(root, 2)
    write_pictures(elsewhere, 2, start=10)
    os.symlink(elsewhere, root / "more")
    w = make_window(tmp_path / "lib")
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000):
        w.first_run.add_folder(str(root))
        w.first_run.start_button.click()
    qtbot.waitUntil(lambda: w.host.status.images == 4, timeout=10_000)

    folders = FoldersDialog(w.host, w.host.status.roots, w)
    qtbot.addWidget(folders)
    qtbot.waitUntil(lambda: folders.outside.isVisibleTo(folders), timeout=10_000)
    assert folders.outside.text() == f"{root} reaches outside itself: {root / 'more'} → {elsewhere}"
    assert folders.follow_links.isChecked()
    with qtbot.waitSignal(w.host.status_changed, timeout=10_000,
                          check_params_cb=lambda st: st.follow_outside_links is False):
        folders.follow_links.setChecked(False)
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
        folders.rescan_button.click()
    assert finished.args[0].removed == 2
    qtbot.waitUntil(lambda: w.host.status.images == 2 and not folders.outside.isVisibleTo(folders),
                    timeout=10_000)
    assert not folders.follow_links.isChecked()


def test_a_damaged_catalog_is_named_with_a_repair_button_that_recovers_it(qtbot, tmp_path, tiny_weights):
    from core.library import Library
    from desktop_app.main_window import MainWindow
    from desktop_app.settings import Settings
    from desktop_app.workers.host import LibraryConfig
    from tests.conftest import TINY_MODEL
    from tests.e2e.test_faults import damage

    photos = tmp_path / "photos"
    write_pictures(photos, 300)
    home = tmp_path / "lib"
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        lib.index([photos])
    damage(home / "catalog.db")

    config = LibraryConfig(home=str(home), model=TINY_MODEL, weights=str(tiny_weights), device="cpu", watch=False)
    w = MainWindow(config, Settings(), tmp_path / "settings.json")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.host.open_failed, timeout=20_000):
        w.show()
    bar = w.message_bar
    assert "the catalog is damaged" in bar.text.text() and bar.action.isVisible() and bar.action.text() == "Repair"
    with qtbot.waitSignal(w.host.indexing_finished, timeout=120_000):
        bar.action.click()
    qtbot.waitUntil(lambda: w.host.status.images == 300 and w.host.status.pending == 0, timeout=20_000)
    assert any(p.name.startswith("catalog.db.damaged-") for p in home.iterdir())
    w.close()


def test_status_bar_shows_a_background_index_rebuild(qtbot):
    from PySide6.QtGui import QAction

    from core.library import LibraryStatus, RebuildStatus
    from desktop_app.widgets.status_bar import LibraryStatusBar

    bar = LibraryStatusBar(QAction("failed"))
    qtbot.addWidget(bar)
    status = LibraryStatus(images=3, embedded_files=3, rebuild=RebuildStatus("no index file", 250, 1000))
    bar.show_status(status, indexing=False)
    assert bar.summary.text().endswith(" · search index rebuilding: 25%")
    bar.show_status(LibraryStatus(images=3), indexing=False)
    assert "rebuilding" not in bar.summary.text()
