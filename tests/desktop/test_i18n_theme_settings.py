"""Translations, light/dark appearance, and the settings file."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop_app import i18n, theme
from desktop_app.paths import resources_dir
from desktop_app.settings import Settings


@pytest.fixture
def translators(qapp):
    """Install translators for a locale; removed again (and the default locale restored) afterwards."""
    installed = []
    default = QLocale()

    def install(name: str):
        installed.extend(i18n.install_translators(qapp, resources_dir() / "translations", QLocale(name)))

    yield install
    for t in installed:
        qapp.removeTranslator(t)
    QLocale.setDefault(default)


def test_simplified_chinese_translates_the_window(translators, make_window, indexed_home):
    translators("zh_CN")
    w = make_window(indexed_home)
    assert w.search_bar.field.placeholderText().startswith("搜索你的照片和视频")
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == ["图库(&L)", "搜索(&S)", "项目(&I)", "视图(&V)", "帮助(&H)"]
    assert w.filter_bar.kind_buttons["image"].text() == "照片"
    assert w.status_bar.summary.text().endswith("张照片")


def test_english_plurals_and_the_fallback_for_untranslated_languages(translators, make_window, indexed_home):
    translators("de_DE")  # no German yet: English, with proper plurals
    w = make_window(indexed_home)
    assert w.status_bar.summary.text() == f"{w.host.status.images} photos"
    assert w.status_bar.tr("%n photo(s)", "", 1) == "1 photo"


def test_a_dark_scheme_gets_a_dark_palette_and_back(qapp):
    before = QApplication.palette()
    try:
        theme.apply_scheme(qapp, Qt.ColorScheme.Dark)
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
        theme.apply_scheme(qapp, Qt.ColorScheme.Light)
        assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() >= 128
    finally:
        QApplication.setPalette(before)


def test_settings_round_trip_and_damaged_files(tmp_path):
    path = tmp_path / "config" / "settings.json"
    assert Settings.load(path) == Settings()  # no file yet: defaults
    s = Settings(library=str(tmp_path / "lib"), model="ViT-B-16", device="cpu", video_fps=2.0, thumbnail_cache_mb=512)
    s.save(path)
    assert Settings.load(path) == s
    path.write_text("{not json")
    assert Settings.load(path) == Settings()
    path.write_text(json.dumps({"device": "quantum", "video_fps": 500, "unknown": 1, "cell_size": 5}))
    loaded = Settings.load(path)
    assert loaded.device == "auto" and loaded.video_fps == 30.0 and loaded.cell_size == 96


def test_settings_dialog_applies_thumbnail_memory_and_reopens_for_a_new_device(qtbot, window, monkeypatch):
    from desktop_app.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(window.settings, window.host, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.count() > 1, timeout=20_000)  # the registry, loaded on a worker
    dialog.cache.setValue(64)
    dialog.fps.setValue(2.5)
    reopened = []
    monkeypatch.setattr(window.host, "reopen", lambda config: reopened.append(config) or True)
    window.apply_settings(dialog.result_settings())
    assert window.thumbnails._budget == 64 * 1024 * 1024
    assert window.host.config.options["fps"] == 2.5
    assert reopened == []  # nothing about the library changed
    new = dialog.result_settings()
    new.device = "cpu"
    new.model = "MediaLens-Tiny"
    window.apply_settings(new)
    assert len(reopened) == 1 and reopened[0].device == "cpu"
    assert json.loads(window.settings_path.read_text())["video_fps"] == 2.5


def test_the_chinese_translation_is_complete_and_compiled(qapp):
    """Every string has a translation, and the shipped .qm says the same as the .ts."""
    import xml.etree.ElementTree as ET

    from PySide6.QtCore import QTranslator

    folder = resources_dir() / "translations"
    translator = QTranslator()
    assert translator.load(str(folder / "medialens_zh_CN.qm"))
    for context in ET.parse(folder / "medialens_zh_CN.ts").getroot().iter("context"):
        name = context.findtext("name")
        for m in context.iter("message"):
            source, tr = m.findtext("source"), m.find("translation")
            assert tr.get("type") is None, f"not translated: {source!r}"
            if m.get("numerus") != "yes":
                comment = m.findtext("comment")
                assert translator.translate(name, source, comment) == tr.text, f".qm out of date: {source!r}"


def test_a_window_remembered_bigger_than_the_screen_is_fitted_to_it(qtbot, make_window, indexed_home):
    first = make_window(indexed_home)
    avail = first.screen().availableGeometry()
    first.resize(avail.width() + 900, avail.height() + 700)
    first.move(avail.left() + 3000, avail.top() + 2000)
    first.close()  # remembers its geometry in the settings
    second = make_window(indexed_home)
    second.settings = first.settings
    second._restore_layout()
    frame = second.frameGeometry()
    assert second.width() <= avail.width() and second.height() <= avail.height()
    assert avail.contains(frame.topLeft()) and frame.right() <= avail.right() and frame.bottom() <= avail.bottom()


def test_the_watch_setting_turns_live_watching_off_and_on(qtbot, window):
    from dataclasses import replace

    assert window.settings.watch_folders
    window.host.config.watch = True  # the test windows start with watching off (tests/desktop/conftest.py)
    window.host.live.set_enabled(True)
    assert window.host.live.active
    window.apply_settings(replace(window.settings, watch_folders=False))
    assert not window.host.live.active and not window.host.config.watch
    window.apply_settings(replace(window.settings, watch_folders=True))
    assert window.host.live.active


def test_settings_dialog_shows_the_model_text_unclipped(qtbot, window):
    """The registry's labels and notes arrive after the dialog is shown; the longest must fit, not be cut."""
    from desktop_app.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(window.settings, window.host, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.count() > 1, timeout=20_000)
    longest = max(range(dialog.model.count()), key=lambda i: len(dialog.model.itemText(i)))
    dialog.model.setCurrentIndex(longest)
    qtbot.waitUntil(lambda: dialog.model_note.isVisible(), timeout=5_000)
    text_width = dialog.model.fontMetrics().horizontalAdvance(dialog.model.itemText(longest))
    assert dialog.model.width() > text_width
    note = dialog.model_note
    assert note.height() >= note.heightForWidth(note.width())
    assert "--" not in note.text()  # GUI words (the registry's notes), not the CLI's options
