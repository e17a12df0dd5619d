"""The desktop around the app: the file manager, the default application, the clipboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication


def open_in_desktop(path: Path) -> bool:
    """The system's file manager (a folder) or default application (a file)."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


def show_in_folder(path: Path) -> bool:
    """The folder that holds `path`, in the file manager (a folder: itself)."""
    return open_in_desktop(path if path.is_dir() else path.parent)


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
