"""Session > Edit Notes…: the user's own title, star, tags and note for a session, and its
bookmarks. Kept by the app, never written into the store; the dialog says so."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...ops.notes_records import Bookmark, SessionNotes, tag_key
from ...stores.records import SessionInfo
from ...util.formatting import counted


@dataclass(frozen=True)
class NotesEdit:
    """What the user changed, as NoteBook.edit takes it."""

    title: str
    note: str
    starred: bool
    add_tags: tuple[str, ...]
    remove_tags: tuple[str, ...]


def split_tags(text: str) -> list[str]:
    """ "alpha, beta gamma,,": ["alpha", "beta gamma"], each once (ignoring case)."""
    seen: dict[str, str] = {}
    for part in text.split(","):
        tag = " ".join(part.split())
        if tag and tag_key(tag) not in seen:
            seen[tag_key(tag)] = tag
    return list(seen.values())


class NotesDialog(QDialog):
    bookmarkChosen = Signal(int)  # the row id of a bookmark double-clicked: show the item
    bookmarkRemoved = Signal(int)

    def __init__(
        self, info: SessionInfo, notes: SessionNotes, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("notesDialog")
        self.setWindowTitle(f"Notes on {info.session_id}")
        self.info, self.notes = info, notes
        self.title = QLineEdit(notes.title, placeholderText=info.title or info.session_id)
        self.title.setAccessibleName("Your title")
        self.starred = QCheckBox("Starred")
        self.starred.setChecked(notes.starred)
        self.tags = QLineEdit(", ".join(notes.tags), placeholderText="tags, separated by commas")
        self.tags.setAccessibleName("Tags")
        self.note = QPlainTextEdit(notes.note)
        self.note.setAccessibleName("Your note")
        self.note.setPlaceholderText("Anything you want to remember about this session")
        self.bookmarks = QListWidget()
        self.bookmarks.setObjectName("bookmarkList")
        self.bookmarks.setAccessibleName("Bookmarked items")
        self.bookmarks.itemDoubleClicked.connect(self._chosen)
        self.remove_bookmark = QPushButton("Remove Bookmark")
        self.remove_bookmark.clicked.connect(self._remove)
        self._lay_out(info)

    def _lay_out(self, info: SessionInfo) -> None:
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("", self.starred)
        form.addRow("Tags", self.tags)
        form.addRow("Note", self.note)
        form.addRow("Bookmarks", self.bookmarks)
        form.addRow("", self.remove_bookmark)
        where = QLabel(
            f"Session {info.session_id} in {info.db_path.name}. Kept by Agency Desktop in its"
            " own data folder; never written into the store."
        )
        where.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addLayout(form, 1)
        layout.addWidget(buttons)
        self.resize(560, 520)
        self.show_bookmarks(None)

    def show_bookmarks(self, bookmarks: list[Bookmark] | None) -> None:
        """None: still being looked for in the store."""
        self.bookmarks.clear()
        if bookmarks is None:
            self.bookmarks.addItem(f"Looking for {counted(self.notes.bookmark_count, 'bookmark')}…")
            self.remove_bookmark.setEnabled(False)
            return
        for mark in bookmarks:
            where = f"item {mark.position + 1:,}" if mark.found else "no longer in the session"
            text = f"{where}: {mark.label}" if mark.label else where
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, mark.row_id)
            self.bookmarks.addItem(item)
        self.remove_bookmark.setEnabled(bool(bookmarks))

    def _chosen(self, item: QListWidgetItem) -> None:
        row_id = item.data(Qt.ItemDataRole.UserRole)
        if row_id is not None:
            self.bookmarkChosen.emit(int(row_id))

    def _remove(self) -> None:
        item = self.bookmarks.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
            self.bookmarkRemoved.emit(int(item.data(Qt.ItemDataRole.UserRole)))
            self.bookmarks.takeItem(self.bookmarks.row(item))

    def edit(self) -> NotesEdit:
        wanted = split_tags(self.tags.text())
        had = {tag_key(tag): tag for tag in self.notes.tags}
        keys = {tag_key(tag) for tag in wanted}
        return NotesEdit(
            title=self.title.text().strip(),
            note=self.note.toPlainText(),
            starred=self.starred.isChecked(),
            add_tags=tuple(tag for tag in wanted if tag_key(tag) not in had),
            remove_tags=tuple(tag for key, tag in had.items() if key not in keys),
        )
