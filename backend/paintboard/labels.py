"""Label image (what the artist painted) → class-index map the generator understands.

Painted label layers are never perfectly flat: brushes anti-alias edges, colour pickers drift,
and a layer may be partly transparent.  Each pixel is therefore snapped to the nearest palette
colour, and what had to be snapped is *reported*, so the caller can warn about a foreign colour
instead of silently turning it into the nearest class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from paintboard import palette

_PALETTE_RGB = np.array([c.rgb for c in palette.PALETTE], dtype=np.int32)  # (classes, 3)
MAX_UNKNOWN_REPORTED = 16


def _pack_rgb(img: np.ndarray) -> np.ndarray:
    """``H×W×3|4`` uint8 → ``H×W`` uint32 ``R<<16 | G<<8 | B`` (sorts like the RGB tuples)."""
    rgb = img[:, :, :3].astype(np.uint32)
    return (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]


# Sorted packed palette colours and the class id of each (for the exact-colour fast path).
_PACKED = _pack_rgb(_PALETTE_RGB.astype(np.uint8)[None])[0]
_ORDER = np.argsort(_PACKED, kind="stable")
_KEYS = _PACKED[_ORDER]
_KEY_CLASS = _ORDER.astype(np.uint8)  # class id = position in the palette (as argmin below)
if len(np.unique(_KEYS)) != len(_KEYS):
    raise RuntimeError("palette colours must be distinct")


@dataclass
class DecodedLabels:
    """A decoded label map plus what had to be guessed to get it."""

    index: np.ndarray  # H×W uint8 class ids, 0 = void
    snapped: int = 0  # pixels whose colour was not exactly a palette colour
    # colours farther than palette.UNKNOWN_COLOUR_DISTANCE from every class, with pixel
    # counts, most frequent first (at most MAX_UNKNOWN_REPORTED)
    unknown: list[tuple[tuple[int, int, int], int]] = field(default_factory=list)
    unknown_pixels: int = 0


def decode_labels(img: np.ndarray) -> DecodedLabels:
    """Snap an ``H×W×3`` RGB or ``H×W×4`` RGBA label image to palette class ids.

    Fully transparent pixels (alpha 0) are void, whatever their colour bytes hold.  Exact palette
    colours are looked up directly; the nearest-class work is done once per *distinct* other
    colour (a painted map has a few dozen), not per pixel.
    Unknown colours are still snapped to their nearest class in ``index``; whether that is
    acceptable is the caller's decision (inference rejects maps with too many of them).
    """
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f"label image must be H×W×3 or H×W×4 uint8, got {img.shape} {img.dtype}")
    h, w = img.shape[:2]
    packed = _pack_rgb(img).reshape(-1)
    index = np.zeros(h * w, dtype=np.uint8)
    if img.shape[2] == 4:
        opaque = img[:, :, 3].reshape(-1) > 0
        if not opaque.any():
            return DecodedLabels(index=index.reshape(h, w))
        all_opaque = bool(opaque.all())
    else:
        all_opaque = True
    values = packed if all_opaque else packed[opaque]

    # Fast path: a painted map is almost all exact palette colours.  A binary search in the 16
    # sorted palette keys classifies those without sorting the whole image (np.unique over a
    # million pixels was ~20x slower); only the rest (anti-aliased edges, foreign colours) goes
    # through the unique-colour / nearest-class path below.
    pos = np.searchsorted(_KEYS, values)
    np.minimum(pos, len(_KEYS) - 1, out=pos)
    cls = _KEY_CLASS[pos]
    rest = np.flatnonzero(_KEYS[pos] != values)

    snapped = 0
    unknown: list[tuple[tuple[int, int, int], int]] = []
    unknown_pixels = 0
    if rest.size:
        colours, inverse, counts = np.unique(values[rest], return_inverse=True, return_counts=True)
        ucol = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
        diff = ucol.astype(np.int32)[:, None, :] - _PALETTE_RGB[None, :, :]
        dist2 = (diff * diff).sum(axis=2)  # (unique colours, classes)
        nearest = dist2.argmin(axis=1)
        best = dist2[np.arange(len(colours)), nearest]

        cls[rest] = nearest.astype(np.uint8)[inverse.reshape(-1)]
        snapped = int(counts[best > 0].sum())
        far = np.flatnonzero(best > palette.UNKNOWN_COLOUR_DISTANCE**2)
        far = far[np.argsort(-counts[far], kind="stable")]
        unknown = [
            ((int(ucol[i, 0]), int(ucol[i, 1]), int(ucol[i, 2])), int(counts[i]))
            for i in far[:MAX_UNKNOWN_REPORTED]
        ]
        unknown_pixels = int(counts[far].sum())
    if all_opaque:
        index = cls
    else:
        index[opaque] = cls
    return DecodedLabels(
        index=index.reshape(h, w), snapped=snapped, unknown=unknown, unknown_pixels=unknown_pixels
    )


def encode_labels(index: np.ndarray) -> np.ndarray:
    """Class-index map → ``H×W×3`` RGB palette colours (for previews and palette datasets)."""
    if index.size and int(index.max()) >= len(_PALETTE_RGB):
        raise ValueError(
            f"class id {int(index.max())} is outside the palette (0..{len(_PALETTE_RGB) - 1})"
        )
    return _PALETTE_RGB.astype(np.uint8)[index]
