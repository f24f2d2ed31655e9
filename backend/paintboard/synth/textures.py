"""Photo and material textures as *detail* maps: colour ratio to the texture's mean.

Storing ``rgb / mean(rgb)`` rather than colours lets every scene tint a region with any base
colour (orange sky, purple mountains) while keeping the photo's grain, so colour variety and
realistic texture do not fight.  Each texture carries a small mip chain so distant ground does
not shimmer.
"""

from __future__ import annotations

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
    ys = (np.arange(height) * s * stretch[0] + rng.uniform(0, th)).astype(np.int64) % th
    xs = (np.arange(width) * s * stretch[1] + rng.uniform(0, tw)).astype(np.int64) % tw
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
    oy, ox = rng.uniform(0, 4096, 2)
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
