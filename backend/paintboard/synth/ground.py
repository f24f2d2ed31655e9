"""The ground plane: grass, earth and sand textured in perspective, paths and flower fields."""

from __future__ import annotations

import numpy as np

from paintboard.synth.canvas import Canvas
from paintboard.synth.colours import jitter, region_colour
from paintboard.synth.noise import _upsample, smoothstep
from paintboard.synth.textures import contrast, sample_ground
from paintboard.synth.water import ground_depth

TILE = 256


def tile_noise(rng: np.random.Generator, cells: int, octaves: int = 3) -> np.ndarray:
    """Periodic fBm tile (TILE²), so perspective sampling can wrap without seams."""
    out = np.zeros((TILE, TILE), np.float32)
    amp, total, c = 1.0, 0.0, cells
    for _ in range(octaves):
        g = rng.uniform(-1, 1, (c, c)).astype(np.float32)
        g = np.pad(g, 2, mode="wrap")
        up = _upsample(g, TILE * (c + 4) // c, TILE * (c + 4) // c)
        o = 2 * TILE // c
        out += amp * up[o : o + TILE, o : o + TILE]
        total += amp
        amp *= 0.5
        c *= 2
    return out / total


def perspective(tile: np.ndarray, H: int, W: int, horizon: int, scale: float) -> np.ndarray:
    """Sample a periodic tile on the ground plane (rows above the horizon get 0)."""
    out = np.zeros((H, W), np.float32)
    rows = np.arange(horizon, H)
    if rows.size == 0:
        return out
    ref = max(H - horizon, 1)
    depth = ref / (rows - horizon + 1.0)
    s = scale * TILE / W
    ty = (depth * ref * s).astype(np.int64) % TILE
    tx = ((np.arange(W) - W / 2)[None, :] * (s * depth)[:, None] + 1e4).astype(np.int64) % TILE
    out[rows] = tile[ty[:, None], tx]
    return out


def ground_colour(
    rng: np.random.Generator,
    cls: str,
    H: int,
    W: int,
    horizon: int,
    colour: np.ndarray | None = None,
) -> np.ndarray:
    """Textured, slightly mottled colour of one ground class over the whole frame."""
    tex_name = {"grass": "grass", "earth": "earth", "sand": "sand", "flowers": "grass"}[cls]
    col = region_colour(rng, cls) if colour is None else colour
    tex = contrast(sample_ground(rng, tex_name, H, W, horizon, rng.uniform(0.8, 2.5)), 0.9, 0.4)
    mott = 1 + 0.12 * perspective(tile_noise(rng, 4), H, W, horizon, rng.uniform(0.5, 2))
    # slightly darker/more saturated towards the viewer, paler far away
    return np.clip(col * tex * mott[..., None], 0, 1)


def paint_ground(rng: np.random.Generator, cv: Canvas, horizon: int, cls: str) -> None:
    """Cover everything below the horizon with one ground class (the scene's floor)."""
    H, W = cv.shape
    img = ground_colour(rng, cls, H, W, horizon)
    alpha = np.zeros((H, W), np.float32)
    alpha[horizon:] = 1.0
    depth = ground_depth(H, horizon)[:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, img, cls, depth)


def paint_patches(
    rng: np.random.Generator,
    cv: Canvas,
    horizon: int,
    cls: str,
    cover: float,
    on: tuple[str, ...] = ("grass",),
) -> None:
    """Perspective noise patches of ``cls`` (earth, sand, grass) over the given classes."""
    from paintboard.synth.canvas import CLS

    H, W = cv.shape
    n = perspective(tile_noise(rng, int(rng.integers(3, 7))), H, W, horizon, rng.uniform(0.3, 1))
    thr = np.quantile(n[horizon:], 1 - cover) if horizon < H else 1.0
    allowed = np.isin(cv.lab, [CLS[c] for c in on])
    alpha = smoothstep(thr, thr + 0.04, n) * allowed
    alpha[:horizon] = 0
    img = ground_colour(rng, cls, H, W, horizon)
    depth = ground_depth(H, horizon)[:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, img, cls, depth)


def paint_path(rng: np.random.Generator, cv: Canvas, horizon: int, cls: str = "earth") -> None:
    """A footpath (earth or sand) winding from the viewer to the horizon."""
    from paintboard.synth.water import river_path

    H, W = cv.shape
    centre, half = river_path(rng, H, W, horizon, rng.uniform(0.2, 0.8) * W)
    half = half * rng.uniform(0.3, 0.6)
    xs = np.arange(W, dtype=np.float32)[None, :]
    alpha = np.clip(half[:, None] - np.abs(xs - centre[:, None]) + 0.5, 0, 1)
    alpha[: horizon + 1] = 0
    img = ground_colour(rng, cls, H, W, horizon)
    depth = ground_depth(H, horizon)[:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, img, cls, depth)


def paint_flowers(rng: np.random.Generator, cv: Canvas, horizon: int, cover: float) -> None:
    """Flower fields: grass densely dotted with 1–3 flower colours; dots shrink with distance.

    The whole patch is labelled flowers and its mean colour is the flowers' (dense petals), so
    a colour dab on a flower field asks for the petal colour.
    """
    from paintboard.synth.canvas import CLS

    H, W = cv.shape
    n = perspective(tile_noise(rng, int(rng.integers(2, 6))), H, W, horizon, rng.uniform(0.3, 1))
    thr = np.quantile(n[horizon:], 1 - cover) if horizon < H else 1.0
    allowed = np.isin(cv.lab, [CLS["grass"], CLS["earth"]])
    alpha = smoothstep(thr, thr + 0.03, n) * allowed
    alpha[: horizon + 1] = 0
    if not (alpha >= 0.5).any():
        return
    base = ground_colour(rng, "grass", H, W, horizon) * rng.uniform(0.5, 0.9)
    colours = [region_colour(rng, "flowers", 0.15) for _ in range(int(rng.integers(1, 4)))]
    scale = rng.uniform(0.8, 2.0)
    img = base.copy()
    density = rng.uniform(0.45, 0.75)
    for c in colours:
        dots = perspective(tile_noise(rng, 48, 1), H, W, horizon, scale)
        petal = smoothstep(0.7 - density, 0.85 - density, dots)[..., None]
        shade = 0.8 + 0.35 * (dots[..., None] - 0.2)
        img = img + (jitter(rng, c, 0.03) * shade - img) * petal
        density *= 0.6
    depth = ground_depth(H, horizon)[:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, np.clip(img, 0, 1), "flowers", depth)
