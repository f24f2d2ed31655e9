"""Pixel I/O and resizing: byte orders, PNG files, and resizes that keep what matters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from paintboard import images
from PIL import Image


def test_png_round_trip_and_rgb_gets_opaque_alpha(tmp_path: Path) -> None:
    rgba = np.random.default_rng(2).integers(0, 256, (6, 5, 4), dtype=np.uint8)
    images.save_png(tmp_path / "a.png", rgba)
    np.testing.assert_array_equal(images.load_rgba(tmp_path / "a.png"), rgba)

    rgb = rgba[:, :, :3].copy()
    images.save_png(tmp_path / "b.png", rgb)
    loaded = images.load_rgba(tmp_path / "b.png")
    np.testing.assert_array_equal(loaded[:, :, :3], rgb)
    assert (loaded[:, :, 3] == 255).all()


def test_save_png_grey_is_mode_l(tmp_path: Path) -> None:
    index = np.arange(12, dtype=np.uint8).reshape(3, 4)
    images.save_png(tmp_path / "l.png", index)
    with Image.open(tmp_path / "l.png") as im:
        assert im.mode == "L"
        np.testing.assert_array_equal(np.asarray(im), index)


def test_save_png_rejects_float() -> None:
    with pytest.raises(ValueError, match="cannot save"):
        images.save_png("never.png", np.zeros((2, 2, 3), np.float32))


def test_resize_labels_is_nearest_and_invents_no_ids() -> None:
    index = np.array([[1, 7], [3, 9]], np.uint8)
    up = images.resize_labels(index, 4, 4)
    np.testing.assert_array_equal(up, np.kron(index, np.ones((2, 2), np.uint8)))
    down = images.resize_labels(up, 2, 2)
    np.testing.assert_array_equal(down, index)
    odd = images.resize_labels(index, 3, 5)
    assert odd.shape == (3, 5) and set(np.unique(odd)) == {1, 3, 7, 9}


def test_resize_strokes_keeps_a_one_pixel_dab_with_its_colour() -> None:
    strokes = np.zeros((1024, 1024, 4), np.uint8)
    strokes[500, 700] = (200, 100, 50, 255)
    small = images.resize_strokes(strokes, 64, 64)  # 16×16 source pixels per target pixel
    painted = np.argwhere(small[:, :, 3] > 0)
    assert painted.tolist() == [[31, 43]]  # 500 // 16, 700 // 16
    assert small[31, 43].tolist() == [200, 100, 50, 1]  # coverage 255/256 → alpha 1, colour kept


def test_resize_strokes_alpha_is_coverage_and_colour_is_unpremultiplied() -> None:
    strokes = np.zeros((8, 8, 4), np.uint8)
    strokes[0:2, 0:2] = (255, 0, 0, 255)  # a quarter of the first 4×4 block, opaque red
    strokes[4:8, 4:8] = (0, 0, 255, 128)  # the whole last block, half transparent blue
    strokes[0:4, 4:6] = (0, 255, 0, 255)  # half of the second block green ...
    strokes[0:4, 6:8] = (255, 0, 0, 85)  # ... the other half faint red
    small = images.resize_strokes(strokes, 2, 2)
    assert small[0, 0].tolist() == [255, 0, 0, 64]  # 255 / 4 = 63.75
    assert small[1, 1].tolist() == [0, 0, 255, 128]
    assert small[1, 0].tolist() == [0, 0, 0, 0]
    # premultiplied mean: green 255·255/2, red 255·85/2 over alpha (255+85)/2 = 170
    assert small[0, 1].tolist() == [64, 191, 0, 170]


def test_resize_strokes_upscale_is_nearest() -> None:
    strokes = np.zeros((2, 2, 4), np.uint8)
    strokes[1, 0] = (10, 20, 30, 40)
    big = images.resize_strokes(strokes, 4, 6)
    want = np.zeros((4, 6, 4), np.uint8)
    want[2:4, 0:3] = (10, 20, 30, 40)
    np.testing.assert_array_equal(big, want)


def test_resize_image_is_smooth_and_keeps_channels() -> None:
    flat = np.full((40, 60, 3), (10, 120, 240), np.uint8)
    out = images.resize_image(flat, 17, 23)
    assert out.shape == (17, 23, 3) and out.dtype == np.uint8
    assert (out == (10, 120, 240)).all()
    edge = np.zeros((4, 4, 4), np.uint8)
    edge[:, 2:] = 255  # opaque white beside transparent black
    up = images.resize_image(edge, 8, 8)
    assert up.shape == (8, 8, 4)
    assert 0 < up[0, 3, 3] < 255  # alpha interpolated, not nearest
    assert up[0, 3, 0] == 255  # premultiplied: no dark halo from the transparent pixels


@pytest.mark.parametrize(
    ("size", "longest", "want"),
    [
        ((1000, 500), 256, (256, 128)),
        ((500, 1000), 256, (128, 256)),
        ((3000, 2000), 512, (512, 341)),
        ((256, 256), 256, (256, 256)),
        ((10, 5), 256, (256, 128)),  # small documents are drawn at the working size
        ((1, 5000), 256, (1, 256)),  # never below one pixel
    ],
)
def test_working_size(size: tuple[int, int], longest: int, want: tuple[int, int]) -> None:
    assert images.working_size(*size, longest) == want


def test_working_size_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        images.working_size(0, 10, 256)


def test_load_strokes_applies_the_rgb_rule_and_keeps_real_alpha(tmp_path: Path) -> None:
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 1] = (0, 0, 1)
    rgb[1, 2] = (200, 10, 10)
    images.save_png(tmp_path / "rgb.png", rgb)
    strokes = images.load_strokes(tmp_path / "rgb.png")
    assert strokes[:, :, 3].tolist() == [[0, 255, 0], [0, 0, 255]]
    np.testing.assert_array_equal(strokes[:, :, :3], rgb)

    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)  # a black stroke survives on an RGBA file
    images.save_png(tmp_path / "rgba.png", rgba)
    np.testing.assert_array_equal(images.load_strokes(tmp_path / "rgba.png"), rgba)
