"""Sky gradients (day, dusk, overcast, night, pink …), a sun glow and fractal clouds."""

from __future__ import annotations

import numpy as np

from paintboard.synth.canvas import Canvas
from paintboard.synth.noise import fbm2d, smoothstep
from paintboard.synth.textures import contrast, sample_flat


def sky_colour_rows(sky: dict, height: int, horizon: int, gamma: float) -> np.ndarray:
    """Per-row sky colour (height×3): zenith blending into the horizon colour.

    Rows below the horizon continue the horizon colour; water reflections look them up.
    """
    t = np.clip(np.arange(height, dtype=np.float32) / max(horizon, 1), 0, 1) ** gamma
    return sky["top"][None, :] * (1 - t[:, None]) + sky["horizon"][None, :] * t[:, None]


def paint_sky(rng: np.random.Generator, cv: Canvas, sky: dict, horizon: int) -> None:
    """Fill the whole canvas with the sky, so every pixel starts labelled (no void ever)."""
    H, W = cv.shape
    gamma = rng.uniform(0.6, 2.2)
    rows = sky_colour_rows(sky, H, horizon, gamma)
    img = np.broadcast_to(rows[:, None, :], (H, W, 3)).copy()
    # sun / moon glow: a warm or pale halo somewhere above the horizon
    if rng.random() < 0.6:
        sx, sy = rng.uniform(0, W), rng.uniform(0.2, 1.0) * horizon
        r = rng.uniform(0.15, 0.5) * W
        yy, xx = np.ogrid[:H, :W]
        d2 = ((xx - sx) ** 2 + ((yy - sy) * 1.3) ** 2) / (r * r)
        glow = np.exp(-d2).astype(np.float32) * rng.uniform(0.2, 0.6)
        tint = np.clip(sky["horizon"] * 1.3 + 0.15, 0, 1)
        img += (tint - img) * glow[..., None]
    img *= 1.0 + 0.025 * fbm2d(rng, H, W, (2, 3), 3)[..., None]
    cv.img[:] = np.clip(img, 0, 1)
    cv.lab[:] = 1  # sky
    cv.depth[:] = 1.0


def paint_clouds(rng: np.random.Generator, cv: Canvas, sky: dict, horizon: int) -> None:
    """Horizontally stretched fBm clouds, lit from above, thinning and shrinking at the horizon.

    Overcast and storm skies get heavy cover; a cloud pixel is labelled cloud where its opacity
    reaches 0.5 (the rest of a cloud's soft edge stays sky).
    """
    H, W = cv.shape
    if horizon < 4:
        return
    name = sky["name"]
    cover = {"overcast": 0.75, "storm": 0.85}.get(str(name), rng.uniform(0.0, 0.55))
    if rng.random() < 0.15 and cover < 0.6:
        return  # a clear sky
    hh = horizon
    aspect = rng.uniform(2.0, 5.0)
    n = fbm2d(rng, hh, W, (rng.uniform(1.5, 3.5), rng.uniform(1.5, 3.5) * aspect / 2), 5, 0.55)
    n = n / (np.abs(n).max() + 1e-6)
    thr = 0.55 - cover * 1.1
    fade = smoothstep(1.0, 0.55, np.arange(hh, dtype=np.float32) / hh)[:, None]
    alpha = smoothstep(thr, thr + rng.uniform(0.15, 0.4), n) * (0.35 + 0.65 * fade)
    alpha = np.clip(alpha * rng.uniform(0.9, 1.3), 0, 1)
    # lit tops, shaded bellies: compare with the noise a few pixels lower
    k = max(1, hh // 24)
    lower = np.vstack([n[k:], np.repeat(n[-1:], k, axis=0)])
    light = smoothstep(-0.25, 0.25, n - lower)[..., None]
    lit = sky["cloud_lit"] * rng.uniform(0.9, 1.05)
    shade = sky["cloud_shade"] * rng.uniform(0.85, 1.1)
    if rng.random() < 0.2:  # wildly coloured clouds for colour hints
        from paintboard.synth.colours import hsv

        lit = hsv(rng.random(), rng.uniform(0.2, 0.7), rng.uniform(0.6, 1.0))
        shade = lit * 0.6
    col = shade + (lit - shade) * (0.35 + 0.65 * light)
    tex = contrast(sample_flat(rng, "cloud", hh, W, rng.uniform(1.5, 3.0) * 256 / H), 0.15, 0.0)
    col = np.clip(col * tex, 0, 1)
    cv.paint(alpha, col, "cloud", 1.0)
