"""Stripe index: how much of an image's fine texture is vertical (or horizontal) streaks.

The shipped model drew streaks over flat regions that the colour metrics cannot see (issue 13).
Definition (issue 13 §6): in every label region, eroded by :data:`ERODE` px so that region
borders and the image edge do not count, take the high-pass image ``h`` = grey − its 3-px
Gaussian blur (σ = :data:`SIGMA`, cut at :data:`RADIUS` px: the erosion is wider than the blur,
so no counted pixel's blur reaches into another region — with σ = 3 a flat two-region picture
would read as a streak along a vertical border).  For each column holding at least
:data:`MIN_COUNT` region pixels add ``(Σ h)² / count``; divide the total by ``Σ h²`` over the
pixels of those columns.

For independent pixel noise the column sums cancel and the index is about 1 / (pixels per
column); for texture constant along a column (a vertical streak) each column contributes all its
energy and the index is 1 (Cauchy–Schwarz bounds it to [0, 1]).  ``rows`` is the same along
rows (horizontal streaks).  A set's index is the mean over its images.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from paintboard import palette

ERODE = 4
SIGMA = 1.0
RADIUS = 3
MIN_COUNT = 24
_LUMA = np.array([0.299, 0.587, 0.114])
_FOUR = ndimage.generate_binary_structure(2, 1)
_EIGHT = np.ones((3, 3), dtype=bool)


def highpass(rgb: np.ndarray) -> np.ndarray:
    """Grey (Rec. 601 luma, 0..255) minus its Gaussian blur (σ = SIGMA, radius RADIUS)."""
    grey = np.asarray(rgb, np.float64)[..., :3] @ _LUMA
    return grey - ndimage.gaussian_filter(grey, SIGMA, mode="reflect", truncate=RADIUS / SIGMA)


def stripe_sums(rgb: np.ndarray, index: np.ndarray) -> dict[str, tuple[float, float]]:
    """``{"columns": (Σ (Σh)²/n, Σ h²), "rows": (...)}`` over every eroded region of one image."""
    hp = highpass(rgb)
    h, w = index.shape
    acc = {"columns": [0.0, 0.0], "rows": [0.0, 0.0]}
    for cls in np.unique(index):
        if cls == palette.VOID:
            continue
        core = ndimage.binary_erosion(index == cls, _EIGHT, iterations=ERODE, border_value=0)
        if not core.any():
            continue
        comp, _ = ndimage.label(core, _FOUR)
        ys, xs = np.nonzero(core)
        v, region = hp[ys, xs], comp[ys, xs].astype(np.int64)
        for axis, coord, length in (("columns", xs, w), ("rows", ys, h)):
            key = region * length + coord
            n = np.bincount(key)
            s = np.bincount(key, weights=v)
            e = np.bincount(key, weights=v * v)
            keep = n >= MIN_COUNT
            acc[axis][0] += float(np.sum(s[keep] ** 2 / n[keep]))
            acc[axis][1] += float(np.sum(e[keep]))
    return {k: (a, b) for k, (a, b) in acc.items()}


def stripe_index(rgb: np.ndarray, index: np.ndarray) -> dict[str, float]:
    """``{"columns": …, "rows": …}`` of one image; NaN where no column/row qualifies."""
    out = {}
    for axis, (num, den) in stripe_sums(rgb, index).items():
        out[axis] = num / den if den > 0 else float("nan")
    return out


def set_stripe_index(rgbs: list[np.ndarray], indices: list[np.ndarray]) -> dict[str, float]:
    """Mean per-image index over a set (images where it is undefined are skipped)."""
    per = [stripe_index(r, x) for r, x in zip(rgbs, indices, strict=True)]
    out = {}
    for axis in ("columns", "rows"):
        vals = [p[axis] for p in per if np.isfinite(p[axis])]
        out[axis] = float(np.mean(vals)) if vals else float("nan")
    return out
