"""Indexing from the window: first run, live progress, pause/resume, cancel without losing work."""

from __future__ import annotations

import time

import pytest

from core.indexing import decoders
from tests.media_factory import write_pictures

N = 60


@pytest.fixture
def slow_decoding(monkeypatch):
    """Each picture takes 25 ms to decode, so a run lasts long enough to pause and cancel it."""
    original = decoders.DECODERS["image"]

    def slow(job, ctx):
        time.sleep(0.025)
        yield from original(job, ctx)

    monkeypatch.setitem(decoders.DECODERS, "image", slow)


def test_first_run_then_cancel_keeps_what_was_indexed(qtbot, make_window, tmp_path, slow_decoding):
    folder = tmp_path / "pictures"
    write_pictures(folder, N)
    w = make_window(tmp_path / "new-library", options={"batch_size": 4, "workers": 2})
    assert w.pages.currentWidget() is w.first_run  # no folders yet: the first-run page asks for them
    assert not w.first_run.start_button.isEnabled()
    w.first_run.add_folder(str(folder))
    assert w.first_run.start_button.isEnabled()

    seen = []

    def on_progress(p) -> None:
        seen.append(p)
        if p.phase == "embed" and p.files_done >= 8 and w.index_status.cancel_button.isEnabled():
            w.index_status.cancel_button.click()

    w.host.indexing_progress.connect(on_progress)
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
        w.first_run.start_button.click()
        assert w.pages.currentWidget() is w.main_page
        assert w.index_status.isVisible()
    w.host.indexing_progress.disconnect(on_progress)
    report = finished.args[0]
    assert report.cancelled and 8 <= report.indexed < N
    assert any(f"of {N} files" in t for t in [_label_for(w, p) for p in seen if p.phase == "embed"])
    assert not w.index_status.isVisible()
    assert "kept" in w.message_bar.text.text()

    # what was committed is searchable now
    with qtbot.waitSignal(w.controller.finished, timeout=20_000):
        w.controller.search("a red circle")
    assert w.model.rowCount() == report.indexed
    qtbot.waitUntil(lambda: w.host.status.images == report.indexed
                    and f"{N - report.indexed} waiting" in w.status_bar.summary.text(), timeout=10_000)

    # a rescan carries on from there: nothing indexed twice, nothing lost
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
        w.library_actions.act_rescan.trigger()
    second = finished.args[0]
    assert not second.cancelled and second.indexed == N - report.indexed and second.unchanged == N
    qtbot.waitUntil(lambda: w.host.status.images == N, timeout=10_000)


def _label_for(w, p) -> str:
    w.index_status.update_progress(p)
    return w.index_status.label.text()


def test_pause_and_resume_from_the_status_bar(qtbot, make_window, tmp_path, slow_decoding):
    folder = tmp_path / "pictures"
    write_pictures(folder, 40)
    w = make_window(tmp_path / "lib", options={"batch_size": 4, "workers": 2})
    with qtbot.waitSignal(w.host.indexing_progress, timeout=30_000,
                          check_params_cb=lambda p: p.phase == "embed" and p.files_done > 0):
        w.first_run.add_folder(str(folder))
        w.first_run.start_button.click()
    w.index_status.pause_button.click()
    assert w.host.control.paused
    assert w.index_status.label.text().startswith("Paused")
    assert w.library_actions.act_pause.text() == "Resume Indexing"
    time.sleep(0.3)  # let the batch in flight land
    qtbot.wait(100)
    done_when_paused = w.index_status.last.files_done
    qtbot.wait(600)
    assert w.index_status.last.files_done <= done_when_paused + 8  # at most what was already decoded
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000) as finished:
        w.index_status.pause_button.click()
        assert not w.host.control.paused
    assert finished.args[0].indexed == 40


def test_the_window_watches_its_folders_and_indexes_what_changes(qtbot, make_window, tmp_path):
    from desktop_app.settings import Settings
    from desktop_app.workers.host import LibraryConfig

    assert LibraryConfig().watch and Settings().watch_folders, "on by default"
    folder = tmp_path / "pictures"
    write_pictures(folder, 3)
    w = make_window(tmp_path / "watched", watch=True)
    with qtbot.waitSignal(w.host.indexing_finished, timeout=60_000):
        w.first_run.add_folder(str(folder))
        w.first_run.start_button.click()
    qtbot.waitUntil(lambda: w.host.status.images == 3, timeout=10_000)
    assert w.host.live.active

    qtbot.waitUntil(lambda: w.host.live.watcher.watched == [str(folder)], timeout=10_000)
    write_pictures(folder, 2, start=10)  # a new import while the window is open
    (folder / "pic_00000.jpg").unlink()
    qtbot.waitUntil(lambda: w.host.status.images == 4 and not w.host.indexing, timeout=60_000)
    assert w.host.live.runs >= 1

    w.host.live.set_enabled(False)  # the Settings switch
    assert not w.host.live.active


def test_the_first_run_banner_counts_the_first_runs_files_after_the_watcher_catches_up(qtbot, make_window,
                                                                                        tmp_path):
    """Issue 25: after a first run of 311 files the banner read "0 new or changed files": the live watcher's
    catch-up run over the folder just added found everything up to date, and its count replaced the first's."""
    folder = tmp_path / "pictures"
    write_pictures(folder, 7)
    w = make_window(tmp_path / "watched", watch=True)
    reports = []
    w.host.indexing_finished.connect(reports.append)
    w.first_run.add_folder(str(folder))
    w.first_run.start_button.click()
    qtbot.waitUntil(lambda: w.host.live.runs >= 1 and len(reports) >= 2, timeout=90_000)
    assert [r.indexed for r in reports[:2]] == [7, 0]  # the user's run, then the watcher's catch-up
    assert "finished: 7 new or changed file" in w.message_bar.text.text()
    assert w.message_bar.isVisible()
