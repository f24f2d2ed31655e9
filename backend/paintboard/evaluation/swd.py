"""Patch sliced Wasserstein distance (Karras et al. 2018, "Progressive growing of GANs", §5).

Compares the *texture statistics* of two image sets, level by level of a Laplacian pyramid, which
the colour metrics and a segmenter cannot: streaks, grids, blotches and missing fine detail all
change the distribution of 7×7 patches at the finest levels.  Implementation follows the
paper's released code (``metrics/sliced_wasserstein.py``): 5-tap binomial pyramid down to
:data:`SMALLEST` px on the longest side, :data:`PER_IMAGE` random 7×7×3 patches per image and
level, each set normalised per colour channel by its own mean and std, :data:`DIRECTIONS`
random unit directions, mean |sorted projections of A − sorted projections of B|, × 10³.

Differences from the paper, both for comparability between models on the same held-out set:
images may be any shape (portrait, landscape), and patch positions and directions come from a
fixed seed, with the same positions in both sets, so identical sets give exactly 0.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

SMALLEST = 16
PATCH = 7
PER_IMAGE = 128
DIRECTIONS = 512
_K = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # separable [1 4 6 4 1]² / 256


def _blur(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    x = ndimage.convolve1d(x, k, axis=0, mode="mirror")
    return ndimage.convolve1d(x, k, axis=1, mode="mirror")


def _down(x: np.ndarray) -> np.ndarray:  # cv2.pyrDown
    return _blur(x, _K)[::2, ::2]


def _up(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:  # cv2.pyrUp, cropped to shape
    up = np.zeros((2 * x.shape[0], 2 * x.shape[1], *x.shape[2:]), x.dtype)
    up[::2, ::2] = x
    return _blur(up, 2 * _K)[: shape[0], : shape[1]]


def num_levels(longest: int, smallest: int = SMALLEST) -> int:
    """Levels of a pyramid from ``longest`` px down to ``smallest`` (256 → 5: 256 … 16)."""
    n = 1
    while longest // 2**n >= smallest:
        n += 1
    return n


def laplacian_pyramid(img: np.ndarray, levels: int) -> list[np.ndarray]:
    """H×W×3 → band-pass levels, finest first; the last level is the low-pass residue."""
    pyr = [np.asarray(img, np.float32)]
    for _ in range(1, levels):
        pyr.append(_down(pyr[-1]))
        pyr[-2] = pyr[-2] - _up(pyr[-1], pyr[-2].shape)
    return pyr


def _positions(shape: tuple[int, ...], n: int, rng: np.random.Generator) -> tuple:
    r = PATCH // 2
    if shape[0] < PATCH or shape[1] < PATCH:
        raise ValueError(f"pyramid level {shape[:2]} smaller than a {PATCH}×{PATCH} patch")
    return rng.integers(r, shape[0] - r, n), rng.integers(r, shape[1] - r, n)


def descriptors(
    imgs: list[np.ndarray], levels: int, seed: int = 0, per_image: int = PER_IMAGE
) -> list[np.ndarray]:
    """Per level: (len(imgs) · per_image, 7·7·3) raw patches; positions depend only on the
    image's index, shape and ``seed``, so two sets of same-shaped images share them."""
    r = PATCH // 2
    off = np.arange(-r, r + 1)
    out: list[list[np.ndarray]] = [[] for _ in range(levels)]
    for i, img in enumerate(imgs):
        for lvl, band in enumerate(laplacian_pyramid(img, levels)):
            ys, xs = _positions(band.shape, per_image, np.random.default_rng([seed, i, lvl]))
            patches = band[ys[:, None, None] + off[None, :, None], xs[:, None, None] + off]
            out[lvl].append(patches.reshape(per_image, -1))
    return [np.concatenate(d) for d in out]


def normalise(desc: np.ndarray) -> np.ndarray:
    """Per colour channel: subtract the set's mean and divide by its std (paper's finalize)."""
    d = desc.reshape(desc.shape[0], PATCH * PATCH, 3).astype(np.float64)
    d = (d - d.mean(axis=(0, 1))) / np.maximum(d.std(axis=(0, 1)), 1e-8)
    return d.reshape(desc.shape[0], -1)


def sliced_wasserstein(
    a: np.ndarray, b: np.ndarray, directions: int = DIRECTIONS, seed: int = 0
) -> float:
    """Mean over random unit directions of the 1-D Wasserstein distance of the projections."""
    if a.shape != b.shape:
        raise ValueError(f"descriptor sets differ in shape: {a.shape} vs {b.shape}")
    dirs = np.random.default_rng(seed).standard_normal((a.shape[1], directions))
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    pa, pb = np.sort(a @ dirs, axis=0), np.sort(b @ dirs, axis=0)
    return float(np.mean(np.abs(pa - pb)))


def patch_swd(set_a: list[np.ndarray], set_b: list[np.ndarray], seed: int = 0) -> dict[str, float]:
    """``{"<longest side of the level>": SWD × 10³}``, finest level first, for two image sets
    whose images pair up in shape (generated vs ground truth of the same label maps)."""
    if len(set_a) != len(set_b) or not set_a:
        raise ValueError("patch SWD needs two non-empty sets of the same length")
    longest = max(max(im.shape[:2]) for im in set_a)
    levels = num_levels(longest)
    da, db = descriptors(set_a, levels, seed), descriptors(set_b, levels, seed)
    return {
        str(longest >> lvl): 1e3 * sliced_wasserstein(normalise(a), normalise(b), seed=seed + lvl)
        for lvl, (a, b) in enumerate(zip(da, db, strict=True))
    }


def with_class_colours(texture: np.ndarray, colours: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``texture``'s picture with each class's mean colour moved to ``colours``' (per channel,
    multiplicative, so the grain scales with the colour as a lit surface's does).

    Why: patch SWD mixes texture and colour (a band-pass patch of a pink cloud's edge is not one
    of a white cloud's), so a gap to the target alone cannot say which to fix.  The ground truth
    in a model's colours scores what perfect texture would; the model's picture in the truth's
    colours what perfect colour would.
    """
    if texture.shape != colours.shape or texture.shape[:2] != index.shape:
        raise ValueError(f"shapes differ: {texture.shape}, {colours.shape}, {index.shape}")
    src = texture.astype(np.float32)
    out = src.copy()
    for cls in np.unique(index):
        m = index == cls
        gain = (colours[m].astype(np.float32).mean(0) + 1.0) / (src[m].mean(0) + 1.0)
        out[m] *= gain
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
