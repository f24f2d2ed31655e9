"""Sea, lakes, rivers and waterfalls; water mirrors what stands above it.

Reflections are read back from the canvas itself (flipped about the waterline, rippled,
darkened and mixed with the water's own colour by a Fresnel-like term), so a lake under an
orange sky and purple mountains reflects exactly those.
"""

from __future__ import annotations

import numpy as np

from paintboard.synth.canvas import Canvas
from paintboard.synth.colours import hsv, region_colour
from paintboard.synth.noise import fbm1d, fbm2d, smoothstep
from paintboard.synth.textures import contrast, sample_flat, sample_ground


def water_image(
    rng: np.random.Generator, cv: Canvas, waterline: int, colour: np.ndarray, tex_name: str
) -> np.ndarray:
    """Full-height water colour for rows from ``waterline`` down (H-waterline × W × 3)."""
    H, W = cv.shape
    h = H - waterline
    ys = np.arange(waterline, H)
    t = (ys - waterline) / max(h - 1, 1)
    # ripples: horizontal offset that grows towards the viewer
    ripple = (0.5 + 3.0 * t) * W / 256 * rng.uniform(0.3, 1.5)
    phase = rng.uniform(0, 6.3)
    freq = rng.uniform(0.4, 1.2)
    wob = fbm2d(rng, h, W, (h / 3 + 2, 3), 2)
    src_y = np.clip(2 * waterline - ys - 1, 0, H - 1)
    xs = np.arange(W)[None, :] + (
        ripple[:, None] * (np.sin(ys[:, None] * freq * (1.2 - t[:, None]) + phase) + wob * 2)
    )
    xs = np.clip(xs.astype(np.int64), 0, W - 1)
    refl = cv.img[src_y[:, None], xs] * rng.uniform(0.65, 0.9)
    calm = rng.uniform(0.35, 0.9)
    mix = (calm * (1.0 - 0.7 * t))[:, None, None]
    wtex = contrast(sample_ground(rng, tex_name, H, W, waterline, rng.uniform(0.7, 1.6)), 0.6, 0.3)
    base = colour * wtex[waterline:]
    streak = 1.0 + 0.08 * fbm2d(rng, h, W, (h / 2 + 2, 2), 2)[..., None]
    return np.clip((base * (1 - mix) + refl * mix) * streak, 0, 1)


def ground_depth(height: int, horizon: int) -> np.ndarray:
    """Haze depth per row below the horizon: 1 at the horizon, small at the viewer."""
    ys = np.arange(height, dtype=np.float32)
    return 1.0 / (1.0 + np.maximum(ys - horizon, 0) / (0.06 * height))


def paint_sea(rng: np.random.Generator, cv: Canvas, horizon: int) -> np.ndarray:
    """Sea from the horizon down to a wavy shoreline (returned per column, float rows)."""
    H, W = cv.shape
    shore = horizon + (H - horizon) * rng.uniform(0.35, 0.75)
    shore = shore + fbm1d(rng, W, rng.uniform(1, 3), 4) * (H - horizon) * 0.15
    shore += np.linspace(0, rng.uniform(-0.3, 0.3) * (H - horizon), W)
    shore = np.clip(shore, horizon + 3, H + 1)
    ys = np.arange(horizon, H, dtype=np.float32)[:, None]
    alpha = np.clip(shore[None, :] - ys + 0.5, 0, 1)
    img = water_image(rng, cv, horizon, region_colour(rng, "sea"), "sea")
    # surf: a lighter band along the shore (still sea)
    foam = smoothstep(4.0 * H / 256, 0.0, shore[None, :] - ys) * rng.uniform(0.2, 0.7)
    foam *= 0.6 + 0.4 * fbm2d(rng, H - horizon, W, (6, 12), 2)
    img = img + (0.95 - img) * np.clip(foam, 0, 1)[..., None]
    depth = ground_depth(H, horizon)[horizon:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, img, "sea", depth, y0=horizon)
    return shore


def paint_lake(rng: np.random.Generator, cv: Canvas, horizon: int) -> None:
    """A lake whose far shore is the horizon and whose near shore curves towards the viewer."""
    H, W = cv.shape
    cx = rng.uniform(0.2, 0.8) * W
    rx = rng.uniform(0.35, 1.0) * W
    near = (H - horizon) * rng.uniform(0.2, 0.7)
    xs = np.arange(W, dtype=np.float32)
    r = np.clip(1 - ((xs - cx) / rx) ** 2, 0, 1)
    shore = horizon + near * np.sqrt(r) * (1 + 0.25 * fbm1d(rng, W, 3, 4))
    if shore.max() < horizon + 3:
        return
    ys = np.arange(horizon, H, dtype=np.float32)[:, None]
    alpha = np.clip(shore[None, :] - ys + 0.5, 0, 1)
    img = water_image(rng, cv, horizon, region_colour(rng, "lake"), "water")
    depth = ground_depth(H, horizon)[horizon:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, img, "lake", depth, y0=horizon)


def river_path(rng: np.random.Generator, H: int, W: int, horizon: int, x_vp: float):
    """Centre and half-width per row of a river winding towards the vanishing point ``x_vp``.

    Lateral world position divided by depth gives the screen offset, so bends get tighter and
    the river narrower towards the horizon, as in a photograph.
    """
    ys = np.arange(H, dtype=np.float32)
    near = np.maximum(ys - horizon, 0) / max(H - horizon, 1)  # 0 at horizon, 1 at bottom
    z = 1.0 / (near + 0.03)
    amp, f, ph = rng.uniform(0.3, 1.0), rng.uniform(0.15, 0.6), rng.uniform(0, 6.3)
    lateral = amp * np.sin(z * f + ph) + rng.uniform(-0.5, 0.5)
    centre = x_vp + lateral * near * W * 0.8
    half = (rng.uniform(0.06, 0.25) * near * W) + 0.6
    return centre, half


def paint_river(rng: np.random.Generator, cv: Canvas, horizon: int, x_vp: float) -> None:
    """A winding river on the ground, reflecting the sky and whatever stands behind it."""
    H, W = cv.shape
    centre, half = river_path(rng, H, W, horizon, x_vp)
    ys = np.arange(horizon, H)
    xs = np.arange(W, dtype=np.float32)[None, :]
    edge = fbm1d(rng, H, 20, 2)[horizon:, None] * half[horizon:, None] * 0.15
    d = np.abs(xs - centre[horizon:, None]) - half[horizon:, None] - edge
    alpha = np.clip(0.5 - d, 0, 1)
    alpha[0] = 0  # never on the horizon row itself: keeps rows above it clean
    img = water_image(rng, cv, horizon, region_colour(rng, "river"), "water")
    depth = ground_depth(H, horizon)[ys][:, None] * np.ones((1, W), np.float32)
    cv.paint(alpha, img, "river", depth, y0=horizon)


def paint_waterfall(
    rng: np.random.Generator, cv: Canvas, horizon: int, skyline: np.ndarray, sun: float
) -> float:
    """A waterfall dropping from a range's skyline to the horizon, framed by a rock cliff.

    Returns the x where it lands, which becomes the river's vanishing point.  Its water is
    labelled river (the palette has no waterfall class).
    """
    H, W = cv.shape
    x = float(rng.uniform(0.25, 0.75) * W)
    top = int(np.clip(skyline[int(x)] + 2, 0, horizon - 2))
    h = horizon - top + 2
    if h < 4:
        return x
    w = max(2.0, rng.uniform(0.015, 0.05) * W)
    cliff_w = w * rng.uniform(1.8, 3.0)
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(W, dtype=np.float32)[None, :]
    spread = 1 + 0.4 * ys / h
    cliff = np.clip(cliff_w * spread - np.abs(xs - x) + 0.5, 0, 1)
    rock = region_colour(rng, "rock")
    rtex = contrast(sample_flat(rng, "rock_dark", h, W, 1.5), 1.0, 0.3)
    side = 0.85 + 0.2 * np.tanh((xs - x) / cliff_w * sun)
    cv.paint(cliff, np.clip(rock * rtex * side[..., None], 0, 1), "rock", 0.5, y0=top)
    fall = np.clip(w * spread - np.abs(xs - x) + 0.5, 0, 1)
    streaks = fbm2d(rng, h, W, (2, W / 3), 3)
    water = hsv(rng.uniform(0.5, 0.62), rng.uniform(0.0, 0.25), rng.uniform(0.8, 1.0))
    if rng.random() < 0.25:
        water = region_colour(rng, "river", 1.0)
    img = water * (0.85 + 0.25 * streaks[..., None])
    cv.paint(fall, np.clip(img, 0, 1), "river", 0.5, y0=top)
    return x
