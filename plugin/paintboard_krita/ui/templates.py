"""Template thumbnails: built-in procedural scenes and the user's own label PNGs.

Thumbnails only, names in tooltips: at docker width names under icons were cut off.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QIcon, QImage, QPixmap
from PyQt5.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..model.templates import BUILTIN, foreign_fraction
from .images import bgra_from_qimage, qimage_from_bgra

THUMB = QSize(80, 54)


class TemplatesWidget(QWidget):
    """Click a thumbnail to apply; ``source`` of an item is a Template or a PNG path."""

    def __init__(self, user_dir: Path, on_apply: Callable[[object], None],
                 on_save: Callable[[], None], say: Callable[[str, bool], None],
                 parent: QWidget | None = None, save_icon: QIcon | None = None,
                 import_icon: QIcon | None = None) -> None:
        super().__init__(parent)
        self.user_dir = user_dir
        self.on_apply = on_apply
        self.say = say
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setResizeMode(QListWidget.Adjust)
        self.list.setMovement(QListWidget.Static)
        self.list.setGridSize(QSize(THUMB.width() + 8, THUMB.height() + 8))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(THUMB.height() + 16)
        self.list.itemActivated.connect(self._apply)
        self.list.itemClicked.connect(self._apply)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        for text, tip, icon, slot in (
                ("Save labels", "Save the labels layer as a new template", save_icon, on_save),
                ("Import PNG…", "Import a label image (palette colours) as a template",
                 import_icon, self.import_png)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            if icon is not None and not icon.isNull():
                button.setIcon(icon)
                button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            button.clicked.connect(slot)
            row.addWidget(button)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        w, h = THUMB.width(), THUMB.height()
        for t in BUILTIN:
            icon = QIcon(QPixmap.fromImage(qimage_from_bgra(t.render(w, h), w, h)))
            item = QListWidgetItem(icon, "")
            item.setToolTip(f"{t.title}: click to put it on the labels layer (Ctrl+Z undoes)")
            item.setData(Qt.UserRole, t)
            self.list.addItem(item)
        if self.user_dir.is_dir():
            for png in sorted(self.user_dir.glob("*.png")):
                img = QImage(str(png)).scaled(w, h, Qt.KeepAspectRatio, Qt.FastTransformation)
                item = QListWidgetItem(QIcon(QPixmap.fromImage(img)), "")
                item.setToolTip(f"{png.stem} (your template)")
                item.setData(Qt.UserRole, png)
                self.list.addItem(item)

    def import_png(self) -> None:
        """Copy a label PNG into the user's templates; warn when it is not palette colours."""
        path, _ = QFileDialog.getOpenFileName(self, "Import label image", "", "Images (*.png)")
        if not path:
            return
        img = QImage(path)
        if img.isNull():
            self.say(f"Cannot read {path}", True)
            return
        small = bgra_from_qimage(img, min(img.width(), 256), min(img.height(), 256))
        bad = foreign_fraction(small)
        if bad > 0.05:
            self.say(f"{bad:.0%} of that image is not in the label palette; "
                     "it would snap to the nearest classes", True)
        self.user_dir.mkdir(parents=True, exist_ok=True)
        img.save(str(self.user_dir / (Path(path).stem + ".png")))
        self.reload()

    def _apply(self, item: QListWidgetItem) -> None:
        self.on_apply(item.data(Qt.UserRole))
        self.list.clearSelection()
