"""Trees (conifers and round crowns), bushes, boulders and distant tree lines.

Sprites are built in small windows and sized by perspective: an object standing on row ``y``
is ``(y - horizon) * k`` pixels tall, so the same tree shrinks towards the horizon.
"""

from __future__ import annotations

import numpy as np

from paintboard.synth.canvas import CLS, Canvas
from paintboard.synth.colours import hsv, jitter
from paintboard.synth.noise import fbm1d
from paintboard.synth.textures import contrast, sample_flat
from paintboard.synth.water import ground_depth


def _foliage(
    rng: np.random.Generator,
    h: int,
    w: int,
    col: np.ndarray,
    sun: float,
    xs: np.ndarray,
    cx: float,
    rad: float,
) -> np.ndarray:
    """Foliage colour in a window: photo texture tinted, lit on the sun side."""
    tex = contrast(sample_flat(rng, "foliage", h, w, rng.uniform(2.0, 4.0)), 0.6, 0.2)
    side = 0.8 + 0.3 * np.tanh((cx - xs) / max(rad, 1.0) * sun * 1.5)
    return col * tex * side[..., None]


def conifer(rng: np.random.Generator, h: int, col: np.ndarray, sun: float):
    """Alpha and colour of a conifer h pixels tall: tiered, jagged triangle plus trunk."""
    w = max(3, int(h * rng.uniform(0.3, 0.5)))
    ys = np.arange(h, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(w, dtype=np.float32)[None, :] + 0.5
    cx = w / 2
    crown_h = h * 0.88
    t = ys / crown_h
    tiers = rng.uniform(3, 7)
    saw = 0.65 + 0.35 * ((t * tiers) % 1.0)
    halfw = (w / 2) * t * saw + 0.4 * fbm1d(rng, h, h / 3, 1)[:, None]
    alpha = np.clip(halfw - np.abs(xs - cx) + 0.5, 0, 1) * (ys < crown_h)
    img = _foliage(rng, h, w, col, sun, xs, cx, w / 2) * np.ones((h, 1, 1), np.float32)
    trunk = (ys >= crown_h) & (np.abs(xs - cx) < max(0.6, w * 0.06))
    alpha = np.where(trunk, 1.0, alpha)
    img[np.broadcast_to(trunk, (h, w))] = np.array([0.25, 0.17, 0.1], np.float32)
    return alpha, img


def round_tree(rng: np.random.Generator, h: int, col: np.ndarray, sun: float):
    """Alpha and colour of a deciduous tree: lumpy crown on a short trunk."""
    w = max(3, int(h * rng.uniform(0.55, 0.9)))
    ys = np.arange(h, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(w, dtype=np.float32)[None, :] + 0.5
    cx, cy = w / 2, h * 0.4
    rx, ry = w / 2, h * 0.4
    ang = np.arctan2(ys - cy, xs - cx)
    k = rng.integers(5, 10)
    wob = 1 + 0.1 * np.sin(ang * k + rng.uniform(0, 6.3)) + 0.06 * np.sin(ang * 2 * k + 1)
    r = np.sqrt(((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2)
    alpha = np.clip((0.95 * wob - r) * min(rx, ry) + 0.5, 0, 1)
    img = _foliage(rng, h, w, col, sun, xs, cx, rx) * np.ones((h, 1, 1), np.float32)
    img *= (1.05 - 0.3 * np.clip((ys - cy) / ry, 0, 1))[..., None]  # darker underside
    trunk = (ys > cy) & (np.abs(xs - cx) < max(0.6, w * 0.05)) & (alpha < 0.5)
    alpha = np.where(trunk, 1.0, alpha)
    img[np.broadcast_to(trunk, (h, w))] = np.array([0.3, 0.2, 0.12], np.float32)
    return alpha, img


def blob(rng: np.random.Generator, h: int, w: int):
    """A lumpy half-dome (bushes, boulders): alpha in an h×w window, flat-ish bottom."""
    ys = np.arange(h, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(w, dtype=np.float32)[None, :] + 0.5
    cx, cy = w / 2, h
    ang = np.arctan2(ys - cy, xs - cx)
    wob = 1 + 0.12 * np.sin(ang * rng.integers(3, 9) + rng.uniform(0, 6.3))
    r = np.sqrt(((xs - cx) / (w / 2)) ** 2 + ((ys - cy) / h) ** 2)
    return np.clip((0.97 * wob - r) * min(h, w / 2) + 0.5, 0, 1)


def scatter(
    rng: np.random.Generator,
    cv: Canvas,
    horizon: int,
    sun: float,
    kind: str,
    count: int,
    on: tuple[str, ...],
    colour: np.ndarray,
    size: tuple[float, float],
    far_bias: float = 2.0,
) -> int:
    """Place ``count`` sprites far-to-near on allowed ground; returns how many were placed."""
    H, W = cv.shape
    if H - horizon < 4:
        return 0
    allowed = [CLS[c] for c in on]
    ys = horizon + 2 + (H - horizon - 2) * rng.random(count) ** far_bias
    ys = np.sort(ys.astype(int))
    placed = 0
    depth_rows = ground_depth(H, horizon)
    conif = rng.random()
    for y in ys:
        x = int(rng.integers(0, W))
        if cv.lab[min(y, H - 1), x] not in allowed:
            continue
        hpx = int((y - horizon) * rng.uniform(*size))
        if hpx < 3:
            continue
        hpx = min(hpx, int(H * 0.95))
        col = jitter(rng, colour, 0.05)
        if kind == "tree":
            fn = conifer if rng.random() < conif else round_tree
            alpha, img = fn(rng, hpx, col, sun)
            cls = "tree"
        elif kind == "bush":
            wpx = int(hpx * rng.uniform(1.2, 2.2))
            alpha = blob(rng, hpx, wpx)
            img = _foliage(rng, hpx, wpx, col, sun, np.arange(wpx)[None, :], wpx / 2, wpx / 2)
            img = img * (1.1 - 0.35 * np.linspace(0, 1, hpx))[:, None, None]
            cls = "bush"
        else:
            wpx = int(hpx * rng.uniform(1.0, 2.0))
            alpha = blob(rng, hpx, wpx)
            tex = contrast(sample_flat(rng, "rocks", hpx, wpx, rng.uniform(0.5, 1.5)), 0.8, 0.3)
            side = 0.75 + 0.3 * np.tanh((wpx / 2 - np.arange(wpx)) / wpx * 3 * sun)
            img = col * tex * side[None, :, None]
            cls = "rock"
        h, w = alpha.shape
        cv.paint(
            alpha,
            np.clip(img, 0, 1),
            cls,
            float(depth_rows[min(y, H - 1)]),
            y0=y - h + 1,
            x0=x - w // 2,
        )
        placed += 1
    return placed


def paint_treeline(
    rng: np.random.Generator,
    cv: Canvas,
    horizon: int,
    sun: float,
    colour: np.ndarray,
    base: int | None = None,
) -> None:
    """A distant forest edge standing on the horizon: a spiky (conifer) or lumpy profile."""
    H, W = cv.shape
    base = horizon + 1 if base is None else base
    hmax = max(2.0, (H - horizon) * rng.uniform(0.04, 0.15) + H * 0.02)
    xs = np.arange(W, dtype=np.float32)
    prof = np.zeros(W, np.float32)
    spiky = rng.random() < 0.6
    n = int(W / max(1.5, hmax * (0.3 if spiky else 0.8)))
    for cx, hh in zip(rng.uniform(0, W, n), hmax * rng.uniform(0.5, 1.0, n), strict=True):
        if spiky:
            prof = np.maximum(prof, hh - np.abs(xs - cx) * 2.5)
        else:
            prof = np.maximum(prof, hh * np.sqrt(np.clip(1 - ((xs - cx) / hh) ** 2, 0, 1)))
    cover = fbm1d(rng, W, 2, 3) > rng.uniform(-0.8, 0.1)
    prof = prof * cover
    top = int(max(0, base - prof.max() - 1))
    ys = np.arange(top, base, dtype=np.float32)[:, None]
    alpha = np.clip(ys - (base - prof[None, :]) + 0.5, 0, 1)
    h = base - top
    tex = contrast(sample_flat(rng, "forest", h, W, rng.uniform(0.5, 1.5)), 0.8, 0.2)
    img = colour * tex * (0.75 + 0.1 * np.tanh(sun))
    cv.paint(alpha, np.clip(img, 0, 1), "tree", 0.8, y0=top)


def trunk_colour(rng: np.random.Generator) -> np.ndarray:
    """Bark colour (kept for callers that paint bare trunks)."""
    return hsv(rng.uniform(0.05, 0.1), rng.uniform(0.3, 0.6), rng.uniform(0.2, 0.4))
