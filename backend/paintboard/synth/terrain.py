"""Mountain and hill silhouettes from 1-D fractal noise, with snow caps and rock outcrops."""

from __future__ import annotations

import numpy as np

from paintboard.synth.canvas import Canvas
from paintboard.synth.colours import jitter, region_colour
from paintboard.synth.noise import fbm1d, fbm2d, ridged1d
from paintboard.synth.textures import contrast, sample_flat


def ridge_profile(rng: np.random.Generator, width: int, kind: str) -> np.ndarray:
    """Skyline height in [0, 1] per column: sharp ridged peaks or rolling hills."""
    if kind == "mountain":
        p = ridged1d(rng, width, rng.uniform(1.5, 4.0), 6)
        p = p + 0.25 * fbm1d(rng, width, 1.2, 2)
    else:
        p = fbm1d(rng, width, rng.uniform(0.8, 2.2), 4, 0.4)
    p = p - p.min()
    return p / (p.max() + 1e-6)


def paint_ridge_layer(
    rng: np.random.Generator,
    cv: Canvas,
    *,
    kind: str,
    base: int,
    amp: float,
    depth: float,
    sun: float,
    colour: np.ndarray | None = None,
    snow: bool = False,
    rock: bool = False,
    floor: float = 0.15,
) -> np.ndarray:
    """Paint one mountain or hill range standing on row ``base``; returns its skyline (float).

    Shading comes from the skyline slope (faces turned to the sun are lit) plus vertical gully
    noise; snow sits above a noisy snow line, rock where 2-D noise is high (outcrops).
    """
    H, W = cv.shape
    prof = ridge_profile(rng, W, kind)
    prof = floor + (1 - floor) * prof
    ridge = base - amp * prof
    top = int(max(0, np.floor(ridge.min())))
    if top >= base:
        return ridge
    h = base - top
    ys = np.arange(top, base, dtype=np.float32)[:, None]
    below = ys - ridge[None, :]
    alpha = np.clip(below + 0.5, 0, 1)
    frac = np.clip((base - ys) / max(amp, 1.0), 0, 1.2) * np.ones((1, W), np.float32)
    # shading
    slope = np.gradient(ridge) / max(amp, 1.0) * W / 8
    face = np.tanh(-slope * sun)[None, :] * np.exp(-np.maximum(below, 0) / (0.6 * amp + 1))
    gully = fbm2d(rng, h, W, (1.5, rng.uniform(6, 14)), 4)
    gx = np.gradient(gully, axis=1) * W / 6
    shade = 0.78 + 0.28 * face + 0.22 * np.tanh(gx * sun) * (kind == "mountain")
    shade = shade - 0.12 * (1 - frac)  # darker feet
    col = region_colour(rng, kind) if colour is None else colour
    tex_name = "rock" if kind == "mountain" else "grass"
    tex = contrast(sample_flat(rng, tex_name, h, W, rng.uniform(0.8, 2.0)), 0.6, 0.4)
    img = col * tex * shade[..., None]
    cv.paint(alpha, np.clip(img, 0, 1), kind, depth, y0=top)
    region = alpha >= 0.5
    if rock:
        rn = fbm2d(rng, h, W, (rng.uniform(2, 4), rng.uniform(5, 10)), 4)
        thr = rng.uniform(0.15, 0.4) if kind == "mountain" else rng.uniform(0.35, 0.5)
        m = region & (rn > thr) & (frac > 0.1)
        rc = region_colour(rng, "rock")
        rtex = contrast(sample_flat(rng, "rock_dark", h, W, rng.uniform(1.0, 2.0)), 1.0, 0.3)
        rimg = rc * rtex * (shade[..., None] * 0.9)
        _paint_mask(cv, m, rimg, "rock", depth, top)
    if snow:
        line = rng.uniform(0.45, 0.8)
        sn = fbm2d(rng, h, W, (2, 8), 4) * 0.18 - 0.25 * face
        m = region & (frac > line + sn)
        sc = region_colour(rng, "snow", 0.08)
        stex = contrast(sample_flat(rng, "snow", h, W, 1.5), 1.5, 0.2)
        simg = sc * stex * (0.82 + 0.3 * face[..., None] + 0.08 * np.tanh(gx * sun)[..., None])
        _paint_mask(cv, m, simg, "snow", depth, top)
    return ridge


def _paint_mask(
    cv: Canvas, mask: np.ndarray, img: np.ndarray, cls: str, depth: float, y0: int
) -> None:
    """Hard-edged paint of a sub-region (snow, rock) inside an already painted layer."""
    cv.paint(mask.astype(np.float32), np.clip(img, 0, 1), cls, depth, y0=y0)


def paint_ranges(
    rng: np.random.Generator, cv: Canvas, horizon: int, sun: float, layers: list[str]
) -> list[np.ndarray]:
    """Paint far-to-near ranges (``layers`` e.g. ["mountain", "mountain", "hill"]).

    Farther ranges are taller (in the picture) and hazier; each range reuses a jitter of one
    per-scene colour so ranges read as one landscape, not a collage.
    """
    skylines = []
    mcol = region_colour(rng, "mountain")
    hcol = region_colour(rng, "hill")
    n = len(layers)
    for i, kind in enumerate(layers):
        far = 1.0 - i / max(n, 1)
        if kind == "mountain":
            amp = horizon * rng.uniform(0.35, 0.85) * (0.6 + 0.4 * far)
            col = jitter(rng, mcol, 0.05)
        else:
            amp = horizon * rng.uniform(0.1, 0.35)
            col = jitter(rng, hcol, 0.05)
        depth = 0.55 + 0.4 * far
        snow = kind == "mountain" and rng.random() < 0.55
        rock = rng.random() < (0.7 if kind == "mountain" else 0.2)
        skylines.append(
            paint_ridge_layer(
                rng,
                cv,
                kind=kind,
                base=horizon,
                amp=amp,
                depth=depth,
                sun=sun,
                colour=col,
                snow=snow,
                rock=rock,
            )
        )
    return skylines
