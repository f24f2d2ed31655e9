"""Layers to the working size before they travel, results back to document size (Qt, no numpy).

Why here and not in the backend: an A4 document is 2480×3508 = 35 MB per layer; the generator
sees 256×362 of it. Reducing in Krita's process (QImage, C++ speed) moves 0.7 MB instead of 70 MB
and spares the backend decoding megapixels it throws away. Measured in real Krita
(``scripts/krita_bench.py``, docs/performance.md).

Each layer is reduced by the rule that keeps its meaning:

- **labels**: nearest sampling (``Qt.FastTransformation``): every output pixel is one input
  pixel, so a class boundary never turns into a third colour (a blend of sky and sea is not a
  class);
- **strokes**: "any" pooling: an output pixel is painted when any pixel of its footprint was
  painted, so a 1-px dab on an 8192² canvas still reaches the generator (a box average would
  round it to alpha 0). Done separably with ``QPainter`` source-over draws of nearest-sampled,
  shifted copies into a 16-bit premultiplied image: the colour of a faint soft-brush pixel keeps
  its hue instead of being quantised by 8-bit premultiplication;
- **results** come back with a smooth (bilinear) upscale, drawn into a reused document-size
  image and copied once into the ``QByteArray`` Krita's ``setPixelData`` takes (measured on A4:
  12 ms against 69 ms for ``QImage.scaled`` + ``bytes`` + the implicit ``bytes → QByteArray``
  copy; a fresh 35 MB buffer alone costs ~20 ms of page faults).

Byte order everywhere: BGRA8, Krita's ``pixelData`` order for RGBA 8-bit documents, which is
``QImage.Format_ARGB32`` on little-endian machines (straight alpha, as Krita's).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PyQt5.QtCore import QByteArray, QRectF, Qt
from PyQt5.QtGui import QImage, QPainter

_ARGB = QImage.Format_ARGB32
# 16 bits per channel, premultiplied: QPainter composes in it natively (Qt >= 5.12); older Qts
# fall back to 8-bit premultiplied (same coverage, coarser colour of very faint pixels).
_POOL = getattr(QImage, "Format_RGBA64_Premultiplied", QImage.Format_ARGB32_Premultiplied)


def _wrap(data: bytes, width: int, height: int) -> QImage:
    """A QImage over ``data`` (no copy): the caller keeps ``data`` alive while it is used."""
    if len(data) != width * height * 4:
        raise ValueError(f"{len(data)} bytes is not a {width}×{height} BGRA8 image")
    return QImage(data, width, height, width * 4, _ARGB)


def to_bytes(image: QImage) -> bytes:
    """BGRA8 (straight alpha) bytes of ``image``, rows without padding.

    ``Format_RGB32`` is taken as it is: the same bytes with alpha 0xFF (an opaque result).
    """
    if image.format() not in (_ARGB, QImage.Format_RGB32):
        image = image.convertToFormat(_ARGB)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes() if hasattr(image, "sizeInBytes") else image.byteCount())
    return ptr.asstring()


def labels(data: bytes, width: int, height: int, w: int, h: int) -> bytes:
    """Nearest-sampled labels: every output pixel is exactly one input pixel's colour."""
    if (w, h) == (width, height):
        return data
    src = _wrap(data, width, height)
    return to_bytes(src.scaled(w, h, Qt.IgnoreAspectRatio, Qt.FastTransformation))


def _pool_axis(src: QImage, w: int, h: int, horizontal: bool) -> QImage:
    """Shrink one axis of ``src`` to ``w``×``h`` so that no painted pixel is lost.

    A nearest-sampled draw takes one source column per output column; drawing the source
    ``ceil(k) + 3`` times, shifted by one source pixel each time (k = the scale factor), visits
    every column of each output column's footprint, and source-over keeps whatever was painted.
    The footprint needs ``ceil(k) + 1`` draws; one more on each side absorbs the rounding of
    Qt's fixed-point sampler (measured: without them a dab at 817 of 1003 → 256 was lost), at
    the price of widening a dab by up to one output pixel.
    """
    out = QImage(w, h, _POOL)
    out.fill(0)
    painter = QPainter(out)
    try:
        painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
        painter.setRenderHint(QPainter.SmoothPixmapTransform, False)
        length, new = (src.width(), w) if horizontal else (src.height(), h)
        _pool_draws(painter, src, QRectF(0, 0, w, h), length, new, horizontal)
    finally:
        painter.end()
    return out


def _pool_draws(painter: QPainter, src: QImage, target: QRectF, length: int, new: int,
                horizontal: bool) -> None:
    """The shifted nearest-sampled draws of ``_pool_axis`` (k = length / new)."""
    k = length / new
    for d in range(-1, math.ceil(k) + 2):
        # the sample of output pixel i is at i*k + k/2 + off; off = d - k/2 starts the
        # samples at the first pixel of i's footprint [i*k, (i+1)*k)
        off = d - k / 2 + 0.25 / max(1.0, k)
        if horizontal:
            source = QRectF(off, 0, src.width(), src.height())
        else:
            source = QRectF(0, off, src.width(), src.height())
        painter.drawImage(target, src, source)


def strokes(data: bytes, width: int, height: int, w: int, h: int) -> bytes:
    """Strokes reduced so that every dab survives (alpha > 0 wherever anything was painted)."""
    if (w, h) == (width, height):
        return data
    src = _wrap(data, width, height)
    if w < width:
        src = _pool_axis(src, w, height, horizontal=True)
    elif w != width:
        src = src.scaled(w, height, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    if h < height:
        src = _pool_axis(src, w, h, horizontal=False)
    elif h != height:
        src = src.scaled(w, h, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    return to_bytes(src)


class StrokesPool:
    """The strokes of one document pooled to the working size, kept between reads.

    Why: live mode reads the strokes layer for every update, and on A4 the horizontal pass of
    the pooling (``ceil(k) + 3`` draws over 3508 rows) cost ~25 ms of the UI thread although a
    dab changes a few rows. The layer is read in bands of ``BAND`` rows; a band equal to the
    last read (``QByteArray ==``, a memcmp) keeps its pooled rows, a changed one is pooled again
    with the very draws ``_pool_axis`` makes (rows map one to one), then the cheap vertical pass
    runs over all rows. The result equals ``strokes`` of the whole layer byte for byte.
    Memory: one copy of the layer and its half-pooled rows (A4: 35 + 5 MB).
    """

    BAND = 64

    def __init__(self) -> None:
        self._key: tuple[int, int, int, int] | None = None
        self._bands: list[QByteArray | None] = []
        self._rows = QImage()

    def reduce(self, read: Callable[[int, int], QByteArray], width: int, height: int, w: int,
               h: int) -> bytes:
        """``read(y, rows)``: BGRA8 rows of the layer. Both axes must shrink."""
        if not (w < width and h < height):
            raise ValueError("StrokesPool pools only when both axes shrink")
        if self._key != (width, height, w, h):
            self._key = (width, height, w, h)
            self._bands = [None] * -(-height // self.BAND)
            self._rows = QImage(w, height, _POOL)
            self._rows.fill(0)
        for i, y in enumerate(range(0, height, self.BAND)):
            rows = min(self.BAND, height - y)
            data = read(y, rows)
            if self._bands[i] is not None and data == self._bands[i]:
                continue
            self._bands[i] = data
            painter = QPainter(self._rows)
            try:
                target = QRectF(0, y, w, rows)
                painter.setCompositionMode(QPainter.CompositionMode_Source)
                painter.fillRect(target, Qt.transparent)
                painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
                painter.setRenderHint(QPainter.SmoothPixmapTransform, False)
                _pool_draws(painter, _wrap(data, width, rows), target, width, w, True)
            finally:
                painter.end()
        return to_bytes(_pool_axis(self._rows, w, h, horizontal=False))


def scale_mask(rect: tuple[int, int, int, int], alpha: bytes, w: int, h: int, width: int,
               height: int) -> tuple[tuple[int, int, int, int], bytes]:
    """A soft mask (one byte per pixel over ``rect``) on a ``w``×``h`` grid → ``width``×``height``.

    The rectangle grows outwards to whole document pixels; the mask is smooth-scaled, so its
    soft border stays soft (local redraw composes the upscaled result through it).
    """
    x, y, rw, rh = rect
    x0, y0 = math.floor(x * width / w), math.floor(y * height / h)
    x1 = min(width, math.ceil((x + rw) * width / w))
    y1 = min(height, math.ceil((y + rh) * height / h))
    if len(alpha) != rw * rh:
        raise ValueError(f"{len(alpha)} bytes is not a {rw}×{rh} mask")
    src = QImage(alpha, rw, rh, rw, QImage.Format_Grayscale8)
    out = src.scaled(x1 - x0, y1 - y0, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    # smooth scaling hands back RGB32 (4 bytes a pixel), not Grayscale8: read one byte a pixel
    out = out.convertToFormat(QImage.Format_Grayscale8)
    bpl, n = out.bytesPerLine(), x1 - x0
    ptr = out.constBits()
    ptr.setsize(bpl * out.height())
    raw = ptr.asstring()
    return (x0, y0, n, y1 - y0), b"".join(raw[r * bpl:r * bpl + n] for r in range(out.height()))


_scratch: list[QImage] = []  # the one reused document-size image of ``upscale``


def _document_image(width: int, height: int) -> QImage:
    """A ``width``×``height`` RGB32 image, the same one on every call of that size."""
    if not _scratch or (_scratch[0].width(), _scratch[0].height()) != (width, height):
        _scratch[:] = [QImage(width, height, QImage.Format_RGB32)]
    return _scratch[0]


def copy_into(image: QImage, into: QByteArray | None = None) -> QByteArray:
    """``image``'s bytes (rows without padding: width × 4 = bytesPerLine) in a QByteArray, one
    memcpy; ``into`` is reused when it has the right size (no page faults, no allocation)."""
    n = image.bytesPerLine() * image.height()
    if image.bytesPerLine() != image.width() * 4:
        raise ValueError("copy_into needs a 32-bit image without row padding")
    if into is None or into.size() != n:
        into = QByteArray()
        into.resize(n)
    ptr = image.constBits()
    ptr.setsize(n)
    view = memoryview(into)  # PyQt5's QByteArray buffer is writable (it detaches if shared)
    try:
        view[:] = ptr
    finally:
        view.release()
    return into


def upscale(data: bytes, w: int, h: int, width: int, height: int,
            into: QByteArray | None = None) -> QByteArray | bytes:
    """A generated (opaque) image at ``w``×``h`` → document size, bilinear, as a QByteArray.

    Drawn with ``QPainter`` (smooth pixmap transform, the same filter as
    ``compose.upscale_region``) into a reused image, read as ``Format_RGB32`` (alpha 0xFF, no
    premultiply round trip), then copied once into ``into`` (reused when given and of the right
    size) — the buffer ``setPixelData`` takes as it is.
    """
    if (w, h) == (width, height):
        return data
    if len(data) != w * h * 4:
        raise ValueError(f"{len(data)} bytes is not a {w}×{h} BGRA8 image")
    src = QImage(data, w, h, w * 4, QImage.Format_RGB32)
    out = _document_image(width, height)
    painter = QPainter(out)
    try:
        painter.setCompositionMode(QPainter.CompositionMode_Source)
        painter.setRenderHint(QPainter.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(0, 0, width, height), src, QRectF(0, 0, w, h))
    finally:
        painter.end()
    return copy_into(out, into)
