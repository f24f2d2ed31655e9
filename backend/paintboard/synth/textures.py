"""Photo and material textures as *detail* maps: colour ratio to the texture's mean.

Storing ``rgb / mean(rgb)`` rather than colours lets every scene tint a region with any base
colour (orange sky, purple mountains) while keeping the photo's grain, so colour variety and
realistic texture do not fight.  Each texture carries a small mip chain so distant ground does
not shimmer.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

ASSETS = Path(__file__).resolve().parent.parent / "assets"

FILES: dict[str, str] = {
    "grass": "textures/grass_Grass008.jpg",
    "earth": "textures/earth_Ground048.jpg",
    "sand": "textures/sand_Ground079L.jpg",
    "rock": "textures/rock_Rock029.jpg",
    "rock_dark": "textures/rock_dark_Rock035.jpg",
    "rocks": "textures/rocks_Rocks011.jpg",
    "snow": "textures/snow_Snow008A.jpg",
    "cloud": "photos/cloud_Kite.jpg",
    "sea": "photos/sea_Volna.jpg",
    "foliage": "photos/foliage_OneStandsOut.jpg",
    "forest": "photos/forest_Path.jpg",
    "water": "photos/water_BytheWater.jpg",
}

MIP_LEVELS = 4

# The draws no label map or stroke could tell (where a photo texture starts, the film grain),
# redrawn from their own generator so a scene's own stream is untouched (:func:`phase_shift`).
_PHASE: contextvars.ContextVar[np.random.Generator | None] = contextvars.ContextVar(
    "texture_phase", default=None
)


@contextlib.contextmanager
def phase_shift(seed: int | None) -> Iterator[None]:
    """Within: every texture lookup starts at an extra offset and the film grain is redrawn,
    both from ``seed``.

    Why: the evaluation needs a reference for "everything a label map and its strokes could
    tell, and nothing more" — the scene's geometry, colours and light exactly as drawn, with
    only where the photo textures start and the grain unknown.  ``None`` leaves every scene
    byte-identical.
    """
    token = _PHASE.set(None if seed is None else np.random.default_rng([seed, 0x7E47]))
    try:
        yield
    finally:
        _PHASE.reset(token)


def _offsets(rng: np.random.Generator, high: float | tuple[float, float]) -> np.ndarray:
    """The scene's texture start(s) in ``[0, high)``, plus the phase shift's, if any."""
    highs = np.atleast_1d(np.asarray(high, dtype=np.float64))
    out = rng.uniform(0, highs)  # the scene's own draws, with or without a shift
    extra = _PHASE.get()
    return out if extra is None else out + extra.uniform(0, highs)


def film_grain(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Gaussian grain; under :func:`phase_shift` a fresh draw (the scene's is still consumed)."""
    out = rng.normal(0, sigma, shape)
    extra = _PHASE.get()
    return (out if extra is None else extra.normal(0, sigma, shape)).astype(np.float32)


def asset_paths() -> list[Path]:
    """Every asset file the generator reads (tests check they ship with the package)."""
    return [ASSETS / rel for rel in FILES.values()]


@cache
def texture(name: str) -> tuple[np.ndarray, ...]:
    """Mip chain of ratio maps (float32 H×W×3, mean 1) for one asset, cached per process."""
    img = Image.open(ASSETS / FILES[name]).convert("RGB")
    if FILES[name].startswith("photos/"):
        # photo crops do not tile: mirror them into a seamless 2×2 tile
        a = np.asarray(img)
        a = np.concatenate([a, a[:, ::-1]], axis=1)
        img = Image.fromarray(np.concatenate([a, a[::-1]], axis=0))
    levels = []
    for i in range(MIP_LEVELS):
        if i:
            img = img.resize((max(8, img.width // 2), max(8, img.height // 2)), Image.BOX)
        arr = np.asarray(img, dtype=np.float32) + 4.0
        ratio = arr / arr.reshape(-1, 3).mean(axis=0)
        levels.append(np.clip(ratio, 0.2, 2.5).astype(np.float32))
    return tuple(levels)


def contrast(ratio: np.ndarray, amount: float, chroma: float = 0.5) -> np.ndarray:
    """Scale a ratio map's deviation from 1: ``amount`` for brightness, ``chroma`` for hue.

    Keeping only part of the photo's own colour variation (``chroma`` < 1) stops the original
    photo colours from leaking into a scene that asked for, say, a red forest.
    """
    lum = ratio.mean(axis=-1, keepdims=True)
    return 1.0 + amount * (lum - 1.0) + chroma * amount * (ratio - lum)


def sample_flat(
    rng: np.random.Generator,
    name: str,
    height: int,
    width: int,
    scale: float,
    stretch: tuple[float, float] = (1.0, 1.0),
) -> np.ndarray:
    """Tile a texture over an H×W window; ``scale`` texels per output pixel (< 1 magnifies)."""
    levels = texture(name)
    lvl = int(np.clip(np.floor(np.log2(max(scale, 1.0))), 0, MIP_LEVELS - 1))
    tex = levels[lvl]
    s = scale / (2**lvl)
    th, tw = tex.shape[:2]
    oy, ox = _offsets(rng, th)[0], _offsets(rng, tw)[0]
    ys = (np.arange(height) * s * stretch[0] + oy).astype(np.int64) % th
    xs = (np.arange(width) * s * stretch[1] + ox).astype(np.int64) % tw
    return tex[ys[:, None], xs[None, :]]


def sample_ground(
    rng: np.random.Generator,
    name: str,
    height: int,
    width: int,
    horizon: int,
    scale: float,
) -> np.ndarray:
    """Perspective-map a texture onto the ground plane below ``horizon`` (rows above: ones).

    Depth grows as 1 / (rows below the horizon), so texels shrink towards the horizon and grow
    at the viewer's feet, like a photographed meadow; the mip level follows the texel footprint.
    """
    levels = texture(name)
    out = np.ones((height, width, 3), np.float32)
    rows = np.arange(max(horizon, 0), height)
    if rows.size == 0:
        return out
    below = rows - horizon + 1.0
    ref = max(height - horizon, 1)
    depth = ref / below  # 1 at the bottom row, large near the horizon
    # texels per pixel: scale at the bottom, times depth further away
    footprint = scale * depth
    lvl = np.clip(np.floor(np.log2(np.maximum(footprint, 1.0))), 0, MIP_LEVELS - 1).astype(int)
    oy, ox = _offsets(rng, (4096.0, 4096.0))
    xc = np.arange(width, dtype=np.float32) - width / 2
    for level in np.unique(lvl):
        tex = levels[level]
        th, tw = tex.shape[:2]
        sel = lvl == level
        f = 2.0**level
        ty = ((depth[sel] * ref * scale + oy) / f).astype(np.int64) % th
        tx = ((xc[None, :] * (scale * depth[sel])[:, None] + ox) / f).astype(np.int64) % tw
        out[rows[sel]] = tex[ty[:, None], tx]
    return out
