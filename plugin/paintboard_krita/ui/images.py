"""QImage ↔ raw BGRA8 bytes (QImage.Format_ARGB32 is B, G, R, A in memory on every PC)."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage


def qimage_from_bgra(data: bytes, width: int, height: int) -> QImage:
    return QImage(data, width, height, width * 4, QImage.Format_ARGB32).copy()


def bgra_from_qimage(image: QImage, width: int | None = None, height: int | None = None) -> bytes:
    """Nearest-neighbour scaling on purpose: label colours must not blend."""
    if width and height and (image.width(), image.height()) != (width, height):
        image = image.scaled(width, height, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    image = image.convertToFormat(QImage.Format_ARGB32)
    ptr = image.constBits()
    ptr.setsize(image.byteCount())
    return bytes(ptr)
