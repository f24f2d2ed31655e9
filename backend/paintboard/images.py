"""Pixel arrays: image files, the stroke rule and resizing.

Everything inside the backend is an ``H×W×4`` RGBA ``uint8`` array (or ``H×W×3`` RGB, or an
``H×W`` class-index map).  Raw wire bytes (Krita's BGRA) are converted at the serving edge
(:mod:`paintboard.serving.frames`), so no module here knows the wire format.

Resizing is split by *what* is resized, because each kind of image breaks differently:
label maps must never invent classes (nearest), stroke layers must never lose a small dab
(coverage-preserving box filter), photos should look smooth (Lanczos).
"""

from __future__ import annotations

from os import PathLike

import numpy as np
from PIL import Image

# A downscaled stroke pixel with less coverage than this (alpha in [0, 255]) counts as empty.
# It only guards against float noise: one 1-px dab on a 4096-px side shrunk to 16 px still has
# coverage 255 / 256² ≈ 0.004, far above it.
_MIN_COVERAGE = 1e-4


def load_rgba(path: str | PathLike) -> np.ndarray:
    """Any image file Pillow reads → ``H×W×4`` RGBA ``uint8`` (opaque alpha when it has none).

    EXIF orientation is deliberately *not* applied: label maps of public data sets are drawn on
    the stored pixel grid, so rotating only the photo would misalign the pair.
    """
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA")).copy()


def load_strokes(path: str | PathLike) -> np.ndarray:
    """A stroke image file → ``H×W×4`` RGBA, applying design §3's rule for files without alpha.

    :func:`load_rgba` would make every pixel of an RGB file opaque, i.e. one big stroke; here an
    alpha-less file gets alpha 255 on its non-black pixels and 0 elsewhere, so RGB and RGBA
    stroke files mean the same thing everywhere downstream (features, resizing, the wire).
    """
    with Image.open(path) as im:
        if "A" in im.getbands() or "transparency" in im.info:
            return np.asarray(im.convert("RGBA")).copy()
        return stroke_rgba(np.asarray(im.convert("RGB")))


def stroke_rgba(strokes: np.ndarray) -> np.ndarray:
    """Design §3's stroke rule, its one home: which pixels of a stroke layer were painted.

    ``H×W×4`` RGBA is returned as it is (alpha says it; a black dab on RGBA is a real stroke).
    ``H×W×3`` RGB has no alpha, so a non-black pixel is a stroke: it gets alpha 255, every black
    pixel alpha 0. Every reader of stroke layers (files, the engine, the colour feature) goes
    through here, so an RGB stroke file means the same thing everywhere.
    """
    if strokes.ndim != 3 or strokes.shape[2] not in (3, 4):
        raise ValueError(f"strokes must be H×W×3 or H×W×4, got shape {strokes.shape}")
    if strokes.shape[2] == 4:
        return strokes
    alpha = np.where(strokes.any(axis=2), 255, 0).astype(np.uint8)
    return np.dstack([strokes, alpha])


def save_png(path: str | PathLike, arr: np.ndarray) -> None:
    """Save ``H×W`` (grey / class ids), ``H×W×3`` (RGB) or ``H×W×4`` (RGBA) ``uint8`` as PNG."""
    if arr.dtype != np.uint8 or not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
        raise ValueError(f"cannot save {arr.shape} {arr.dtype} as PNG; expected uint8 H×W[×3|×4]")
    Image.fromarray(np.ascontiguousarray(arr)).save(path, format="PNG")


def _nearest_indices(src: int, dst: int) -> np.ndarray:
    """Source index of each destination pixel centre (the same rule on every axis)."""
    idx = ((np.arange(dst) + 0.5) * src / dst).astype(np.int64)
    return np.minimum(idx, src - 1)


def _check_size(height: int, width: int) -> None:
    if height <= 0 or width <= 0:
        raise ValueError(f"target size must be positive, got {width}×{height}")


def resize_labels(index: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of a class-index map (or any array whose values are ids).

    Interpolating ids would invent classes at boundaries (sky 1 + sea 7 is not river 4).
    """
    _check_size(height, width)
    rows = _nearest_indices(index.shape[0], height)
    cols = _nearest_indices(index.shape[1], width)
    return index[rows[:, None], cols[None, :]]


def resize_strokes(rgba: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a stroke layer so that no dab disappears and no colour is darkened.

    Downscaling averages *premultiplied* colour and alpha over each target pixel's footprint
    (box filter with exact fractional overlaps): alpha becomes the dab's coverage, forced to at
    least 1 where anything was painted, so a 3-px dab on a 4096² canvas still exists at 256²;
    the colour is then un-premultiplied, so the dab keeps its exact colour instead of being
    blended with the transparent black around it.  Upscaling is nearest (a dab stays flat).
    """
    _check_size(height, width)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected H×W×4 RGBA strokes, got shape {rgba.shape}")
    src_h, src_w = rgba.shape[:2]
    if (src_h, src_w) == (height, width):
        return rgba.copy()
    if height >= src_h and width >= src_w:
        return resize_labels(rgba, height, width)

    alpha = rgba[:, :, 3].astype(np.float32) / 255.0

    def box(channel: np.ndarray) -> np.ndarray:
        # Pillow's BOX filter on float images integrates exact pixel overlaps (and acts as
        # nearest on an axis that grows), in C, without a float64 copy of a 4096² layer.
        out = Image.fromarray(channel.astype(np.float32)).resize((width, height), Image.BOX)
        return np.asarray(out, dtype=np.float32)

    coverage = box(alpha * 255.0)
    painted = coverage > _MIN_COVERAGE
    out = np.zeros((height, width, 4), dtype=np.uint8)
    safe = np.where(painted, coverage, 1.0)
    for c in range(3):
        premult = box(rgba[:, :, c].astype(np.float32) * alpha)
        out[:, :, c] = np.clip(np.rint(premult * 255.0 / safe), 0, 255) * painted
    out[:, :, 3] = np.where(painted, np.clip(np.rint(coverage), 1, 255), 0)
    return out


def resize_image(rgb_or_rgba: np.ndarray, height: int, width: int) -> np.ndarray:
    """Smooth (Lanczos) resize of a photo or a generated image, 3 or 4 channels kept.

    Pillow premultiplies RGBA internally for this filter, so transparent edges get no dark halo.
    """
    _check_size(height, width)
    if rgb_or_rgba.ndim != 3 or rgb_or_rgba.shape[2] not in (3, 4):
        raise ValueError(f"expected H×W×3 or H×W×4, got shape {rgb_or_rgba.shape}")
    if rgb_or_rgba.shape[:2] == (height, width):
        return rgb_or_rgba.copy()
    im = Image.fromarray(np.ascontiguousarray(rgb_or_rgba, dtype=np.uint8))
    return np.asarray(im.resize((width, height), Image.LANCZOS)).copy()


def working_size(height: int, width: int, longest: int) -> tuple[int, int]:
    """Generator working size ``(h, w)`` for a document: aspect kept, longest side ``longest``.

    Large documents are scaled down to ``longest`` (never larger: that is the cost limit).
    Small documents are scaled *up* to ``longest`` as well, by choice: the generator was trained
    at the working resolution, so it draws better at that scale and the result is then shrunk
    back to the document — generating at, say, 40×30 would be below what the network can
    render well.  Each side is at least 1 pixel.
    """
    if height <= 0 or width <= 0 or longest <= 0:
        raise ValueError(f"sizes must be positive, got {width}×{height}, longest {longest}")
    scale = longest / max(height, width)
    h = min(longest, max(1, round(height * scale)))
    w = min(longest, max(1, round(width * scale)))
    return h, w
