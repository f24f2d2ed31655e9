"""Template thumbnails: built-in procedural scenes and the user's own label PNGs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QIcon, QImage, QPixmap
from PyQt5.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..model.templates import BUILTIN
from .images import qimage_from_bgra

THUMB = QSize(84, 56)


class TemplatesWidget(QWidget):
    """Click a thumbnail to apply; ``source`` of an item is a Template or a PNG path."""

    def __init__(self, user_dir: Path, on_apply: Callable[[object], None],
                 on_save: Callable[[], None], on_import: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user_dir = user_dir
        self.on_apply = on_apply
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setResizeMode(QListWidget.Adjust)
        self.list.setMovement(QListWidget.Static)
        self.list.setWordWrap(True)
        self.list.setGridSize(QSize(THUMB.width() + 10, THUMB.height() + 30))
        self.list.setFixedHeight(2 * (THUMB.height() + 30) + 8)
        self.list.itemActivated.connect(self._apply)
        self.list.itemClicked.connect(self._apply)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        save = QPushButton("Save labels as template")
        save.clicked.connect(on_save)
        imp = QPushButton("Import PNG…")
        imp.clicked.connect(on_import)
        row.addWidget(save)
        row.addWidget(imp)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        w, h = THUMB.width(), THUMB.height()
        for t in BUILTIN:
            icon = QIcon(QPixmap.fromImage(qimage_from_bgra(t.render(w, h), w, h)))
            item = QListWidgetItem(icon, t.title)
            item.setData(Qt.UserRole, t)
            self.list.addItem(item)
        if self.user_dir.is_dir():
            for png in sorted(self.user_dir.glob("*.png")):
                img = QImage(str(png)).scaled(w, h, Qt.IgnoreAspectRatio, Qt.FastTransformation)
                item = QListWidgetItem(QIcon(QPixmap.fromImage(img)), png.stem)
                item.setData(Qt.UserRole, png)
                self.list.addItem(item)

    def _apply(self, item: QListWidgetItem) -> None:
        self.on_apply(item.data(Qt.UserRole))
        self.list.clearSelection()
