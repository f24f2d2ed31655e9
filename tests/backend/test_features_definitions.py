"""The colour maps' fast formulations pinned to their definitions on random inputs.

The model was trained on these maps, so a faster computation must give the same numbers: the
feathered hint maps against the 2-D box blur of the rasterised rectangles that defined them
(features.hint_maps before it became a sum of separable profiles), the region map and the mood
fill against a per-region / per-pixel reading of their docstrings.  Tolerance 1e-5: the maps
are float32 and the blur is computed in another order.
"""

from __future__ import annotations

import numpy as np
import pytest
from paintboard import features as F
from scipy import ndimage

TOL = 1e-5


def random_strokes(rng: np.random.Generator, h: int, w: int, n: int) -> np.ndarray:
    """Rectangles, lines and single pixels of random colours (some half transparent), also on
    the image's edges."""
    img = np.zeros((h, w, 4), np.uint8)
    for _ in range(n):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        kind = rng.integers(0, 3)
        rh, rw = (1, 1) if kind == 0 else (int(rng.integers(1, h // 2 + 2)), 1 + w // 5)
        if kind == 2:  # at an edge
            y, x = (0 if rng.random() < 0.5 else max(0, h - rh)), x
        img[y : y + rh, x : x + rw, :3] = rng.integers(0, 256, 3)
        img[y : y + rh, x : x + rw, 3] = rng.choice([255, 128, 1])
    return img


def random_index(rng: np.random.Generator, h: int, w: int, classes: int = 6) -> np.ndarray:
    """Blocky class regions (a coarse random grid at full size) with some speckle, so regions
    of one class are split, touch diagonally and reach the edges."""
    gh, gw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    grid = rng.integers(0, classes, (gh, gw)).astype(np.uint8)
    index = grid[np.arange(h) * gh // h][:, np.arange(w) * gw // w]
    speckle = rng.random((h, w)) < 0.02
    index[speckle] = rng.integers(0, classes, int(speckle.sum()))
    return index


SHAPES = [(9, 9), (16, 40), (37, 23), (64, 64), (100, 57), (128, 200)]


# ---- hint maps: the separable blur equals the 2-D blur ---------------------------------------


def hint_maps_by_2d_blur(feature: np.ndarray, height: int, width: int) -> np.ndarray:
    """The feathered hint maps as first defined: rasterise, then two 2-D box blurs (edges
    repeated) of the mask and the mask-weighted colour over the whole page, in float32, colour
    divided by the blurred mask where it exceeds 1e-3."""
    maps = F.hint_maps(feature, height, width, feather=False)
    if not maps[0].any():
        return maps
    s = feature.shape[0]
    size = (
        max(1, int(round(height / s * F.HINT_FEATHER))),
        max(1, int(round(width / s * F.HINT_FEATHER))),
    )
    maps[1:4] *= maps[0]
    for ch in range(4):
        for _ in range(2):
            ndimage.uniform_filter(maps[ch], size=size, output=maps[ch], mode="nearest")
    weight = maps[0]
    inside = weight > 1e-3
    maps[1:4][:, inside] /= weight[inside]
    maps[1:4][:, ~inside] = 0.0
    maps[0][~inside] = 0.0
    return maps


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("s", [9, 4, 1])
def test_feathered_hint_maps_equal_the_2d_blur(shape: tuple[int, int], s: int) -> None:
    rng = np.random.default_rng(shape[0] * 1000 + shape[1] + s)
    painted = 0
    for n in (1, 3, 12, 40):
        strokes = random_strokes(rng, *shape, n)
        feature = F.color_feature(strokes, s)
        # at the feature's own size and resampled (the trainer's and Engine's sizes differ)
        for h, w in (shape, (int(rng.integers(16, 160)), int(rng.integers(16, 160)))):
            want = hint_maps_by_2d_blur(feature, h, w)
            got = F.hint_maps(feature, h, w)
            assert got.dtype == np.float32 and got.shape == (4, h, w)
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL, err_msg=f"{shape} {h}×{w}")
            painted += int(want[0].any())
    assert painted >= 4  # mostly non-empty maps were compared


def test_feathered_hint_maps_of_a_page_covered_in_strokes_equal_the_2d_blur() -> None:
    strokes = np.zeros((90, 117, 4), np.uint8)
    strokes[..., :3] = np.random.default_rng(3).integers(0, 256, (90, 117, 3))
    strokes[..., 3] = 255
    feature = F.color_feature(strokes)
    assert feature[:, :, 0].all()
    got, want = F.hint_maps(feature, 90, 117), hint_maps_by_2d_blur(feature, 90, 117)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


# ---- region map and mood: the masked fills equal the definitions -----------------------------


def region_map_by_definition(
    index: np.ndarray, strokes: np.ndarray, mood: np.ndarray | None
) -> np.ndarray:
    """Per 4-connected region of one class: the (8-connected) strokes' pixels inside it, grouped
    by stroke; one group fills the region with its mean colour, several blend per pixel with
    weights 1 / (d + 1)² to their centroids (float64).  Then the mood fills the rest."""
    h, w = index.shape
    out = np.zeros((4, h, w), np.float64)
    mask = F.stroke_mask(strokes)
    stroke_id, _ = ndimage.label(mask, structure=np.ones((3, 3), bool))
    yy, xx = np.mgrid[0:h, 0:w]
    for cls in np.unique(index):
        regions, n = ndimage.label(index == cls, structure=ndimage.generate_binary_structure(2, 1))
        for r in range(1, n + 1):
            inside = regions == r
            ids = np.unique(stroke_id[inside & mask])
            if len(ids) == 0:
                continue
            groups = []
            for sid in ids:
                sel = inside & (stroke_id == sid)
                colour = strokes[sel, :3].astype(np.float64).mean(axis=0) / 255.0
                groups.append((yy[sel].mean(), xx[sel].mean(), colour))
            out[0][inside] = 1.0
            if len(groups) == 1:
                out[1:4][:, inside] = groups[0][2][:, None]
                continue
            wsum = np.zeros((h, w))
            acc = np.zeros((3, h, w))
            for cy, cx, colour in groups:
                wt = 1.0 / (np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) + 1.0) ** 2
                wsum += wt
                acc += colour[:, None, None] * wt
            out[1:4][:, inside] = (acc / wsum)[:, inside]
    if mood is not None:
        for y in range(h):
            for x in range(w):
                c = int(index[y, x])
                if out[0, y, x] == 0 and c < len(mood) and np.isfinite(mood[c]).all():
                    out[:, y, x] = (F.MOOD_WEIGHT, *mood[c])
    return out.astype(np.float32)


def random_mood(rng: np.random.Generator, classes: int) -> np.ndarray:
    mood = rng.random((classes, 3)).astype(np.float32)
    mood[rng.random(classes) < 0.3] = np.nan  # no opinion about some classes
    return mood


@pytest.mark.parametrize("shape", SHAPES[:5])
def test_region_map_equals_its_definition(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    for n in (0, 1, 4, 15):
        index = random_index(rng, *shape)
        strokes = random_strokes(rng, *shape, n)
        # the mood knows fewer classes than the labels use: the others stay empty
        for mood in (None, random_mood(rng, 4), random_mood(rng, 16)):
            want = region_map_by_definition(index, strokes, mood)
            got = F.region_colour_map(index, strokes, mood)
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL, err_msg=f"{shape} n={n}")


def test_build_conditioning_without_strokes_is_the_mood_by_definition() -> None:
    rng = np.random.default_rng(11)
    index = random_index(rng, 48, 70, classes=9)
    mood = random_mood(rng, 7)
    want = region_map_by_definition(index, np.zeros((48, 70, 4), np.uint8), mood)
    cond = F.build_conditioning(index, None, 9, mood)
    np.testing.assert_array_equal(cond.maps[4:], want)
    assert not cond.maps[:4].any()


@pytest.mark.parametrize("with_strokes", [True, False])
def test_channels_last_maps_are_the_same_maps_stored_pixel_by_pixel(with_strokes: bool) -> None:
    """The Engine asks for channels-last maps so torch needs no transpose: same values."""
    import torch

    rng = np.random.default_rng(5)
    index = random_index(rng, 37, 52)
    strokes = random_strokes(rng, 37, 52, 6) if with_strokes else None
    mood = random_mood(rng, 16)
    plain = F.build_conditioning(index, strokes, 9, mood)
    last = F.build_conditioning(index, strokes, 9, mood, channels_last=True)
    np.testing.assert_array_equal(last.maps, plain.maps)
    np.testing.assert_array_equal(last.latent, plain.latent)
    assert last.maps.shape == (8, 37, 52) and last.maps.transpose(1, 2, 0).flags.c_contiguous
    assert torch.from_numpy(last.maps)[None].is_contiguous(memory_format=torch.channels_last)
