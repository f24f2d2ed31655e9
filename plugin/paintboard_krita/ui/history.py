"""History list: one row per result with a thumbnail; the visible one carries Krita's eye."""

from __future__ import annotations

import time
from collections.abc import Callable

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QColor, QIcon, QPainter, QPixmap
from PyQt5.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

THUMB = QSize(64, 44)
MARK = 18  # size of the "shown now" eye drawn on the current thumbnail


class HistoryWidget(QListWidget):
    def __init__(self, on_jump: Callable[[int], None], marker: QIcon | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.on_jump = on_jump
        self.marker = marker if marker is not None and not marker.isNull() else None
        self.setIconSize(THUMB)
        self.setMinimumHeight(100)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setWordWrap(True)
        self.itemClicked.connect(lambda item: self.on_jump(item.data(Qt.UserRole)))
        self._thumbs: dict[str, QPixmap] = {}

    def _marked(self, thumb: QPixmap) -> QIcon:
        """The thumbnail with the eye in its corner (a dot where the theme has no eye)."""
        pix = QPixmap(THUMB) if thumb.isNull() else thumb.copy()
        if thumb.isNull():
            pix.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pix)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.setPen(Qt.NoPen)
        painter.drawEllipse(1, 1, MARK + 2, MARK + 2)
        if self.marker is not None:
            painter.drawPixmap(2, 2, self.marker.pixmap(MARK, MARK))
        else:
            painter.setBrush(QColor("#3fb950"))
            painter.drawEllipse(6, 6, MARK - 8, MARK - 8)
        painter.end()
        return QIcon(pix)

    def show_model(self, model, thumbnail: Callable[[str], object]) -> None:
        """Rebuild from the model's entries, newest first; thumbnails are cached per layer."""
        self.clear()
        if model is None:
            return
        current = model.current()
        for i in range(len(model.history.entries) - 1, -1, -1):
            e = model.history.entries[i]
            pix = self._thumbs.get(e.layer_id)
            if pix is None:
                img = thumbnail(e.layer_id)
                pix = QPixmap.fromImage(img) if img is not None else QPixmap()
                self._thumbs[e.layer_id] = pix
            icon = self._marked(pix) if i == current else QIcon(pix)
            when = time.strftime("%H:%M", time.localtime(e.time))
            shown = "  · shown" if i == current else ""
            item = QListWidgetItem(icon, f"#{e.n}  seed {e.seed}{shown}\n{when}  {e.model}")
            item.setToolTip(f"Paintboard #{e.n}, seed {e.seed}, model {e.model or '?'}"
                            + (" (shown now)" if i == current else " (click to show)"))
            item.setData(Qt.UserRole, i)
            if i == current:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.addItem(item)


class HistoryTab(QWidget):
    """The list, plus the count against the history limit and 'Drop oldest' when over it."""

    def __init__(self, on_jump: Callable[[int], None], on_drop: Callable[[], None],
                 marker: QIcon | None = None, parent=None) -> None:
        super().__init__(parent)
        t = QVBoxLayout(self)
        t.setContentsMargins(0, 2, 0, 0)
        t.setSpacing(2)
        self.list = HistoryWidget(on_jump, marker)
        t.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.count = QLabel()
        self.count.setWordWrap(True)
        self.count.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.drop_btn = QPushButton("Drop oldest")
        self.drop_btn.setToolTip("Remove the oldest result layers down to the history limit "
                                 "(Backend… ▸ History limit); the shown one stays. Undoable.")
        self.drop_btn.clicked.connect(on_drop)
        row.addWidget(self.count, 1)
        row.addWidget(self.drop_btn)
        t.addLayout(row)

    def count_rows(self) -> int:
        return self.list.count()

    def show_model(self, model, thumbnail: Callable[[str], object]) -> int:
        """Rebuild; returns the number of results."""
        self.list.show_model(model, thumbnail)
        count = len(model.history.entries) if model else 0
        limit = model.history_limit() if model else 0
        over = model.over_limit() if model else 0
        self.count.setText(f"{count} results · limit {limit}" + (
            f": {over} over, each a full-size layer" if over else "") if model else "")
        self.count.setStyleSheet("color: #d29922;" if over else "")
        self.drop_btn.setVisible(over > 0)
        return count
