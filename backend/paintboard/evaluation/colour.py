"""Colour metrics: do hints and dabs reach the picture, and does a dab stay in its region?

All three compare generated pictures of the same label map and seed with and without strokes,
in CIEDE2000 (ΔE00 ≈ 1 is a just-noticeable difference):

* hinted-cell error — each hinted cell's colour against the generated mean under its
  rectangle (the rectangle rule is :func:`paintboard.features.cell_rectangles`, the one the
  hint maps and the colour loss use);
* dab → region — the dab colour against the whole region's generated mean;
* bleed — one orange dab in the sky; how far every *other* non-water region's mean colour moves
  (water may rightly mirror the sky).  A generator that keeps each region's colour to itself
  scores 0;
* variation — how much a new seed (the plugin's *Variation*) changes a picture: per pixel and
  in the regions' mean colours.  No target; near 0 means Variation does nothing visible.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from paintboard import features, palette

from . import metrics
from .scenes import MIN_REGION, WATER, large_regions, sky_dab

# (labels H×W, strokes H×W×4 or None, seed) → H×W×3 uint8 at the same size
GenerateFn = Callable[[np.ndarray, np.ndarray | None, int], np.ndarray]
BLEED_MIN_REGION = 0.01  # regions smaller than this fraction of the image are too noisy to judge


def _lab_mean(rgb: np.ndarray, mask: np.ndarray | tuple) -> np.ndarray:
    return metrics.srgb_to_lab(rgb[mask].reshape(-1, 3).mean(0) / 255.0)


def hinted_cell_errors(
    strokes: np.ndarray, generated: list[np.ndarray], s: int
) -> list[list[float]]:
    """ΔE00 per hinted cell of ``strokes`` for each picture in ``generated`` (one list each)."""
    h, w = strokes.shape[:2]
    feat = features.color_feature(strokes, s)
    out: list[list[float]] = [[] for _ in generated]
    for r, c, y0, y1, x0, x1 in features.cell_rectangles(feat, h, w):
        hint = metrics.srgb_to_lab(feat[r, c, 5:8].astype(np.float64))
        for acc, g in zip(out, generated, strict=True):
            acc.append(float(metrics.ciede2000(hint, _lab_mean(g, np.s_[y0:y1, x0:x1]))))
    return out


def region_error(rgb: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> float:
    """ΔE00 between ``colour`` and the mean of ``rgb`` over ``mask``."""
    lab = metrics.srgb_to_lab(np.array(colour, np.float64) / 255.0)
    return float(metrics.ciede2000(lab, _lab_mean(rgb, mask)))


def bleed_shifts(
    index: np.ndarray, dabbed: np.ndarray, with_dab: np.ndarray, without: np.ndarray
) -> list[tuple[str, float]]:
    """(class name, ΔE00 of its mean colour) for every other non-water region, where
    ``dabbed`` is the dabbed region's mask: regions of its class are left out too (a sky cut in
    two by a peak is still the sky the painter dabbed)."""
    dab_cls = int(index[dabbed][0])
    out = []
    for cls, mask in large_regions(index, BLEED_MIN_REGION):
        name = palette.PALETTE[cls].name
        if cls == dab_cls or name in WATER:
            continue
        de = metrics.ciede2000(_lab_mean(with_dab, mask), _lab_mean(without, mask))
        out.append((name, float(de)))
    return out


def measure_bleed(
    scenes: list[tuple[np.ndarray, np.ndarray]],
    generate: GenerateFn,
    seeds: list[int],
    without: list[np.ndarray] | None = None,
    rng_seed: int = 0,
) -> dict:
    """Bleed over a set of (rgb, index) scenes: one sky dab each (scenes without a sky region
    of :data:`MIN_REGION` are skipped); ``without`` = the same seeds' pictures without strokes,
    generated here when not given.  Returns mean, max, counts and the mean per class."""
    shifts: list[tuple[str, float]] = []
    used = 0
    for i, ((_, index), seed) in enumerate(zip(scenes, seeds, strict=True)):
        dab = sky_dab(index, np.random.default_rng([rng_seed, i]))
        if dab is None:
            continue
        strokes, region = dab
        base = without[i] if without is not None else generate(index, None, seed)
        shifts += bleed_shifts(index, region, generate(index, strokes, seed), base)
        used += 1
    values = [d for _, d in shifts]
    by_class: dict[str, list[float]] = {}
    for name, d in shifts:
        by_class.setdefault(name, []).append(d)
    return {
        "mean": float(np.mean(values)) if values else float("nan"),
        "max": float(np.max(values)) if values else float("nan"),
        "scenes": used,
        "regions": len(values),
        "by_class": {k: round(float(np.mean(v)), 2) for k, v in sorted(by_class.items())},
        "min_region": BLEED_MIN_REGION,
        "dab_region_min": MIN_REGION,
    }


def variation(
    a: list[np.ndarray], b: list[np.ndarray], indices: list[np.ndarray]
) -> dict[str, float]:
    """Mean ΔE00 between two seeds' pictures of the same inputs: per pixel, and of the mean
    colour of every region of at least :data:`BLEED_MIN_REGION` of the picture."""
    pixels, regions = [], []
    for x, y, index in zip(a, b, indices, strict=True):
        pixels.append(
            float(metrics.ciede2000(metrics.srgb_to_lab(x), metrics.srgb_to_lab(y)).mean())
        )
        for _, mask in large_regions(index, BLEED_MIN_REGION):
            regions.append(float(metrics.ciede2000(_lab_mean(x, mask), _lab_mean(y, mask))))
    return {
        "pixels": float(np.mean(pixels)),
        "regions": float(np.mean(regions)) if regions else float("nan"),
    }
