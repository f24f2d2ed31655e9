"""Held-out scenes and the strokes the evaluation paints on them.

Scenes come from ``paintboard synth``'s renderer with seeds from :data:`HELD_OUT_SEED` on, a
range no training set uses (training data takes seeds from 0), in the three document shapes
users have: landscape, square and A4 portrait.  They are rendered at ``render_scale`` × the
working size and shrunk (antialiased), so the ground truth has the detail a photograph of that
size would have.  Nothing is written to disk: 48 scenes take seconds to render.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from paintboard import images, palette

from . import metrics

HELD_OUT_SEED = 1_000_000
# Model selection (which export, which noise gain) is judged on these scenes, never on the
# held-out ones: the eval stays an honest measure of what was picked.
VALIDATION_SEED = 3_000_000
# height : width of each document shape; scenes cycle through them in this order
SHAPES: dict[str, tuple[float, float]] = {
    "landscape": (3.0, 4.0),
    "square": (1.0, 1.0),
    "portrait": (2**0.5, 1.0),  # A4
}
WATER = frozenset({"sea", "lake", "river"})  # may rightly mirror the sky: left out of bleed

ORANGE, TURQUOISE, PURPLE = (255, 140, 0), (64, 224, 208), (140, 60, 170)
PINK, YELLOW, RED = (255, 105, 180), (240, 220, 40), (200, 30, 30)
CANDIDATES = (ORANGE, TURQUOISE, PURPLE, PINK, YELLOW, RED)
PREFERRED = {
    "sky": ORANGE, "cloud": PINK, "sea": TURQUOISE, "lake": TURQUOISE, "river": TURQUOISE,
    "mountain": PURPLE, "hill": PURPLE, "rock": PURPLE, "grass": ORANGE, "tree": RED,
}  # fmt: skip
MIN_REGION = 0.04  # a dabbed region covers at least this fraction of the image
DAB_RADIUS = 0.03  # × the shorter side


@dataclass(frozen=True)
class Scene:
    seed: int
    shape: str
    rgb: np.ndarray  # H×W×3 uint8, ground truth
    index: np.ndarray  # H×W uint8 class ids


def shape_size(shape: str, longest: int) -> tuple[int, int]:
    """(h, w) of a document shape at working size ``longest`` (the inference rule)."""
    h, w = SHAPES[shape]
    return images.working_size(round(1000 * h), round(1000 * w), longest)


def render(
    seed: int, shape: str, longest: int, render_scale: int = 2, phase: int | None = None
) -> Scene:
    """``phase``: the same scene with other texture offsets and grain (``generate_scene``)."""
    from paintboard.synth import generate_scene

    h, w = shape_size(shape, longest)
    rgb, index = generate_scene(seed, h * render_scale, w * render_scale, phase)
    if render_scale != 1:
        rgb = images.resize_image(np.ascontiguousarray(rgb[..., :3]), h, w)
        index = images.resize_labels(index, h, w)
    return Scene(seed, shape, np.ascontiguousarray(rgb[..., :3]), np.ascontiguousarray(index))


def held_out_scenes(
    count: int,
    longest: int,
    seed0: int = HELD_OUT_SEED,
    render_scale: int = 2,
    phase: int | None = None,
) -> list[Scene]:
    """Scene ``i`` has seed ``seed0 + i`` and shape ``SHAPES[i % 3]``."""
    names = list(SHAPES)
    return [
        render(seed0 + i, names[i % len(names)], longest, render_scale, phase)
        for i in range(count)
    ]


def large_regions(index: np.ndarray, min_fraction: float) -> list[tuple[int, np.ndarray]]:
    """(class id, mask) of every 4-connected non-void region covering ``min_fraction``."""
    h, w = index.shape
    out = []
    for cls in np.unique(index):
        if cls == palette.VOID:
            continue
        comp, n = ndimage.label(index == cls)
        sizes = np.bincount(comp.ravel())
        out += [(int(cls), comp == k) for k in range(1, n + 1) if sizes[k] >= min_fraction * h * w]
    return out


def paint_dabs(
    mask: np.ndarray, colour: tuple[int, int, int], count: int, rng: np.random.Generator
) -> np.ndarray:
    """RGBA strokes: ``count`` discs of ``colour`` inside ``mask``, away from its border."""
    h, w = mask.shape
    radius = max(1.5, DAB_RADIUS * min(h, w))
    dist = ndimage.distance_transform_edt(mask)
    inside = np.argwhere(dist >= radius)
    if len(inside) == 0:
        inside = np.argwhere(dist >= dist.max())
    strokes = np.zeros((h, w, 4), np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(count):
        cy, cx = inside[int(rng.integers(len(inside)))]
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2) & mask
        strokes[disc, :3] = colour
        strokes[disc, 3] = 255
    return strokes


def colour_dabs(
    rgb: np.ndarray, index: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]] | None:
    """1–2 dabs of an unnatural colour inside one large region → (strokes, region mask, colour)."""
    regions = large_regions(index, MIN_REGION)
    if not regions:
        return None
    cls, mask = regions[int(rng.integers(len(regions)))]
    natural = metrics.srgb_to_lab(rgb[mask].mean(0) / 255.0)
    colour = PREFERRED.get(palette.PALETTE[cls].name)
    if (
        colour is None
        or metrics.ciede2000(natural, metrics.srgb_to_lab(np.array(colour) / 255)) < 30
    ):
        des = [
            metrics.ciede2000(natural, metrics.srgb_to_lab(np.array(c) / 255)) for c in CANDIDATES
        ]
        colour = CANDIDATES[int(np.argmax(des))]
    return paint_dabs(mask, colour, int(rng.integers(1, 3)), rng), mask, colour


def sky_dab(index: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """One orange dab in the largest sky region → (strokes, that region's mask); None: no sky."""
    sky = palette.BY_NAME["sky"].id
    regions = [m for cls, m in large_regions(index, MIN_REGION) if cls == sky]
    if not regions:
        return None
    mask = max(regions, key=lambda m: int(m.sum()))
    return paint_dabs(mask, ORANGE, 1, rng), mask
