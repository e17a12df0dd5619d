"""File dialogs that start where the user's files are and give names the right extension.

Qt's dialogs start in the home folder and save what was typed as it was typed: an
export with the Markdown filter chosen came out as `conv_a`, with no `.md`.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

_PATTERN = re.compile(r"\*(\.[\w.]+)")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def filter_suffixes(name_filter: str) -> list[str]:
    """`"Markdown transcript (*.md)"` -> `[".md"]`; `"All files (*)"` -> `[]`."""
    return _PATTERN.findall(name_filter)


def with_filter_suffix(path: Path, name_filter: str, filters: str = "") -> Path:
    """`path` ending as the chosen filter asks: kept if it does, its suffix swapped if it
    is another filter's of the same dialog, else the filter's suffix added."""
    wanted = filter_suffixes(name_filter)
    suffix = path.suffix.lower()
    if not wanted or suffix in wanted:
        return path
    if suffix and suffix in filter_suffixes(filters):
        return path.with_suffix(wanted[0])
    return path.with_name(path.name + wanted[0])


def safe_file_name(text: str) -> str:
    """A session id as a file name: no separators or characters file systems refuse."""
    return _UNSAFE.sub("_", text).strip(" .") or "session"


def choose_folder(parent: QWidget, title: str, start: Path) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, title, str(start))
    return Path(chosen) if chosen else None


def choose_save_path(
    parent: QWidget, title: str, start: Path, filters: str, overwrite_prompt: bool = True
) -> tuple[Path, str] | None:
    """`start`: a folder, or a suggested file in one. Returns the path, ending as the
    chosen filter asks, and that filter."""
    options = QFileDialog.Option(0) if overwrite_prompt else QFileDialog.Option.DontConfirmOverwrite
    initial = next((f for f in filters.split(";;") if start.suffix in filter_suffixes(f)), "")
    chosen, selected = QFileDialog.getSaveFileName(
        parent, title, str(start), filters, initial, options
    )
    if not chosen:
        return None
    return with_filter_suffix(Path(chosen), selected, filters), selected


def choose_open_files(parent: QWidget, title: str, start: Path, filters: str) -> list[Path]:
    chosen, _ = QFileDialog.getOpenFileNames(parent, title, str(start), filters)
    return [Path(path) for path in chosen]


def first_existing(*folders: Path | None) -> Path:
    """The first of `folders` that exists, else the home folder."""
    return next((f for f in folders if f is not None and f.is_dir()), Path.home())
