"""Which pixels the plugin reads and patches: pure geometry for the reduced reads of live mode
and Draw! (issue #10), no Qt, so it is unit-tested outside Krita.

Why: on an A4 page each whole-layer ``pixelData`` costs ~25-35 ms of Krita's UI thread and live
mode did four of them per update. The labels are nearest-sampled anyway, so only the sampled
rows need reading; the live layer's copy is patched where a local update wrote, instead of
being read back.
"""

from __future__ import annotations

import math
from typing import Any

Rect = tuple[int, int, int, int]  # x, y, width, height


def sampled_rows(height: int, new: int) -> list[int]:
    """The source row nearest-sampling takes for each of ``new`` output rows: the row under the
    output row's centre. Every output row is one whole source row (no blend of two classes)."""
    return [min(height - 1, math.floor((j + 0.5) * height / new)) for j in range(new)]


def splice_into(buf: Any, width: int, rect: Rect, region: bytes) -> None:
    """Write ``region`` (BGRA rows of ``rect``) into the whole-page buffer ``buf`` in place
    (a bytearray, or a QByteArray through its writable buffer): one slice copy per row."""
    x, y, w, h = rect
    stride, row = width * 4, w * 4
    if len(region) != row * h:
        raise ValueError(f"{len(region)} bytes is not a {w}×{h} BGRA8 region")
    view = memoryview(buf)
    try:
        src = memoryview(region)
        for j in range(h):
            off = (y + j) * stride + x * 4
            view[off : off + row] = src[j * row : (j + 1) * row]
    finally:
        view.release()


def is_opaque(bgra: Any) -> bool:
    """Every pixel of BGRA8 bytes has alpha 255 (a reply at working size: ~1 ms for 512 px).

    Why: a result that covers the page hides what is under it, so hiding older results needs no
    redraw of the canvas; a semi-transparent one would show them through.
    """
    alpha = memoryview(bgra).cast("B")[3::4]
    return alpha.tobytes().count(255) == len(alpha)
