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


def bgra_fitted(image: QImage, width: int, height: int) -> tuple[bytes, str]:
    """An imported label PNG at document size without distortion: scaled to cover, centre
    cropped (nearest neighbour, so colours stay exact); the note says what was cut."""
    if image.width() * height == image.height() * width:
        return bgra_from_qimage(image, width, height), ""
    scaled = image.scaled(width, height, Qt.KeepAspectRatioByExpanding, Qt.FastTransformation)
    x, y = (scaled.width() - width) // 2, (scaled.height() - height) // 2
    side = "left and right" if x else "top and bottom"
    return bgra_from_qimage(scaled.copy(x, y, width, height)), f"cropped at the {side} to fit"
