"""Raw pixel frames ↔ RGBA arrays: the one place that knows the wire's byte orders.

Krita hands over BGRA bytes (``Node.pixelData``); everything behind this module is an ``H×W×4``
RGBA ``uint8`` array. The buffer's length is checked once, by :func:`protocol.check_generate`
before a job is queued; here a wrong length can only be a bug, and numpy's reshape says so.
"""

from __future__ import annotations

import numpy as np

from paintboard import protocol

# channel order of each wire format, expressed as the RGBA indices to read
_TO_RGBA = {protocol.FORMAT_RGBA8: (0, 1, 2, 3), protocol.FORMAT_BGRA8: (2, 1, 0, 3)}


def _order(fmt: str) -> list[int]:
    try:
        return list(_TO_RGBA[fmt])
    except KeyError:
        raise ValueError(
            f"unknown pixel format {fmt!r}; expected one of {protocol.PIXEL_FORMATS}"
        ) from None


def from_bytes(buf: bytes, width: int, height: int, fmt: str) -> np.ndarray:
    """Raw 8-bit pixels (``fmt`` = ``RGBA8`` or ``BGRA8``) → a fresh ``H×W×4`` RGBA array.

    The result is always a copy, so the caller may reuse or free ``buf`` (a ZeroMQ frame).
    """
    order = _order(fmt)
    arr = np.frombuffer(buf, dtype=np.uint8).reshape(height, width, protocol.BYTES_PER_PIXEL)
    return np.ascontiguousarray(arr[:, :, order])


def to_bytes(rgba: np.ndarray, fmt: str) -> bytes:
    """``H×W×4`` RGBA ``uint8`` → raw bytes in ``fmt`` (the inverse of :func:`from_bytes`)."""
    order = _order(fmt)
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected an H×W×4 uint8 RGBA array, got {rgba.shape} {rgba.dtype}")
    # the RGBA↔BGRA swap is its own inverse, so the same index list converts both ways
    return np.ascontiguousarray(rgba[:, :, order]).tobytes()


def layers(params: dict[str, object], buffers: list) -> tuple[np.ndarray, np.ndarray | None]:
    """A checked generate request's frames → (labels, strokes or None) RGBA arrays."""
    w, h = int(params["width"]), int(params["height"])  # type: ignore[call-overload]
    labels = from_bytes(buffers[0], w, h, str(params["labels_format"]))
    strokes = None
    if params["strokes_format"] is not None:
        strokes = from_bytes(buffers[1], w, h, str(params["strokes_format"]))
    return labels, strokes
