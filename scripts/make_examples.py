"""Write examples/labels.png and examples/strokes.png (reproducible: fixed seed, exact colours).

The label map looks hand-painted: wobbly ridge lines and shores, but only exact palette colours
and no anti-aliasing, so ``paintboard generate`` reports nothing snapped.

    .venv/bin/python scripts/make_examples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from paintboard.palette import BY_NAME
from PIL import Image, ImageDraw

W, H = 512, 384
OUT = Path(__file__).resolve().parents[1] / "examples"


def rgb(name: str) -> tuple[int, int, int]:
    return BY_NAME[name].rgb


def wobbly(xs: np.ndarray, base: np.ndarray, rng: np.random.Generator, amp: float) -> np.ndarray:
    """A smooth hand-drawn-looking line: base curve plus low-frequency random wiggle."""
    noise = np.cumsum(rng.normal(0, 1, xs.size))
    noise = np.convolve(noise - noise.mean(), np.ones(9) / 9, mode="same")
    return base + amp * noise / (np.abs(noise).max() + 1e-6)


def make_labels(rng: np.random.Generator) -> Image.Image:
    im = Image.new("RGB", (W, H), rgb("sky"))
    d = ImageDraw.Draw(im)
    # A cloud: a cluster of overlapping ellipses.
    for cx, cy, rx, ry in [
        (120, 60, 50, 20),
        (160, 50, 40, 22),
        (90, 68, 30, 14),
        (190, 64, 30, 14),
    ]:
        d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=rgb("cloud"))
    xs = np.arange(0, W + 8, 8)
    # Mountains: two peaks, then a snow cap where the ridge is high.
    peaks = (
        230 - 130 * np.exp(-(((xs - 330) / 90.0) ** 2)) - 80 * np.exp(-(((xs - 120) / 70.0) ** 2))
    )
    ridge = wobbly(xs, peaks, rng, 10)
    d.polygon(
        [(0, H), *zip(xs.tolist(), ridge.tolist(), strict=True), (W, H)], fill=rgb("mountain")
    )
    snow_line = np.minimum(ridge + 28 + 6 * np.sin(xs / 11.0), 150)
    cap = [(x, y) for x, y in zip(xs.tolist(), ridge.tolist(), strict=True) if y < 150]
    cap_lo = [
        (x, s)
        for x, s, y in zip(xs.tolist(), snow_line.tolist(), ridge.tolist(), strict=True)
        if y < 150
    ]
    if cap:
        d.polygon(cap + cap_lo[::-1], fill=rgb("snow"))
    # Grass foreground, with a lake cut into it.
    grass_top = wobbly(xs, np.full(xs.shape, 250.0), rng, 6)
    d.polygon(
        [(0, H), *zip(xs.tolist(), grass_top.tolist(), strict=True), (W, H)], fill=rgb("grass")
    )
    lake = [
        (150 + 130 * np.cos(t) + rng.normal(0, 3), 300 + 38 * np.sin(t) + rng.normal(0, 2))
        for t in np.linspace(0, 2 * np.pi, 40, endpoint=False)
    ]
    d.polygon(lake, fill=rgb("lake"))
    # Trees: trunks are not modelled, a tree is a tall blob.
    for x0, y0 in [(400, 250), (440, 262), (470, 245)]:
        d.polygon([(x0, y0 - 70), (x0 - 22, y0 + 10), (x0 + 22, y0 + 10)], fill=rgb("tree"))
        d.ellipse([x0 - 18, y0 - 20, x0 + 18, y0 + 20], fill=rgb("tree"))
    return im


def make_strokes() -> Image.Image:
    im = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([380, 30, 396, 44], fill=(255, 140, 40, 255))  # orange sky (sunset)
    d.ellipse([140, 292, 154, 304], fill=(40, 210, 200, 255))  # turquoise lake
    d.ellipse([60, 340, 72, 350], fill=(90, 160, 40, 255))  # deeper green grass
    return im


def main() -> None:
    OUT.mkdir(exist_ok=True)
    make_labels(np.random.default_rng(7)).save(OUT / "labels.png")
    make_strokes().save(OUT / "strokes.png")
    print(f"wrote {OUT / 'labels.png'} and {OUT / 'strokes.png'}")


if __name__ == "__main__":
    main()
