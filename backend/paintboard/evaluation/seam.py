"""Seam metric for local redraw (issue #12): is there a step where old and new pixels meet?

The issue's target: the mean gradient magnitude along the border is at most 1.2× that of the
pixels just inside and just outside. Shared by the real-Krita test and the evaluation script.
"""

from __future__ import annotations

import numpy as np


def dilate(mask: np.ndarray, n: int) -> np.ndarray:
    """Boolean dilation by ``n`` px (3×3 square, repeated): no scipy needed in tests."""
    out = mask.astype(bool)
    for _ in range(n):
        p = np.pad(out, 1)
        out = (
            p[1:-1, 1:-1]
            | p[:-2, 1:-1]
            | p[2:, 1:-1]
            | p[1:-1, :-2]
            | p[1:-1, 2:]
            | p[:-2, :-2]
            | p[:-2, 2:]
            | p[2:, :-2]
            | p[2:, 2:]
        )
    return out


def gradient_magnitude(img: np.ndarray) -> np.ndarray:
    lum = img[..., :3].astype(np.float64).mean(axis=2)
    gy, gx = np.gradient(lum)
    return np.hypot(gx, gy)


def seam_ratio(img: np.ndarray, alpha: np.ndarray, band: int = 6) -> float:
    """Mean gradient magnitude on the soft border (0 < alpha < 255, plus the pixels just outside
    it) over that of the ``band`` px just inside (alpha 255) and just outside (alpha 0).

    A hard 0/255 mask has no soft pixels: its border is then the 1-px rings either side of the
    edge. 1.0 means the border looks like its surroundings; a visible seam is well above."""
    mag = gradient_magnitude(img)
    inside, outside = alpha == 255, alpha == 0
    soft = ~inside & ~outside
    if not soft.any():
        soft = inside & dilate(outside, 1)
    border = soft | (dilate(soft, 1) & outside)
    near_in = inside & dilate(soft, band) & ~border
    near_out = outside & dilate(border, band) & ~border
    return float(mag[border].mean() / max(1e-9, mag[near_in | near_out].mean()))
