"""The colour feature pinned to design §3 with hand-made stroke images and hand-written numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from paintboard import features as F

RED, GREEN, BLUE = (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)


def rgba(h: int, w: int) -> np.ndarray:
    return np.zeros((h, w, 4), dtype=np.uint8)


def expected(s: int, cells: dict[tuple[int, int], list[float]]) -> np.ndarray:
    out = np.zeros((s, s, 8), dtype=np.float32)
    for (r, c), v in cells.items():
        out[r, c] = v
    return out


def assert_feature(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_cell_edges_cover_sizes_not_divisible_by_s() -> None:
    assert F.cell_edges(20, 9).tolist() == [0, 2, 4, 6, 8, 11, 13, 15, 17, 20]
    assert F.cell_edges(31, 9).tolist() == [0, 3, 6, 10, 13, 17, 20, 24, 27, 31]


def test_one_stroke() -> None:
    img = rgba(18, 18)  # 2×2-pixel cells
    img[5, 6:8] = (255, 0, 51, 255)  # cell row 2 (y 4..5), col 3 (x 6..7)
    want = expected(9, {(2, 3): [1, 0, 0.5, 1, 0.5, 1, 0, 0.2]})
    assert_feature(F.color_feature(img), want)


def test_stroke_spanning_cells_marks_and_colours_every_cell_it_crosses() -> None:
    img = rgba(18, 18)
    img[3, 1:7] = GREEN  # y 3, x 1..6: starts in cell (1, 0), passes cells (1, 1..3)
    want = expected(
        9,
        {
            (1, 0): [1, 0.5, 0.5, 3, 0.5, 0, 1, 0],  # the owner: the whole stroke's rectangle
            (1, 1): [1, 0, 0, 0, 0, 0, 1, 0],  # crossed: mask and own pixels' colour only
            (1, 2): [1, 0, 0, 0, 0, 0, 1, 0],
            (1, 3): [1, 0, 0, 0, 0, 0, 1, 0],
        },
    )
    assert_feature(F.color_feature(img), want)


def test_the_issues_288_px_example() -> None:
    img = rgba(288, 288)  # 32-px cells
    img[40:50, 40:100] = RED  # rows 40-49, columns 40-99: owner (1, 1), crosses (1, 2), (1, 3)
    f = F.color_feature(img)
    assert_feature(f[1, 2], np.array([1, 0, 0, 0, 0, 1, 0, 0], np.float32))
    assert_feature(f[1, 3], np.array([1, 0, 0, 0, 0, 1, 0, 0], np.float32))
    assert_feature(f[1, 1], np.array([1, 8 / 32, 8 / 32, 60 / 32, 10 / 32, 1, 0, 0], np.float32))
    assert f[:, :, 0].sum() == 3


def test_crossing_stroke_colour_is_the_mean_inside_each_cell() -> None:
    img = rgba(18, 18)  # 2×2-pixel cells
    img[2, 0:2] = RED  # cell (1, 0)
    img[2, 2:4] = BLUE  # cell (1, 1); one stroke with the red part
    img[3, 3] = GREEN  # cell (1, 1) too
    want = expected(
        9,
        {
            (1, 0): [1, 0, 0, 2, 1, 1, 0, 0],  # owns the stroke x 0..3, y 2..3; red only
            (1, 1): [1, 0, 0, 0, 0, 0, 1 / 3, 2 / 3],  # (2 blue + 1 green) / 3
        },
    )
    assert_feature(F.color_feature(img), want)


def test_owner_is_the_bounding_box_corner_not_a_painted_pixel() -> None:
    img = rgba(18, 18)
    img[5:7, 7] = BLUE  # a "⌟": vertical bar at x 7 ...
    img[7, 2:8] = BLUE  # ... joined to a bottom bar x 2..7; bbox top-left (5, 2) is empty
    # owner (2, 1) holds no stroke pixel: rectangle without mask (the seed: mask = has pixels)
    want = expected(
        9,
        {
            (2, 1): [0, 0, 0.5, 3, 1.5, 0, 0, 0],
            (2, 3): [1, 0, 0, 0, 0, 0, 0, 1],  # x 7, y 5
            (3, 1): [1, 0, 0, 0, 0, 0, 0, 1],
            (3, 2): [1, 0, 0, 0, 0, 0, 0, 1],
            (3, 3): [1, 0, 0, 0, 0, 0, 0, 1],
        },
    )
    assert_feature(F.color_feature(img), want)


def test_two_strokes_sharing_a_cell_union_rectangle_and_in_cell_colour() -> None:
    img = rgba(36, 36)  # 4×4-pixel cells; cell (1, 1) is y 4..7, x 4..7
    img[4, 4:6] = RED  # 2 px
    img[6, 7:10] = BLUE  # 3 px, not 8-connected to the red one, leaves the cell to the right
    # union rectangle x 4..9, y 4..6 → x 0, y 0, w 6/4, h 3/4; colour of the 3 pixels inside
    # the cell: (2·red + 1·blue) / 3; the 2 blue pixels in cell (1, 2) mark it blue
    want = expected(
        9,
        {(1, 1): [1, 0, 0, 1.5, 0.75, 2 / 3, 0, 1 / 3], (1, 2): [1, 0, 0, 0, 0, 0, 0, 1]},
    )
    assert_feature(F.color_feature(img), want)


def test_diagonal_pixels_are_one_stroke() -> None:
    img = rgba(18, 18)
    img[4, 4] = RED
    img[5, 5] = BLUE  # 8-connected to the red pixel: one stroke owned by cell (2, 2)
    img[6, 6] = BLUE  # ... that reaches cell (3, 3)
    want = expected(9, {(2, 2): [1, 0, 0, 1.5, 1.5, 0.5, 0, 0.5], (3, 3): [1, 0, 0, 0, 0, 0, 0, 1]})
    assert_feature(F.color_feature(img), want)


def test_black_stroke_on_rgba_has_mask_and_zero_colour() -> None:
    img = rgba(18, 18)
    img[0, 0] = (0, 0, 0, 255)
    img[10, 10] = (255, 255, 255, 0)  # colour under alpha 0 is not a stroke
    want = expected(9, {(0, 0): [1, 0, 0, 0.5, 0.5, 0, 0, 0]})
    assert_feature(F.color_feature(img), want)


@pytest.mark.parametrize(
    "img",
    [rgba(18, 18), np.zeros((18, 18, 3), np.uint8), np.full((18, 18, 4), (9, 9, 9, 0), np.uint8)],
    ids=["rgba-empty", "rgb-black", "rgba-transparent-coloured"],
)
def test_no_stroke_is_the_all_zero_feature(img: np.ndarray) -> None:
    assert_feature(F.color_feature(img), np.zeros((9, 9, 8), np.float32))


def test_size_not_divisible_by_s_rows_are_y_columns_are_x() -> None:
    img = rgba(
        20, 31
    )  # row edges 0 2 4 6 8 11 13 15 17 20, column edges 0 3 6 10 13 17 20 24 27 31
    img[8:11, 27:31] = (10, 20, 30, 255)  # exactly cell (4, 8): 3 rows × 4 columns
    img[19, 30] = (255, 255, 255, 255)  # last pixel: cell (8, 8), 3 rows × 4 columns
    img[11, 6] = (255, 255, 255, 255)  # cell (5, 2): 2 rows × 4 columns
    want = expected(
        9,
        {
            (4, 8): [1, 0, 0, 1, 1, 10 / 255, 20 / 255, 30 / 255],
            (8, 8): [1, 0.75, 2 / 3, 0.25, 1 / 3, 1, 1, 1],
            (5, 2): [1, 0, 0, 0.25, 0.5, 1, 1, 1],
        },
    )
    assert_feature(F.color_feature(img), want)


def test_rgb_without_alpha_non_black_pixels_are_strokes() -> None:
    img = np.zeros((18, 18, 3), np.uint8)
    img[17, 17] = (0, 0, 1)  # nearly black is still a stroke
    img[2, 2:4] = (255, 255, 0)
    want = expected(
        9,
        {(8, 8): [1, 0.5, 0.5, 0.5, 0.5, 0, 0, 1 / 255], (1, 1): [1, 0, 0, 1, 0.5, 1, 1, 0]},
    )
    assert_feature(F.color_feature(img), want)


def test_other_grid_size() -> None:
    img = rgba(8, 8)
    img[3, 5] = RED  # s = 2: cells of 4 px, cell (0, 1)
    want = expected(2, {(0, 1): [1, 0.25, 0.75, 0.25, 0.25, 1, 0, 0]})
    assert_feature(F.color_feature(img, s=2), want)


def test_latent_is_the_row_major_flattening() -> None:
    feat = np.arange(9 * 9 * 8, dtype=np.float32).reshape(9, 9, 8)
    lat = F.latent(feat)
    assert lat.shape == (648,) and lat.dtype == np.float32
    assert lat[8 * (9 * 1 + 2) + 5] == feat[1, 2, 5]


def test_cell_rectangles_clip_the_owners_rectangle_to_each_marked_cell() -> None:
    img = rgba(288, 288)
    img[40:50, 40:100] = RED
    f = F.color_feature(img)
    assert F.cell_rectangles(f, 288, 288) == [
        (1, 1, 40, 50, 40, 64),
        (1, 2, 40, 50, 64, 96),
        (1, 3, 40, 50, 96, 100),
    ]
    # at half the size the grid scales with it
    assert F.cell_rectangles(f, 144, 144) == [
        (1, 1, 20, 25, 20, 32),
        (1, 2, 20, 25, 32, 48),
        (1, 3, 20, 25, 48, 50),
    ]


def test_hint_maps_paint_each_cells_own_colour_in_its_rectangle() -> None:
    img = rgba(18, 18)
    img[2, 0:2] = RED
    img[2, 2:4] = BLUE
    img[3, 3] = GREEN
    maps = F.hint_maps(F.color_feature(img), 18, 18, feather=False)
    assert maps.shape == (4, 18, 18) and maps.dtype == np.float32
    want_mask = np.zeros((18, 18), np.float32)
    want_mask[2:4, 0:4] = 1  # the owner's rectangle, split at the cell edge
    np.testing.assert_array_equal(maps[0], want_mask)
    np.testing.assert_allclose(maps[1:, 2, 0], [1, 0, 0])
    np.testing.assert_allclose(maps[1:, 3, 3], [0, 1 / 3, 2 / 3], atol=1e-6)


def test_hint_maps_at_the_feature_resolution_reproduce_the_bounding_box() -> None:
    img = rgba(20, 31)
    img[9, 4:14] = RED  # spans columns 1..3
    maps = F.hint_maps(F.color_feature(img), 20, 31, feather=False)
    want = np.zeros((20, 31), np.float32)
    want[9, 4:14] = 1
    np.testing.assert_array_equal(maps[0], want)


def test_feathered_hint_maps_keep_the_colour_and_soften_the_edge() -> None:
    img = rgba(90, 90)  # 10-px cells
    img[30:60, 30:60] = (200, 100, 50, 255)  # owner (3, 3), a 3×3-cell block
    f = F.color_feature(img)
    hard = F.hint_maps(f, 90, 90, feather=False)
    soft = F.hint_maps(f, 90, 90)
    assert soft[0].sum() == pytest.approx(hard[0].sum(), rel=0.02)  # the same hint "mass"
    assert soft[0, 45, 45] == pytest.approx(1.0) and 0.2 < soft[0, 45, 30] < 0.8
    assert np.abs(np.diff(soft[0, 45])).max() < 0.5  # no step at the rectangle's edge
    on = soft[0] > 1e-3
    np.testing.assert_allclose(
        soft[1:, on].T, np.tile([200 / 255, 100 / 255, 50 / 255], (on.sum(), 1)), atol=1e-5
    )


def test_pixel_cells_follow_the_cell_edges() -> None:
    rows, cols = F.pixel_cells(20, 31, 9)
    assert rows.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8]
    assert cols[:7].tolist() == [0, 0, 0, 1, 1, 1, 2] and cols[-1] == 8


def sky_over_sea(h: int = 8, w: int = 8) -> np.ndarray:
    index = np.full((h, w), 7, np.uint8)
    index[: h // 2] = 1
    return index


def test_region_map_one_dab_fills_its_region_and_nothing_else() -> None:
    index = np.array(
        [
            [1, 1, 1, 7, 7, 7],
            [1, 1, 1, 7, 7, 7],
            [1, 1, 1, 7, 7, 7],
            [7, 7, 7, 1, 1, 1],  # this sky block touches the first only diagonally
            [7, 7, 7, 1, 1, 1],
            [7, 7, 7, 1, 1, 1],
        ],
        np.uint8,
    )
    strokes = rgba(6, 6)
    strokes[1, 1] = (255, 102, 0, 255)
    out = F.region_colour_map(index, strokes)
    assert out.shape == (4, 6, 6) and out.dtype == np.float32
    want = np.zeros((4, 6, 6), np.float32)
    want[:, :3, :3] = np.array([1, 1, 0.4, 0], np.float32)[:, None, None]
    np.testing.assert_allclose(out, want, atol=1e-6)


def test_region_map_two_dabs_in_one_region_make_a_gradient() -> None:
    index = np.ones((1, 9), np.uint8)
    strokes = rgba(1, 9)
    strokes[0, 0] = RED
    strokes[0, 8] = BLUE
    out = F.region_colour_map(index, strokes)
    # weights 1/(d+1)²: at x, red 1/(x+1)², blue 1/(9-x)²
    np.testing.assert_allclose(out[0, 0], np.ones(9))
    np.testing.assert_allclose(out[1, 0, [0, 1, 4, 8]], [81 / 82, 16 / 17, 0.5, 1 / 82], atol=1e-6)
    np.testing.assert_allclose(out[3, 0, [0, 4, 8]], [1 / 82, 0.5, 81 / 82], atol=1e-6)
    assert np.all(np.diff(out[1, 0]) < 0)
    np.testing.assert_allclose(out[2, 0], np.zeros(9))


def test_region_map_dab_on_a_boundary_colours_each_region_with_its_own_pixels() -> None:
    index = sky_over_sea(4, 4)
    strokes = rgba(4, 4)
    strokes[1, 1] = RED  # sky side of one connected stroke
    strokes[2, 1] = BLUE  # sea side
    out = F.region_colour_map(index, strokes)
    want = np.zeros((4, 4, 4), np.float32)
    want[:, :2] = np.array([1, 1, 0, 0], np.float32)[:, None, None]
    want[:, 2:] = np.array([1, 0, 0, 1], np.float32)[:, None, None]
    np.testing.assert_allclose(out, want, atol=1e-6)


def test_region_map_without_strokes_is_zero() -> None:
    out = F.region_colour_map(sky_over_sea(), rgba(8, 8))
    assert not out.any()


def test_region_map_mood_fills_the_regions_without_strokes_at_mood_weight() -> None:
    index = sky_over_sea(4, 4)
    strokes = rgba(4, 4)
    strokes[0, 0] = RED  # the sky is the user's; the sea takes the mood
    mood = np.full((16, 3), np.nan, np.float32)
    mood[1] = (0.1, 0.2, 0.3)
    mood[7] = (0.0, 0.5, 1.0)
    out = F.region_colour_map(index, strokes, mood)
    np.testing.assert_allclose(out[:, 0, 0], [1, 1, 0, 0])
    np.testing.assert_allclose(out[:, 3, 3], [F.MOOD_WEIGHT, 0, 0.5, 1])
    no_sea = mood.copy()
    no_sea[7] = np.nan  # no opinion about a class: its regions stay empty
    assert not F.region_colour_map(index, strokes, no_sea)[:, 2:].any()
    only_mood = F.region_colour_map(index, rgba(4, 4), mood)
    np.testing.assert_allclose(only_mood[:, 0, 0], [F.MOOD_WEIGHT, 0.1, 0.2, 0.3], atol=1e-6)


def test_build_conditioning_shapes_and_parts() -> None:
    index = sky_over_sea(20, 31)
    strokes = rgba(20, 31)
    strokes[2:4, 3:6] = (200, 100, 50, 255)
    strokes[6:8, 22:26] = (30, 60, 200, 255)  # two colours in the sky: the cell hints stay
    cond = F.build_conditioning(index, strokes)
    assert cond.feature.shape == (9, 9, 8) and cond.feature.dtype == np.float32
    assert cond.latent.shape == (648,) and cond.latent.dtype == np.float32
    assert cond.maps.shape == (8, 20, 31) and cond.maps.dtype == np.float32
    np.testing.assert_array_equal(cond.latent, cond.feature.reshape(-1))
    np.testing.assert_array_equal(cond.maps[:4], F.hint_maps(cond.feature, 20, 31))
    assert cond.maps[0].max() == pytest.approx(1.0) and cond.maps[0].min() == 0
    np.testing.assert_array_equal(cond.maps[4:], F.region_colour_map(index, strokes))
    assert cond.maps[4, :10].all() and not cond.maps[4, 10:].any()


def test_build_conditioning_without_strokes_is_all_zero() -> None:
    cond = F.build_conditioning(sky_over_sea(16, 24), None, s=4)
    assert cond.feature.shape == (4, 4, 8) and cond.latent.shape == (128,)
    assert cond.maps.shape == (8, 16, 24) and cond.maps.dtype == np.float32
    assert not cond.feature.any() and not cond.latent.any() and not cond.maps.any()


def test_build_conditioning_rejects_different_sizes() -> None:
    with pytest.raises(ValueError, match="same"):
        F.build_conditioning(sky_over_sea(8, 8), rgba(8, 9))


def test_features_command_prints_and_saves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from paintboard import cli, images

    img = rgba(20, 31)
    img[8:11, 27:31] = (10, 20, 30, 255)
    images.save_png(tmp_path / "s.png", img)
    assert cli.main(["features", str(tmp_path / "s.png"), "-o", str(tmp_path / "out" / "f")]) == 0
    printed = capsys.readouterr().out
    assert "  4   8   0.000  0.000  1.000  1.000  0.039 0.078 0.118  #0a141e" in printed
    saved = np.load(tmp_path / "out" / "f.npy")
    np.testing.assert_array_equal(saved, F.color_feature(img))
    doc = json.loads((tmp_path / "out" / "f.json").read_text())
    assert doc["cells"] == [
        {"row": 4, "col": 8, "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}
        | {"r": 0.039216, "g": 0.078431, "b": 0.117647, "hex": "#0a141e"}
    ]
    assert images.load_rgba(tmp_path / "out" / "f.png").shape[1] >= 512


def test_no_stroke_layer_is_the_same_as_an_empty_one_also_with_a_mood() -> None:
    index = sky_over_sea(16, 24)
    mood = np.full((16, 3), np.nan, np.float32)
    mood[1] = (0.2, 0.4, 0.6)
    for m in (None, mood):
        a = F.build_conditioning(index, None, 9, m)
        b = F.build_conditioning(index, rgba(16, 24), 9, m)
        np.testing.assert_array_equal(a.maps, b.maps)
        np.testing.assert_array_equal(a.latent, b.latent)
    assert a.maps[4, 0, 0] == F.MOOD_WEIGHT and not a.maps[4, -1, 0]


def _dab(img: np.ndarray, y: int, x: int, r: int, rgb: tuple[int, int, int]) -> None:
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    img[(yy - y) ** 2 + (xx - x) ** 2 <= r * r] = (*rgb, 255)


def test_one_dab_in_a_region_gives_no_cell_hints_the_region_map_already_says_it() -> None:
    # the ghost-box fix: one orange dab over several cells of a sky; its colour reaches the
    # generator through the region map only, not again as cell rectangles
    index = np.zeros((90, 120), np.uint8)
    index[60:] = 5
    strokes = np.zeros((90, 120, 4), np.uint8)
    _dab(strokes, 20, 50, 12, (255, 140, 0))
    assert F.color_feature(strokes, 9)[..., 0].sum() >= 4  # the seed's extractor marks cells
    cond = F.build_conditioning(index, strokes, 9)
    assert cond.feature[..., 0].sum() == 0 and not cond.latent.any() and not cond.maps[:4].any()
    sky = index == 0
    assert (cond.maps[4][sky] == 1).all()
    np.testing.assert_allclose(cond.maps[5:8, 0, 0], np.array([255, 140, 0]) / 255, atol=1e-6)


def test_cell_hints_stay_where_they_say_more_than_the_region_map() -> None:
    index = np.zeros((90, 120), np.uint8)
    strokes = np.zeros((90, 120, 4), np.uint8)
    _dab(strokes, 15, 15, 5, (255, 140, 0))  # two colours near each other in one region: the
    _dab(strokes, 30, 40, 5, (40, 60, 220))  # map blends them, so it does not say either exactly
    grad = np.zeros((90, 120, 4), np.uint8)  # one stroke, two colours along it
    grad[40:44, 10:60] = (250, 20, 20, 255)
    grad[40:44, 60:110] = (20, 250, 20, 255)
    for st in (strokes, grad):
        seed = F.color_feature(st, 9)
        kept = F.build_conditioning(index, st, 9).feature
        assert kept[..., 0].sum() > 0
        # a kept cell is the seed's cell, unchanged; a dropped one is all zeros
        for r, c in zip(*np.nonzero(seed[..., 0]), strict=True):
            assert np.array_equal(kept[r, c], seed[r, c]) or not kept[r, c].any()
    # the two-dab case keeps every cell: each dab's colour differs from the blend at its pixels
    # (two dabs far apart would not: near each, the blend is that dab's colour)
    assert (
        F.build_conditioning(index, strokes, 9).feature[..., 0].sum()
        == F.color_feature(strokes, 9)[..., 0].sum()
    )
