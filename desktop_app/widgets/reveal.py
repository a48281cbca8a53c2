"""Show a file selected in the system's file manager.

Each platform has its own way: Explorer's `/select,`, Finder's `open -R`, and on
Linux the freedesktop `FileManager1.ShowItems` D-Bus call (Nautilus, Dolphin,
Nemo, Caja…). Where none answers, the containing folder is opened instead.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices


def reveal_in_file_manager(path: str) -> None:
    if sys.platform == "win32":
        QProcess.startDetached("explorer.exe", [f"/select,{os.path.normpath(path)}"])
        return
    if sys.platform == "darwin":
        QProcess.startDetached("open", ["-R", path])
        return
    if _freedesktop_show_items(path):
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))


def _freedesktop_show_items(path: str) -> bool:
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
    except ImportError:  # a PySide6 build without QtDBus
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    iface = QDBusInterface("org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                           "org.freedesktop.FileManager1", bus)
    if not iface.isValid():
        return False
    reply = iface.call("ShowItems", [QUrl.fromLocalFile(path).toString()], "")
    return reply.type() != QDBusMessage.MessageType.ErrorMessage
