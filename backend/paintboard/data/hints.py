"""Training hints: stroke layers made from the original image, as a user might have painted them.

The trainer never builds a feature by hand: it draws a *stroke image* here and passes it
through :func:`paintboard.features.build_conditioning`, the very path inference uses, so the
generator cannot learn on hints that a real stroke layer could never produce.

Two kinds of hint exist because they teach different things: cell hints (the seed's recipe,
design §3) pin colour all over the grid; small dabs look like what an artist actually paints and
teach the generator to spread one dab's colour over its region.
"""

from __future__ import annotations

import numpy as np

from paintboard.features import DEFAULT_S, cell_edges

# Mixture of sample_training_strokes (probabilities, in order; the rest: no strokes)
P_DABS = 0.55
P_CELLS_DEFAULT = 0.25
P_CELLS_OTHER = 0.10
DEFAULT_ZERO_FRACTION = 0.75
OTHER_ZERO_FRACTIONS = (0.0, 0.25, 0.5, 0.9, 1.0)
# dab_strokes with n_min = 0 paints nothing this often (design §3: "none in about 15 %")
P_NO_DABS = 0.15


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must be H×W×3 or H×W×4, got shape {image.shape}")
    return image[:, :, :3]


def cell_means(image: np.ndarray, s: int) -> np.ndarray:
    """(s, s, 3) float64 mean colour of each grid cell (same edges as the feature); empty → 0."""
    rgb = _rgb(image).astype(np.float64)
    height, width = rgb.shape[:2]
    ye, xe = cell_edges(height, s), cell_edges(width, s)
    # summed-area table: cell sums for any edges, also empty cells of tiny images
    sat = np.zeros((height + 1, width + 1, 3))
    sat[1:, 1:] = rgb.cumsum(axis=0).cumsum(axis=1)
    sums = (
        sat[ye[1:, None], xe[None, 1:]]
        - sat[ye[:-1, None], xe[None, 1:]]
        - sat[ye[1:, None], xe[None, :-1]]
        + sat[ye[:-1, None], xe[None, :-1]]
    )
    area = np.diff(ye)[:, None] * np.diff(xe)[None, :]
    return sums / np.maximum(area, 1)[:, :, None]


def cell_hint_strokes(
    image: np.ndarray, s: int, zero_fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """RGBA strokes: a flat rectangle of the cell's mean original colour in every kept cell.

    ``round(zero_fraction · s²)`` cells, chosen by ``rng``, are left empty (the seed's zeroing).
    Each rectangle stops one pixel short of the cell's right and bottom edge so that
    neighbouring rectangles are separate 8-connected strokes and each cell owns exactly its
    own; the feature then has mask 1 on kept cells with their mean colour (rounded to 8 bit).
    A cell thinner than 2 pixels (images smaller than 2·s) cannot hold such a rectangle and
    stays empty.
    """
    if not 0.0 <= zero_fraction <= 1.0:
        raise ValueError(f"zero_fraction must be in [0, 1], got {zero_fraction}")
    height, width = image.shape[:2]
    means = np.clip(np.rint(cell_means(image, s)), 0, 255).astype(np.uint8)
    n_zero = int(round(zero_fraction * s * s))
    keep = np.ones(s * s, dtype=bool)
    keep[rng.permutation(s * s)[:n_zero]] = False
    out = np.zeros((height, width, 4), dtype=np.uint8)
    ye, xe = cell_edges(height, s), cell_edges(width, s)
    for cell in np.flatnonzero(keep):
        r, c = divmod(int(cell), s)
        out[ye[r] : ye[r + 1] - 1, xe[c] : xe[c + 1] - 1, :3] = means[r, c]
        out[ye[r] : ye[r + 1] - 1, xe[c] : xe[c + 1] - 1, 3] = 255
    return out


def dab_strokes(
    image: np.ndarray,
    rng: np.random.Generator,
    n_min: int = 0,
    n_max: int = 4,
    radius: tuple[float, float] = (0.01, 0.05),
) -> np.ndarray:
    """RGBA strokes with a few user-like dabs: flat discs of the original's colour under them.

    How many: with ``n_min == 0`` none in :data:`P_NO_DABS` of the calls (design §3: about
    15 %), otherwise uniformly ``max(n_min, 1) … n_max``.  Each disc has a random centre
    inside the image and a radius drawn uniformly from ``radius`` × the image's shorter side
    (at least 1 px); its colour is the mean original colour under the disc, so the hint tells
    the truth about the image.  Later discs cover earlier ones where they overlap.
    """
    rgb = _rgb(image)
    height, width = rgb.shape[:2]
    out = np.zeros((height, width, 4), dtype=np.uint8)
    if n_max < n_min or n_min < 0:
        raise ValueError(f"need 0 <= n_min <= n_max, got {n_min}, {n_max}")
    if n_min == 0 and (n_max == 0 or rng.random() < P_NO_DABS):
        return out
    n = int(rng.integers(max(n_min, 1), n_max + 1))
    side = min(height, width)
    for _ in range(n):
        rad = max(1.0, rng.uniform(radius[0], radius[1]) * side)
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        y0, y1 = max(0, int(cy - rad)), min(height, int(cy + rad) + 1)
        x0, x1 = max(0, int(cx - rad)), min(width, int(cx + rad) + 1)
        ys = np.arange(y0, y1)[:, None] + 0.5
        xs = np.arange(x0, x1)[None, :] + 0.5
        disc = (ys - cy) ** 2 + (xs - cx) ** 2 <= rad * rad
        if not disc.any():  # a centre on the very edge of a tiny image
            disc[min(int(cy), y1 - 1) - y0, min(int(cx), x1 - 1) - x0] = True
        colour = np.rint(rgb[y0:y1, x0:x1][disc].mean(axis=0)).astype(np.uint8)
        patch = out[y0:y1, x0:x1]
        patch[disc, :3] = colour
        patch[disc, 3] = 255
    return out


def sample_training_strokes(
    image: np.ndarray, rng: np.random.Generator, s: int = DEFAULT_S
) -> np.ndarray:
    """One training stroke layer from the mixture the generator should be ready for.

    ``P_DABS`` user-like dabs (the common case at inference), ``P_CELLS_DEFAULT`` cell hints
    with the seed's 75 % of cells zeroed, ``P_CELLS_OTHER`` cell hints at another rate drawn
    from ``OTHER_ZERO_FRACTIONS`` (0 % = every cell hinted, 100 % = none), and no strokes at
    all for the rest.  Deterministic given ``rng``.
    """
    height, width = _rgb(image).shape[:2]
    u = rng.random()
    if u < P_DABS:
        return dab_strokes(image, rng)
    if u < P_DABS + P_CELLS_DEFAULT:
        return cell_hint_strokes(image, s, DEFAULT_ZERO_FRACTION, rng)
    if u < P_DABS + P_CELLS_DEFAULT + P_CELLS_OTHER:
        rate = float(rng.choice(OTHER_ZERO_FRACTIONS))
        return cell_hint_strokes(image, s, rate, rng)
    return np.zeros((height, width, 4), dtype=np.uint8)
