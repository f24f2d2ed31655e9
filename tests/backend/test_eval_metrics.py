"""Issue 13's metrics on pictures whose answer is known: stripes, patch SWD, bleed, the table."""

from __future__ import annotations

import numpy as np
import pytest
from paintboard import features, palette
from paintboard.evaluation import colour, report, stripes, swd
from paintboard.evaluation.scenes import ORANGE, held_out_scenes, shape_size, sky_dab
from paintboard.evaluation.sheet import save_jpeg

SKY, GRASS, SEA, TREE = (palette.BY_NAME[n].id for n in ("sky", "grass", "sea", "tree"))


def _noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8)


def _vertical_stripes(h: int, w: int, seed: int = 0) -> np.ndarray:
    cols = np.random.default_rng(seed).integers(0, 256, (1, w, 1))
    return np.repeat(np.repeat(cols, h, 0), 3, 2).astype(np.uint8)


def test_stripe_index_is_one_for_streaks_and_about_one_over_rows_for_noise() -> None:
    idx = np.full((128, 128), SKY, np.uint8)
    rows = 128 - 2 * stripes.ERODE
    noise = stripes.stripe_index(_noise(128, 128), idx)
    assert 0.3 / rows < noise["columns"] < 1.5 / rows
    assert 0.3 / rows < noise["rows"] < 1.5 / rows
    v = stripes.stripe_index(_vertical_stripes(128, 128), idx)
    assert v["columns"] == pytest.approx(1.0) and v["rows"] < 0.01
    h = stripes.stripe_index(_vertical_stripes(128, 128).transpose(1, 0, 2).copy(), idx)
    assert h["rows"] == pytest.approx(1.0) and h["columns"] < 0.01


def test_stripe_index_is_per_region_and_ignores_the_borders_between_regions() -> None:
    # flat colour per region: the only high-pass energy sits at the region border, which the
    # 4-px erosion removes; a vertical border would otherwise look like a perfect streak
    idx = np.full((96, 96), SKY, np.uint8)
    idx[:, 48:] = GRASS
    flat = np.zeros((96, 96, 3), np.uint8)
    flat[:, 48:] = 200
    noisy = flat.astype(np.int64) + _noise(96, 96) // 16
    s = stripes.stripe_sums(noisy.astype(np.uint8), idx)
    plain = stripes.stripe_sums(_noise(96, 96) // 16, idx)
    assert s["columns"][0] / s["columns"][1] < 0.05
    assert s["columns"][1] == pytest.approx(plain["columns"][1], rel=0.35)  # no border energy
    # columns with fewer than MIN_COUNT region pixels do not count: a 20-row region is ignored
    idx2 = np.full((96, 96), SKY, np.uint8)
    idx2[:28] = GRASS  # 28 rows - 2 * 4 eroded = 20 < 24
    only = stripes.stripe_sums(_vertical_stripes(96, 96), idx2)
    sky_only = stripes.stripe_sums(_vertical_stripes(96, 96), np.where(idx2 == SKY, SKY, 0))
    assert only["columns"] == pytest.approx(sky_only["columns"])


def test_laplacian_pyramid_levels_add_back_to_the_image() -> None:
    img = _noise(181, 256).astype(np.float32)  # portrait-odd sizes on purpose
    assert swd.num_levels(256) == 5 and swd.num_levels(512) == 6
    pyr = swd.laplacian_pyramid(img, 5)
    assert [p.shape[:2] for p in pyr] == [(181, 256), (91, 128), (46, 64), (23, 32), (12, 16)]
    rec = pyr[-1]
    for band in reversed(pyr[:-1]):
        rec = band + swd._up(rec, band.shape)
    np.testing.assert_allclose(rec, img, atol=1e-2)


def test_patch_swd_is_zero_for_identical_sets_and_grows_with_streaks() -> None:
    a = [_noise(64, 64, i) // 4 + 100 for i in range(6)] + [_noise(45, 64, 9) // 4 + 100]
    same = swd.patch_swd(a, [x.copy() for x in a])
    assert list(same) == ["64", "32", "16"] and all(v == 0 for v in same.values())
    other = swd.patch_swd(a, [_noise(*x.shape[:2], 50 + i) // 4 + 100 for i, x in enumerate(a)])
    streaky = swd.patch_swd(
        a, [_vertical_stripes(*x.shape[:2], i) // 4 + 100 for i, x in enumerate(a)]
    )
    assert all(v > 0 for v in other.values())
    assert streaky["64"] > 3 * other["64"]  # same-distribution noise is close, streaks are not
    # per-set normalisation: a global brightness/contrast change alone costs nothing
    scaled = swd.patch_swd(a, [(x.astype(np.int64) * 2 - 100).astype(np.uint8) for x in a])
    assert scaled["64"] == pytest.approx(0.0, abs=1e-6)


def _scene() -> tuple[np.ndarray, np.ndarray]:
    idx = np.full((80, 96), SKY, np.uint8)
    idx[35:, :] = GRASS
    idx[35:, 60:] = SEA
    idx[50:70, 10:30] = TREE
    rgb = np.zeros((80, 96, 3), np.uint8)
    for cls in (SKY, GRASS, SEA, TREE):
        rgb[idx == cls] = palette.PALETTE[cls].rgb
    return rgb, idx


def _region_true(index: np.ndarray, strokes: np.ndarray | None, seed: int) -> np.ndarray:
    """A fake generator that keeps each stroke's colour inside its region: bleed must be 0."""
    out = np.stack([palette.PALETTE[c].rgb for c in range(palette.NUM_CLASSES)])[index]
    out = out.astype(np.float64) + seed  # the seed changes the picture, not the bleed
    if strokes is not None:
        m = features.region_colour_map(index, strokes)
        out[m[0] > 0] = m[1:4].transpose(1, 2, 0)[m[0] > 0] * 255
    return np.clip(out, 0, 255).astype(np.uint8)


def _leaky(index: np.ndarray, strokes: np.ndarray | None, seed: int) -> np.ndarray:
    """A fake generator that tints the whole picture with the strokes' mean colour."""
    out = _region_true(index, strokes, seed).astype(np.float64)
    if strokes is not None and (strokes[..., 3] > 0).any():
        out = 0.7 * out + 0.3 * strokes[strokes[..., 3] > 0, :3].mean(0)
    return out.astype(np.uint8)


def test_with_class_colours_moves_each_class_mean_and_keeps_the_grain() -> None:
    idx = np.zeros((32, 40), np.uint8)
    idx[16:] = GRASS
    idx[:16] = SKY
    grain = _noise(32, 40, 1) // 8 + 100  # 100…131 in every class: texture, mean ~115.5
    colours = np.zeros((32, 40, 3), np.uint8)
    colours[:16] = (200, 120, 40)  # an orange sky
    colours[16:] = (30, 90, 20)
    out = swd.with_class_colours(grain, colours, idx)
    assert np.abs(out[:16].reshape(-1, 3).mean(0) - (200, 120, 40)).max() < 1.0
    assert np.abs(out[16:].reshape(-1, 3).mean(0) - (30, 90, 20)).max() < 1.0
    # the grain survives, scaled with the colour: a brighter channel keeps more of it
    assert out[:16, :, 0].std() > out[:16, :, 2].std() > 0
    # a picture in its own colours is itself
    assert np.array_equal(swd.with_class_colours(grain, grain, idx), grain)
    with pytest.raises(ValueError, match="shapes differ"):
        swd.with_class_colours(grain, colours[:8], idx)


def test_bleed_is_zero_when_the_dab_stays_in_its_region_and_positive_when_it_leaks() -> None:
    scenes = [_scene(), _scene()]
    strokes, region = sky_dab(scenes[0][1], np.random.default_rng(0))
    assert (strokes[..., 3] > 0).any() and not ((strokes[..., 3] > 0) & ~region).any()
    assert (strokes[strokes[..., 3] > 0, :3] == ORANGE).all()
    clean = colour.measure_bleed(scenes, _region_true, [0, 1])
    assert clean["mean"] == 0.0 and clean["scenes"] == 2
    # grass and tree judged; sky (the dabbed class) and sea (water) are not
    assert set(clean["by_class"]) == {"grass", "tree"} and clean["regions"] == 4
    leak = colour.measure_bleed(scenes, _leaky, [0, 1])
    assert leak["mean"] > 5 and leak["max"] >= leak["mean"]
    no_sky = (np.full((40, 40, 3), 90, np.uint8), np.full((40, 40), GRASS, np.uint8))
    assert colour.measure_bleed([no_sky], _leaky, [0])["scenes"] == 0


def test_hinted_cell_error_uses_the_feature_rectangles() -> None:
    rgb, idx = _scene()
    strokes = np.zeros((80, 96, 4), np.uint8)
    strokes[2:6, 3:9] = (200, 30, 30, 255)
    exact = np.zeros_like(rgb)
    exact[2:6, 3:9] = (200, 30, 30)
    wrong = exact.copy()
    wrong[2:6, 3:9] = (30, 30, 200)
    (ok,), (bad,) = colour.hinted_cell_errors(strokes, [exact, wrong], 9)
    assert ok == pytest.approx(0.0, abs=1e-6) and bad > 30


def test_held_out_scenes_cycle_through_the_three_shapes_at_the_working_size() -> None:
    assert shape_size("portrait", 256) == (256, 181) and shape_size("landscape", 256) == (192, 256)
    scenes = held_out_scenes(3, 64)
    assert [s.shape for s in scenes] == ["landscape", "square", "portrait"]
    assert [s.index.shape for s in scenes] == [(48, 64), (64, 64), (64, 45)]
    assert all(s.rgb.shape == (*s.index.shape, 3) and s.seed >= 1_000_000 for s in scenes)


def _results(swd_fine: float, stripe: float = 0.05) -> dict:
    levels = {"256": swd_fine, "128": swd_fine, "64": 1.0}
    return {
        "held_out": {"settings": {"count": 48, "size": 256, "seed": 1, "render_scale": 2}},
        "stripe_index": {
            "ground_truth": {"columns": 0.04, "rows": 0.2},
            "none": {"columns": stripe, "rows": 0.2},
            "strokes": {"columns": stripe, "rows": 0.2},
        },
        "patch_swd": {"none": levels, "strokes": levels},
        "bleed": {"mean": 3.0},
        "hint_colour": {"with": 2.0, "without": 20.0},
        "colour_spread": {"with": 6.0, "without": 40.0},
        "label_fidelity": {"256": {"ratio": 0.9}, "512": {"ratio": 0.86}, "segmenter": {}},
    }


def test_report_judges_against_truth_bounds_and_the_before_file() -> None:
    before = _results(100.0)
    alone = report.judge(_results(50.0))
    swd_rows = [c for c in alone["checks"] if c["key"].startswith("swd")]
    assert len(swd_rows) == 4 and all(c["pass"] is None for c in swd_rows)  # the two finest
    assert not alone["all_pass"]
    good = report.judge(_results(50.0), before)
    assert good["all_pass"] and good["before"]["comparable"]
    assert not report.judge(_results(70.0), before)["all_pass"]  # 0.7x before > 0.6x
    assert not report.judge(_results(50.0, stripe=0.07), before)["all_pass"]  # > 1.5 x 0.04
    other = _results(100.0)
    other["held_out"]["settings"]["count"] = 12
    assert not report.judge(_results(50.0), other)["before"]["comparable"]


def test_save_jpeg_keeps_under_the_byte_budget(tmp_path) -> None:
    img = _noise(300, 400)
    n = save_jpeg(tmp_path / "s.jpg", img, 40_000)
    assert n <= 40_000 and (tmp_path / "s.jpg").stat().st_size == n


def test_variation_is_zero_for_the_same_picture_and_grows_with_a_new_colour() -> None:
    rgb, idx = _scene()
    same = colour.variation([rgb], [rgb.copy()], [idx])
    assert same == {"pixels": 0.0, "regions": 0.0}
    tinted = (rgb.astype(np.float64) * 0.6 + np.array(ORANGE) * 0.4).astype(np.uint8)
    moved = colour.variation([rgb], [tinted], [idx])
    assert moved["pixels"] > 10 and moved["regions"] > 10


def test_the_shipped_before_file_matches_the_default_eval_settings() -> None:
    """Changing the default held-out set would silently turn every 'x before' target to n/a."""
    import json
    from dataclasses import asdict

    from paintboard.commands.eval import default_before
    from paintboard.evaluation.evaluate import EvalSettings

    before = json.loads(default_before().read_text())
    now = {"held_out": {"settings": asdict(EvalSettings())}}
    assert report.comparable(now, before)
    assert set(before["patch_swd"]["none"]) == {"256", "128", "64", "32", "16"}
