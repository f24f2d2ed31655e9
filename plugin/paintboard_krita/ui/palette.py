"""Label palette swatches: click = foreground colour + the labels layer becomes active.

Swatches carry no text (names are cut at docker width): the name is the tooltip, and the status
line says which label is being painted after a click.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import palette
from ..model.labels import classes_from_info

COLUMNS = 8
SWATCH = 24
HINT = ("Paint with a hard-edged brush (e.g. “Basic-1”, antialiasing off) or the fill tool; "
        "soft edges snap to the nearest class.")


def _text_colour(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    return "#000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#fff"


class PaletteWidget(QWidget):
    def __init__(self, on_pick: Callable[[palette.LabelClass], None],
                 on_install: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_pick = on_pick
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.grid = QGridLayout()
        self.grid.setSpacing(3)
        layout.addLayout(self.grid)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #9aa4ae; font-size: 9pt;")
        layout.addWidget(hint)
        install = QPushButton("Install as Krita palette")
        install.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        install.setToolTip("Adds the label colours as a palette resource (.kpl)")
        install.clicked.connect(on_install)
        layout.addWidget(install)
        self.classes: tuple[palette.LabelClass, ...] = ()
        self.set_info(None)

    def set_info(self, info: dict | None) -> None:
        classes = tuple(c for c in classes_from_info(info) if c.id != palette.VOID)
        if classes == self.classes:
            return
        self.classes = classes
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for i, cls in enumerate(classes):
            button = QPushButton()
            button.setObjectName(f"label_{cls.name}")
            button.setToolTip(f"{cls.name}  {cls.hex}")
            button.setAccessibleName(cls.name)
            button.setMinimumSize(SWATCH - 6, SWATCH)
            button.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            button.setStyleSheet(
                f"QPushButton {{ background: {cls.hex}; color: {_text_colour(cls.rgb)};"
                " border: 1px solid rgba(0,0,0,90); border-radius: 3px; padding: 0; }"
                "QPushButton:hover { border: 2px solid palette(highlight); }")
            button.clicked.connect(lambda _=False, c=cls: self.on_pick(c))
            self.grid.addWidget(button, i // COLUMNS, i % COLUMNS)
