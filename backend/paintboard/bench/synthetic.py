"""Synthetic inputs shared by the benchmarks and the reliability tests: a plausible landscape label
map, a two-layer document (labels + colour dabs) and the wire encoding the plugin sends."""

from __future__ import annotations

import math

import numpy as np

from paintboard import palette, protocol


def synthetic_label_index(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A plausible landscape class map (sky, clouds, mountains, sea, grass, trees, sand).

    Plausible rather than random so the timings reflect real inputs (CLADE gathers and the
    region fill in the features depend on how many regions there are).
    """
    rng = np.random.default_rng(seed)
    ids = {c.name: c.id for c in palette.PALETTE}
    y = np.arange(height, dtype=np.float32)[:, None] / max(height, 1)
    x = np.arange(width, dtype=np.float32)[None, :] / max(width, 1)
    phase = rng.uniform(0, 2 * math.pi, 3)
    ridge = 0.38 + 0.08 * np.sin(6 * x + phase[0]) + 0.04 * np.sin(17 * x + phase[1])
    shore = 0.62 + 0.03 * np.sin(9 * x + phase[2])
    index = np.full((height, width), ids["sky"], dtype=np.uint8)
    cloud = (np.sin(20 * x + 3 * phase[1]) * np.cos(25 * y) > 0.7) & (y < 0.2)
    index[cloud] = ids["cloud"]
    index[y >= ridge] = ids["mountain"]
    index[(y >= ridge) & (y < ridge + 0.03)] = ids["snow"]
    index[y >= shore] = ids["sea"]
    index[(y >= shore + 0.15) & (x < 0.5)] = ids["grass"]
    index[(y >= shore + 0.15) & (x >= 0.5)] = ids["sand"]
    for _ in range(6):
        cy, cx, r = rng.uniform(0.8, 0.95), rng.uniform(0.05, 0.45), rng.uniform(0.02, 0.05)
        index[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = ids["tree"]
    return index


def synthetic_document(
    width: int, height: int, seed: int = 0, dabs: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """The two layers of a document: labels (RGBA palette colours) and a few colour dabs (RGBA)."""
    index = synthetic_label_index(height, width, seed)
    lut = np.array([c.rgb for c in palette.PALETTE], dtype=np.uint8)
    labels = np.empty((height, width, 4), dtype=np.uint8)
    labels[..., :3] = lut[index]
    labels[..., 3] = 255
    strokes = np.zeros((height, width, 4), dtype=np.uint8)
    rng = np.random.default_rng(seed + 1)
    yy, xx = np.ogrid[:height, :width]
    for _ in range(dabs):
        cy, cx = rng.integers(0, height), rng.integers(0, width)
        r = max(2, int(min(width, height) * rng.uniform(0.01, 0.04)))
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        strokes[disc, :3] = rng.integers(0, 256, 3, dtype=np.uint8)
        strokes[disc, 3] = 255
    return labels, strokes


def rgba_to_wire(rgba: np.ndarray, fmt: str = protocol.FORMAT_BGRA8) -> bytes:
    """RGBA array → raw bytes in ``fmt`` (what Krita's pixelData hands the plugin)."""
    if fmt == protocol.FORMAT_BGRA8:
        return np.ascontiguousarray(rgba[..., [2, 1, 0, 3]]).tobytes()
    return np.ascontiguousarray(rgba).tobytes()
