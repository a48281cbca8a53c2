"""A spoken moment in the window: found by what is said, coloured on the timeline by its expert, with the
video's transcript beside the player; clicking a line seeks there."""

from __future__ import annotations

import pytest

from tests.speech_factory import have_tools

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not have_tools(), reason="needs espeak-ng and sox")]


@pytest.fixture
def spoken_library(tmp_path, tiny_weights):
    """A library with one talking video heard (two sentences) and one silent video."""
    from core.library import Library
    from tests.conftest import TINY_MODEL
    from tests.speech_factory import soundtrack, write_talking_video
    from tests.video_factory import Segment, segment_frame

    folder = tmp_path / "talk"
    folder.mkdir()
    audio, said = soundtrack([(2.0, "happy birthday to you my friend"), (9.0, "please open the window")], 14.0)
    frames = [segment_frame(Segment(7.0, seed=1 + k // 28), k, (320, 240)) for k in range(56)]
    write_talking_video(folder / "party.mp4", frames, 4, audio, size=(320, 240))
    write_talking_video(folder / "quiet.mp4", frames[:24], 4, None, size=(320, 240))
    home = tmp_path / "lib"
    with Library(home, model=TINY_MODEL, weights=tiny_weights, device="cpu") as lib:
        assert lib.index([folder], speech=True).speech_videos == 2
    return home, folder, said


def test_a_spoken_moment_plays_with_its_transcript(qtbot, make_window, spoken_library):
    from desktop_app.pages.search.timeline import EXPERT_COLOURS, expert_of
    from desktop_app.pages.search.transcript import START_ROLE
    from tests.desktop.conftest import search

    home, folder, said = spoken_library
    w = make_window(home, wait_model=True)
    search(qtbot, w, "happy birthday")
    first = w.model.hits[0]
    assert first.path == str(folder / "party.mp4") and first.extra["text"]["expert"] == "speech"
    w.grid.setCurrentIndex(w.model.index(0))
    player = w.preview.player
    qtbot.waitUntil(lambda: player.transcript.lines_model.rowCount() >= 2, timeout=20_000)
    qtbot.waitUntil(lambda: abs(player.player.position() - first.start_s * 1000) < 200, timeout=15_000)
    assert player.transcript.isVisible()
    spoken = [m for m in player.timeline.moments if expert_of(m) == "speech"]
    assert spoken and abs(spoken[0].start_s - first.start_s) < 0.01
    assert "speech" in EXPERT_COLOURS
    # the second line of the transcript: a click seeks the player to where it is said
    second = player.transcript.lines_model.index(1, 0)
    start = second.data(START_ROLE)
    assert said[1].start_s - 0.5 <= start <= said[1].end_s
    rect = player.transcript.visualRect(second)
    from PySide6.QtCore import Qt

    qtbot.mouseClick(player.transcript.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: abs(player.player.position() - start * 1000) < 300, timeout=10_000)


def test_speech_is_turned_on_and_off_in_the_settings(qtbot, make_window, spoken_library):
    from desktop_app.dialogs.settings import SettingsDialog

    home, _, _ = spoken_library
    w = make_window(home, wait_model=True)
    qtbot.waitUntil(lambda: w.host.status is not None, timeout=10_000)
    dialog = SettingsDialog(w.settings, w.host, w)
    qtbot.addWidget(dialog)
    assert dialog.hear_speech.isChecked()  # the library was indexed with speech on
    dialog.hear_speech.setChecked(False)
    dialog.accept()
    qtbot.waitUntil(lambda: w.host.status.speech.enabled is False, timeout=10_000)
    assert w.host.status.speech.heard == 2  # what was heard stays searchable
