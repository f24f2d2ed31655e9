"""Training hints go through the same extractor as inference and say the truth about the image."""

from __future__ import annotations

import numpy as np
import pytest
from paintboard import features as F
from paintboard.data import hints
from scipy import ndimage


def photo(h: int = 40, w: int = 50, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def loop_cell_means(image: np.ndarray, s: int) -> np.ndarray:
    """Reference cell means written the slow, obvious way (independent of the code under test)."""
    h, w = image.shape[:2]
    out = np.zeros((s, s, 3))
    for r in range(s):
        for c in range(s):
            y0, y1 = r * h // s, (r + 1) * h // s
            x0, x1 = c * w // s, (c + 1) * w // s
            out[r, c] = image[y0:y1, x0:x1, :3].reshape(-1, 3).mean(axis=0)
    return out


@pytest.mark.parametrize("zero_fraction", [0.0, 0.75])
def test_cell_hints_give_mask_on_kept_cells_and_their_mean_colour(zero_fraction: float) -> None:
    image = photo()  # 40×50: cells of 4-5 × 5-6 px, not divisible by 9
    strokes = hints.cell_hint_strokes(image, 9, zero_fraction, np.random.default_rng(3))
    assert strokes.shape == (40, 50, 4) and strokes.dtype == np.uint8
    feat = F.color_feature(strokes, 9)

    kept = np.zeros((9, 9), bool)
    ye, xe = [0, 4, 8, 13, 17, 22, 26, 31, 35, 40], [0, 5, 11, 16, 22, 27, 33, 38, 44, 50]
    for r in range(9):
        for c in range(9):
            kept[r, c] = strokes[ye[r] : ye[r + 1], xe[c] : xe[c + 1], 3].any()
    assert kept.sum() == 81 - round(zero_fraction * 81)
    np.testing.assert_array_equal(feat[:, :, 0], kept.astype(np.float32))

    want_rgb = loop_cell_means(image, 9) / 255.0
    assert np.abs(feat[kept][:, 5:8] - want_rgb[kept]).max() <= 1 / 255
    assert not feat[~kept].any()
    # one pixel short on the right and bottom: w = (cell_w - 1) / cell_w
    cell_w = np.diff(xe)[None, :].repeat(9, 0)
    np.testing.assert_allclose(feat[kept][:, 3], ((cell_w - 1) / cell_w)[kept], atol=1e-6)
    assert not feat[kept][:, 1:3].any()  # rectangles start at the cell corner


def test_cell_hints_all_zeroed_is_empty_and_rng_decides_which_cells() -> None:
    image = photo()
    assert not hints.cell_hint_strokes(image, 9, 1.0, np.random.default_rng(0)).any()
    a = hints.cell_hint_strokes(image, 9, 0.5, np.random.default_rng(7))
    b = hints.cell_hint_strokes(image, 9, 0.5, np.random.default_rng(7))
    c = hints.cell_hint_strokes(image, 9, 0.5, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    with pytest.raises(ValueError):
        hints.cell_hint_strokes(image, 9, 1.5, np.random.default_rng(0))


def test_cell_means_match_the_obvious_loop() -> None:
    image = photo(20, 31, seed=4)
    np.testing.assert_allclose(hints.cell_means(image, 9), loop_cell_means(image, 9))


def test_dab_colour_is_the_mean_under_the_disc_and_size_is_bounded() -> None:
    image = photo(100, 120, seed=5)
    rng = np.random.default_rng(11)
    for _ in range(20):
        strokes = hints.dab_strokes(image, rng, n_min=1, n_max=1)
        painted = strokes[:, :, 3] > 0
        assert painted.any() and set(np.unique(strokes[:, :, 3])) == {0, 255}
        colours = np.unique(strokes[painted][:, :3], axis=0)
        assert len(colours) == 1  # one flat disc
        want = image[painted].mean(axis=0)
        assert np.abs(colours[0].astype(float) - want).max() <= 0.5
        ys, xs = np.nonzero(painted)
        assert np.ptp(ys) + 1 <= 12 and np.ptp(xs) + 1 <= 12  # radius <= 5 % of 100 px


def test_dab_count_and_empty_share() -> None:
    image = photo(64, 64, seed=6)
    rng = np.random.default_rng(12)
    empty = 0
    for _ in range(300):
        strokes = hints.dab_strokes(image, rng)
        _, n = ndimage.label(strokes[:, :, 3] > 0, structure=np.ones((3, 3)))
        assert n <= 4  # overlapping dabs may merge, never more than asked for
        empty += n == 0
    assert 0.08 <= empty / 300 <= 0.24  # design §3: none in about 15 %


def test_dabs_are_deterministic_given_the_rng() -> None:
    image = photo(seed=7)
    a = hints.dab_strokes(image, np.random.default_rng(5), n_min=2)
    b = hints.dab_strokes(image, np.random.default_rng(5), n_min=2)
    np.testing.assert_array_equal(a, b)
    assert a.any()


def test_training_mixture_has_dabs_cells_and_nothing() -> None:
    image = photo(54, 54, seed=8)
    rng = np.random.default_rng(13)
    kinds = {"none": 0, "dabs": 0, "cells": 0}
    for _ in range(200):
        strokes = hints.sample_training_strokes(image, rng)
        assert strokes.shape == (54, 54, 4) and strokes.dtype == np.uint8
        feat = F.color_feature(strokes)
        mask = feat[:, :, 0] > 0
        if not mask.any():
            kinds["none"] += 1
        elif np.allclose(feat[mask][:, 1:5], [0, 0, 5 / 6, 5 / 6]):
            kinds["cells"] += 1  # every owned rectangle is its cell minus one pixel
        else:
            kinds["dabs"] += 1
    # 55 % dabs (15 % of them empty), 25 % + 10 % cells, the rest nothing
    assert 0.35 <= kinds["dabs"] / 200 <= 0.6
    assert 0.2 <= kinds["cells"] / 200 <= 0.45
    assert 0.1 <= kinds["none"] / 200 <= 0.35


def test_training_strokes_are_deterministic_given_the_rng() -> None:
    image = photo(seed=9)
    a = [hints.sample_training_strokes(image, np.random.default_rng(21)) for _ in range(2)]
    np.testing.assert_array_equal(a[0], a[1])
