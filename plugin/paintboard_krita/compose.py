"""Local redraw pixels (issue #12): soft masks from Krita selections, and the composite.

Krita's Python has no numpy, so every per-pixel step runs in C++: Krita's own selection filters
(shrink + feather) make the soft border, ``QPainter`` blends, and masks are combined with one
big-integer AND. The composite only ever touches the mask's bounding rectangle.

Invariant the tests check: where the mask is 0 the base result's pixels come back byte for byte
(the mask is ANDed with the hard mask, and an alpha-0 source leaves an opaque destination as is).
"""

from __future__ import annotations

import re

from krita import Selection
from PyQt5.QtGui import QImage, QPainter

from .model.local_redraw import Rect, TileMask


def _and(a: bytes, b: bytes) -> bytes:
    """Byte-wise AND at C speed (b is 0/255, so this is 'a inside b, 0 outside')."""
    n = len(a)
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(n, "little")


def _pad(hard: bytes, rect: Rect, pad: int, doc_w: int, doc_h: int) -> tuple[bytes, Rect]:
    """Repeat the edge rows/columns beyond the canvas where the mask touches it, so shrinking
    never eats into the picture from the canvas edge (a sky selected up to the top edge stays
    fully redrawn there)."""
    x, y, w, h = rect
    left = pad if x == 0 else 0
    right = pad if x + w == doc_w else 0
    top = pad if y == 0 else 0
    bottom = pad if y + h == doc_h else 0
    if not (left or right or top or bottom):
        return hard, rect
    rows = [hard[j * w:(j + 1) * w] for j in range(h)]
    rows = [r[:1] * left + r + r[-1:] * right for r in rows]
    rows = rows[:1] * top + rows + rows[-1:] * bottom
    return b"".join(rows), (x - left, y - top, w + left + right, h + top + bottom)


# Blurred hard edge → inner ramp: the edge pixel of a blurred step sits a little above 128 and
# the pixel just outside below it, so mapping 128..255 onto 0..255 starts the ramp at the edge
# and ends it one blur radius inside; everything at or below half strength becomes 0.
_RAMP = bytes(max(0, min(255, round((v - 128) * 255 / 127))) for v in range(256))


def soften(hard: bytes, rect: Rect, feather: int, doc_w: int, doc_h: int) -> bytes:
    """A hard 0/255 mask over ``rect`` → a soft one that ramps 0→255 over about 2 × feather
    pixels *inside* the hard edge: nothing outside the hard mask is ever touched.

    Krita's ``Selection.feather`` (a Gaussian, C++) blurs; ``Selection.shrink`` would be the
    natural first step but does nothing on a selection that belongs to no image, hence the
    remap. A mask thinner than the ramp would vanish; it then stays hard."""
    if feather <= 0:
        return hard
    radius = 2 * feather
    padded, prect = _pad(hard, rect, 2 * radius + 2, doc_w, doc_h)
    sel = Selection()
    sel.setPixelData(padded, *prect)
    sel.feather(radius)
    soft = _and(bytes(sel.pixelData(*rect)).translate(_RAMP), hard)
    return soft if b"\xff" in soft else hard


def _clip(rect: Rect, doc_w: int, doc_h: int) -> Rect:
    x, y, w, h = rect
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(doc_w, x + w), min(doc_h, y + h)
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


def selection_alpha(doc, feather: int) -> tuple[Rect, bytes] | None:
    """The document's active selection as (rect, one byte per pixel), or None without one.

    A selection with soft values (feathered in Krita) is used as it is; a hard one gets a soft
    border of ``feather`` px inside it."""
    getter = getattr(doc, "selection", None)
    sel = getter() if getter is not None else None
    if sel is None:
        return None
    rect = _clip((sel.x(), sel.y(), sel.width(), sel.height()), doc.width(), doc.height())
    if rect[2] == 0 or rect[3] == 0:
        return None
    data = bytes(sel.pixelData(*rect))
    if not data.translate(None, b"\0"):
        return None  # an empty selection: Krita keeps one after Deselect in some paths
    if not data.translate(None, b"\0\xff"):
        data = soften(data, rect, feather, doc.width(), doc.height())
    return rect, data


def tiles_alpha(mask: TileMask, feather: int) -> tuple[Rect, bytes] | None:
    rect = mask.bbox()
    if rect is None:
        return None
    return rect, soften(mask.pixels(rect), rect, feather, mask.width, mask.height)


def crop(data: bytes, doc_w: int, rect: Rect) -> bytes:
    """BGRA8 rows of ``rect`` out of a whole-document buffer (one slice per row)."""
    x, y, w, h = rect
    stride = doc_w * 4
    mv = memoryview(data)
    return b"".join(mv[(y + j) * stride + x * 4:(y + j) * stride + (x + w) * 4] for j in range(h))


def splice(data: bytes, doc_w: int, rect: Rect, region: bytes) -> bytes:
    """A whole-document buffer with ``rect`` replaced by ``region``."""
    x, y, w, h = rect
    stride = doc_w * 4
    out = bytearray(data)
    for j in range(h):
        off = (y + j) * stride + x * 4
        out[off:off + w * 4] = region[j * w * 4:(j + 1) * w * 4]
    return bytes(out)


_RUNS = {0: re.compile(rb"\x00+"), 255: re.compile(rb"\xff+")}


def composite(base: bytes, new: bytes, alpha: bytes, w: int, h: int) -> bytes:
    """BGRA8 ``new`` over ``base`` through ``alpha`` (w×h each): base where alpha is 0, new
    where it is 255 (both byte for byte, whatever the layers' own alpha), a blend in between.

    QPainter blends in premultiplied space, which is exact for opaque pixels only; the runs of
    0 and 255 (found by regex, C speed) are therefore copied from the inputs afterwards."""
    out = QImage(base, w, h, w * 4, QImage.Format_ARGB32).copy()
    src = QImage(new, w, h, w * 4, QImage.Format_ARGB32).copy()
    src.setAlphaChannel(QImage(alpha, w, h, w, QImage.Format_Grayscale8).copy())
    painter = QPainter(out)
    painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
    painter.drawImage(0, 0, src)
    painter.end()
    ptr = out.constBits()
    ptr.setsize(w * h * 4)
    result = bytearray(bytes(ptr))
    for value, pixels in ((0, base), (255, new)):
        for m in _RUNS[value].finditer(alpha):
            a, b = m.start() * 4, m.end() * 4  # rows are contiguous: a run may wrap
            result[a:b] = pixels[a:b]
    return bytes(result)
