"""Cheap fractal value noise: the shapes of ridges, clouds, shorelines and patches.

Everything is built from small random grids upsampled by Pillow (C speed), so a 256² fBm costs
well under a millisecond per octave; all randomness comes from the caller's Generator so a
scene stays deterministic per seed.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def _upsample(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bicubic upsampling of a float grid to (height, width) via Pillow's float mode."""
    img = Image.fromarray(grid.astype(np.float32), mode="F")
    return np.asarray(img.resize((width, height), Image.BICUBIC), dtype=np.float32)


def fbm2d(
    rng: np.random.Generator,
    height: int,
    width: int,
    cells: tuple[float, float] = (4.0, 4.0),
    octaves: int = 4,
    gain: float = 0.5,
) -> np.ndarray:
    """Fractal value noise in roughly [-1, 1]; ``cells`` = (rows, cols) of the first octave.

    Anisotropic cells (more columns than rows) give the horizontally stretched look of clouds
    and distant fields.
    """
    out = np.zeros((height, width), np.float32)
    amp, total = 1.0, 0.0
    cy, cx = cells
    for _ in range(octaves):
        gy, gx = max(2, int(round(cy)) + 2), max(2, int(round(cx)) + 2)
        grid = rng.uniform(-1.0, 1.0, (gy, gx)).astype(np.float32)
        up = _upsample(grid, height + 2 * height // gy, width + 2 * width // gx)
        oy = rng.integers(0, max(1, up.shape[0] - height + 1))
        ox = rng.integers(0, max(1, up.shape[1] - width + 1))
        out += amp * up[oy : oy + height, ox : ox + width]
        total += amp
        amp *= gain
        cy, cx = cy * 2, cx * 2
        if cy > height / 2 and cx > width / 2:
            break
    return out / total


def fbm1d(
    rng: np.random.Generator, n: int, cells: float = 4.0, octaves: int = 5, gain: float = 0.5
) -> np.ndarray:
    """1-D fractal noise in roughly [-1, 1]: ridge lines, shorelines, tree lines."""
    x = np.arange(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    amp, total, c = 1.0, 0.0, cells
    for _ in range(octaves):
        k = max(2, int(round(c)) + 3)
        vals = rng.uniform(-1.0, 1.0, k).astype(np.float32)
        pos = np.linspace(0, n - 1, k - 2, dtype=np.float32)
        step = pos[1] - pos[0] if k > 3 else float(n)
        knots = np.concatenate([[pos[0] - step], pos, [pos[-1] + step]])
        shift = rng.uniform(0, step)
        # smooth (cosine) interpolation between knots
        idx = np.clip(np.searchsorted(knots, x + shift) - 1, 0, k - 2)
        t = (x + shift - knots[idx]) / step
        t = (1 - np.cos(np.pi * np.clip(t, 0, 1))) * 0.5
        out += amp * (vals[idx] * (1 - t) + vals[idx + 1] * t)
        total += amp
        amp *= gain
        c *= 2
        if c > n / 2:
            break
    return out / total


def ridged1d(rng: np.random.Generator, n: int, cells: float = 3.0, octaves: int = 6) -> np.ndarray:
    """Ridged 1-D noise in [0, 1] (sharp peaks, rounded valleys): mountain skylines."""
    x = np.arange(n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    amp, total, c = 1.0, 0.0, cells
    for _ in range(octaves):
        n0 = fbm1d(rng, n, c, 1)
        out += amp * (1.0 - np.abs(n0))
        total += amp
        amp *= 0.45
        c *= 2.1
        if c > n / 2:
            break
    del x
    return out / total


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at e0 to 1 at e1 (soft, anti-aliased edges)."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)
