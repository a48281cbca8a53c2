"""Translations: the window's strings in the user's language, from `resources/translations/*.qm`.

The `.ts` sources are made by `pyside6-lupdate` from `desktop_app/` and compiled
with `pyside6-lrelease` (see `resources/translations/README.md`). Qt's own
strings (standard dialog buttons) come from the translations Qt ships.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication


def install_translators(app: QApplication, folder: Path, locale: QLocale | None = None) -> list[QTranslator]:
    """Install MediaLens's and Qt's translators for `locale` (default: the system's); returns them."""
    locale = locale or QLocale.system()
    if locale.language() == QLocale.Language.C:
        locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)  # "C" formats dates cryptically
    QLocale.setDefault(locale)
    installed = []
    ours = QTranslator(app)
    # English is the source language, but its plural forms ("1 photo", "2 photos") live in medialens_en.qm,
    # which is also the fallback for languages without a translation yet.
    if ours.load(locale, "medialens", "_", str(folder)) or ours.load("medialens_en", str(folder)):
        app.installTranslator(ours)
        installed.append(ours)
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
