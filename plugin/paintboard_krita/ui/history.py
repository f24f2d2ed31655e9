"""History list: one row per result with a thumbnail; the visible one is marked."""

from __future__ import annotations

import time
from collections.abc import Callable

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QIcon, QPixmap
from PyQt5.QtWidgets import QListWidget, QListWidgetItem

THUMB = QSize(64, 44)


class HistoryWidget(QListWidget):
    def __init__(self, on_jump: Callable[[int], None], parent=None) -> None:
        super().__init__(parent)
        self.on_jump = on_jump
        self.setIconSize(THUMB)
        self.setMinimumHeight(120)
        self.itemClicked.connect(lambda item: self.on_jump(item.data(Qt.UserRole)))
        self._thumbs: dict[str, QIcon] = {}

    def show_model(self, model, thumbnail: Callable[[str], object]) -> None:
        """Rebuild from the model's entries, newest first; thumbnails are cached per layer."""
        self.clear()
        if model is None:
            return
        current = model.current()
        for i in range(len(model.history.entries) - 1, -1, -1):
            e = model.history.entries[i]
            icon = self._thumbs.get(e.layer_id)
            if icon is None:
                img = thumbnail(e.layer_id)
                icon = QIcon(QPixmap.fromImage(img)) if img is not None else QIcon()
                self._thumbs[e.layer_id] = icon
            when = time.strftime("%H:%M", time.localtime(e.time))
            mark = "👁 " if i == current else ""
            item = QListWidgetItem(icon, f"{mark}#{e.n}  seed {e.seed}\n{when}  {e.model}")
            item.setData(Qt.UserRole, i)
            if i == current:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.addItem(item)
