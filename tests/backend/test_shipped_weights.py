"""The shipped model: trained, intact, and it does what the README promises.

These run the real ``weights/small.safetensors``; if someone ships an untrained or broken file,
or one that no longer spreads a dab's colour over its region, they fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from paintboard import palette
from paintboard.evaluation.metrics import delta_e_rgb
from paintboard.inference import Engine
from paintboard.weights import default_weights_path, load_generator


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(default_weights_path(), device="cpu", threads=1)


def test_shipped_weights_are_trained_and_meet_their_recorded_targets() -> None:
    _, cfg, card = load_generator(default_weights_path())  # also verifies the sha256
    assert card["trained"] is True and cfg.name == "small"
    assert card["training"]["steps"] > 1000
    results = [m for m in card["metrics"].values() if "hint_colour" in m]
    assert results, "the card carries the paintboard eval results"
    best = results[0]
    assert best["hint_colour"]["with"] <= 10.0
    assert best["hint_colour"]["with"] <= 0.5 * best["hint_colour"]["without"]
    assert best["colour_spread"]["with"] <= 12.0
    assert best["colour_spread"]["with"] <= 0.5 * best["colour_spread"]["without"]
    # issue 13: no streaks, no bleed, labels respected (the README's table, from the card)
    assert best["bleed"]["mean"] <= 5.0
    truth = best["stripe_index"]["ground_truth"]
    for case in ("none", "strokes"):
        for axis in ("columns", "rows"):
            assert best["stripe_index"][case][axis] <= 1.5 * truth[axis], (case, axis)
    assert best["label_fidelity"]["256"]["ratio"] >= 0.85
    assert best["label_fidelity"]["512"]["ratio"] >= 0.85


def test_shipped_weights_carry_natural_moods() -> None:
    from paintboard import moods

    _, cfg, card = load_generator(default_weights_path())
    bank = moods.from_card(card, cfg.label_nc)
    assert bank is not None and len(bank) == 64
    sky = bank[:, palette.BY_NAME["sky"].id]
    # natural lights (moods.natural_bank): mostly blue skies, none purple; seed 0 a blue day
    blue = (sky[:, 2] > sky[:, 0] + 0.1) & (sky[:, 2] >= sky[:, 1])
    assert blue.mean() > 0.6 and blue[0]
    assert not ((sky[:, 0] > sky[:, 1] + 0.1) & (sky[:, 2] > sky[:, 1] + 0.1)).any()


def test_one_orange_dab_turns_the_whole_sky_orange(engine: Engine) -> None:
    """The artist's promise: one small dab in the sky colours the sky, not just the dab."""
    h, w = 96, 128
    sky, grass = palette.BY_NAME["sky"], palette.BY_NAME["grass"]
    labels = np.zeros((h, w, 4), np.uint8)
    labels[..., 3] = 255
    labels[: h // 2, :, :3] = sky.rgb
    labels[h // 2 :, :, :3] = grass.rgb
    orange = (255, 140, 20)
    strokes = np.zeros((h, w, 4), np.uint8)
    strokes[10:14, 20:24] = (*orange, 255)  # a 4×4 dab, 0.13 % of the image

    with_dab = engine.generate(labels, strokes, seed=3, size=128).image
    without = engine.generate(labels, None, seed=3, size=128).image
    sky_mask = np.zeros((h, w), bool)
    sky_mask[: h // 2] = True
    sky_mask[8:16, 18:26] = False  # judge the region, not the dab itself
    target = np.array(orange) / 255.0
    d_with = float(delta_e_rgb(with_dab[sky_mask][:, :3].mean(0) / 255.0, target))
    d_without = float(delta_e_rgb(without[sky_mask][:, :3].mean(0) / 255.0, target))
    print(f"sky ΔE00 to the dab colour: {d_with:.1f} with the dab, {d_without:.1f} without")
    assert d_with < 0.5 * d_without, (d_with, d_without)
    assert d_with < 20.0, d_with
