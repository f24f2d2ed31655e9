"""Moods: a seeded per-class colour scheme for the regions without strokes (issue 13 §3)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import torch
from paintboard import features, moods
from paintboard.inference import Engine
from paintboard.nets.config import PRESETS
from paintboard.nets.generator import Generator
from paintboard.weights import save_generator


def scene() -> tuple[np.ndarray, np.ndarray]:
    index = np.full((16, 16), 1, np.uint8)  # sky
    index[8:] = 7  # sea
    rgb = np.zeros((16, 16, 3), np.uint8)
    rgb[:8] = (255, 102, 0)
    rgb[8:, :, 2] = np.arange(16, dtype=np.uint8)[None, :] * 10  # a gradient: mean 75
    return rgb, index


def test_class_means_are_exact_and_absent_classes_are_nan() -> None:
    rgb, index = scene()
    m = moods.class_means(rgb, index, 16)
    np.testing.assert_allclose(m[1], [1.0, 0.4, 0.0], atol=1e-6)
    np.testing.assert_allclose(m[7], [0.0, 0.0, 75 / 255], atol=1e-6)
    assert np.isnan(m[[0, 2, 15]]).all()


def test_bank_keeps_the_most_typical_scenes_in_scene_order() -> None:
    rgb, index = scene()
    pink = rgb.copy()
    pink[:8] = (255, 0, 255)  # an unnatural sky, far from the median
    bank = moods.build_bank([(rgb, index), (pink, index), (rgb, index), (rgb + 1, index)], 16, 3)
    skies = [m[1] for m in bank]
    assert len(bank) == 3 and [1.0, 0.0, 1.0] not in skies
    assert skies[0] == skies[1] == [1.0, 0.4, 0.0]  # scenes 0 and 2, in order


def test_bank_fills_a_class_missing_from_a_scene_with_its_median() -> None:
    rgb, index = scene()
    only_sky = np.ones_like(index)
    bank = moods.build_bank([(rgb, index), (rgb, only_sky), (rgb // 2, index)], 16)
    assert len(bank) == 3 and bank[0][0] is None  # void: never an opinion
    assert bank[1][7] == pytest.approx([0.0, 0.0, round(np.median([75, 37.5]) / 255, 4)], abs=1e-4)
    arr = moods.from_card({moods.CARD_KEY: bank}, 16)
    assert arr.shape == (3, 16, 3) and np.isnan(arr[:, 0]).all()
    assert (
        np.array_equal(moods.pick(arr, 4), arr[1], equal_nan=True) and moods.pick(None, 4) is None
    )


def test_worst_scoring_drops_a_scene_with_one_odd_region() -> None:
    index = np.full((24, 16), 1, np.uint8)  # sky, grass, sea: 128 px each
    index[8:16], index[16:] = 10, 7
    rgb = np.zeros((24, 16, 3), np.uint8)
    rgb[:8], rgb[8:16], rgb[16:] = (60, 100, 160), (60, 140, 30), (20, 60, 90)
    near = [(rgb + d, index) for d in (0, 40, 80)]  # three scenes a little apart everywhere
    odd = rgb + 40
    odd[8:16] = (220, 40, 40)  # the middle scene's sky and sea, but a red meadow
    scenes = [*near, (odd, index)]
    red = [round(v / 255, 4) for v in (220, 40, 40)]
    assert red in [m[10] for m in moods.build_bank(scenes, 16, 3)]  # the mean forgives it
    assert red not in [m[10] for m in moods.build_bank(scenes, 16, 3, worst=True)]


def test_scene_light_replays_what_the_scene_drew(monkeypatch: pytest.MonkeyPatch) -> None:
    from paintboard.synth import scene as synth_scene

    drawn: list[dict] = []
    real = synth_scene.sample_sky

    def spy(rng, wild=False):
        sky = real(rng, wild)
        drawn.append({"name": sky["name"], "natural": not wild and sky["hue_turn"] == 0.0})
        return sky

    monkeypatch.setattr(synth_scene, "sample_sky", spy)
    for seed in range(12):
        synth_scene.generate_scene(seed, 32, 32)
    monkeypatch.undo()
    lights = [synth_scene.scene_light(seed) for seed in range(12)]
    assert lights == [(d["name"], d["natural"]) for d in drawn]
    assert {n for n, _ in lights} != {lights[0][0]} and {ok for _, ok in lights} == {True, False}


def test_natural_bank_takes_natural_scenes_in_the_lights_shares() -> None:
    from paintboard.synth.scene import generate_scene, scene_light

    lights = {"day": 2.0, "dusk": 1.0, "dawn": 1.0}
    bank = moods.natural_bank(16, 8, lights, seed0=500)
    moods._NATURAL_BANKS.clear()
    assert bank == moods.natural_bank(16, 8, lights, seed0=500)  # seeded: no drift
    changed = moods.natural_bank(16, 8, lights, seed0=500)
    changed[0][1] = None  # a caller's copy: the cached bank must not change with it
    assert moods.natural_bank(16, 8, lights, seed0=500) == bank
    # every mood is the class means of one natural day or dusk scene of the synth
    candidates: dict[str, list] = {"day": [], "dusk": [], "dawn": []}
    seed = 500
    while any(len(candidates[n]) < 4 * (4 if n == "day" else 2) for n in candidates):
        name, natural = scene_light(seed)
        if natural and name in candidates:
            rgb, index = generate_scene(seed, moods.NATURAL_RENDER, moods.NATURAL_RENDER)
            candidates[name].append(moods.class_means(rgb, index, 16))
        seed += 1
    sky = 1

    def light_of(mood: list) -> str:
        hits = [
            n
            for n, ms in candidates.items()
            for m in ms
            if np.allclose(m[sky], mood[sky], atol=1e-4)
        ]
        assert len(hits) == 1, "a mood that is no natural scene's own colours"
        return hits[0]

    order = [light_of(m) for m in bank]
    assert sorted(order) == ["dawn"] * 2 + ["day"] * 4 + ["dusk"] * 2  # the shares
    assert order[0] == "day"  # seed 0: the largest light
    assert all(a != b for a, b in pairwise(order))  # Variation changes the light
    assert order[:4].count("day") == 2  # a prefix keeps the shares


@pytest.mark.parametrize("lights", [{"day": 1.0, "sunny": 1.0}, {}, {"day": 0.0}])
def test_natural_bank_refuses_lights_the_synth_never_draws(lights: dict) -> None:
    with pytest.raises(ValueError, match="lights"):
        moods.natural_bank(16, 8, lights)


@pytest.mark.parametrize(
    "bad", [[[[0.1, 0.2, 2.0]]], [[None] * 17]], ids=["out-of-range", "too-many-classes"]
)
def test_a_bad_bank_is_refused(bad) -> None:
    with pytest.raises(ValueError):
        moods.from_card({moods.CARD_KEY: bad}, 16)


@pytest.fixture(scope="module")
def mood_engine(tmp_path_factory) -> Engine:
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    net = Generator(cfg)
    with torch.no_grad():  # let the region colour map drive the picture
        for name, p in net.named_parameters():
            if name.endswith("mod.proj.weight") or "map" in name:
                p.normal_(0, 0.5)
    rgb, index = scene()
    bank = moods.build_bank([(rgb, index), (255 - rgb, index)], cfg.label_nc)
    path = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    save_generator(path, net, cfg, {"trained": False, moods.CARD_KEY: bank})
    return Engine(path, device="cpu")


def test_the_engine_takes_its_mood_from_the_seed(mood_engine: Engine) -> None:
    from paintboard import palette

    labels = np.zeros((32, 32, 4), np.uint8)
    labels[..., 3] = 255
    labels[:16, :, :3] = palette.BY_NAME["sky"].rgb
    labels[16:, :, :3] = palette.BY_NAME["sea"].rgb
    a = mood_engine.generate(labels, None, seed=0, size=32).image
    b = mood_engine.generate(labels, None, seed=2, size=32).image  # 2 mod 2: mood 0 again
    c = mood_engine.generate(labels, None, seed=1, size=32).image  # the other mood
    assert mood_engine.moods is not None and len(mood_engine.moods) == 2
    assert not np.array_equal(a, c)
    # the same mood with another seed differs only by noise; another mood by much more
    assert (
        np.abs(a.astype(int) - c.astype(int)).mean() > np.abs(a.astype(int) - b.astype(int)).mean()
    )


def test_a_dab_overrides_the_mood_in_its_region_only() -> None:
    rgb, index = scene()
    mood = moods.class_means(rgb, index, 16)
    strokes = np.zeros((16, 16, 4), np.uint8)
    strokes[2, 2] = (0, 255, 0, 255)
    maps = features.build_conditioning(index, strokes, 9, mood).maps
    np.testing.assert_allclose(maps[4:, 0, 0], [1, 0, 1, 0])  # the user's sky
    np.testing.assert_allclose(maps[4:, 12, 0], [features.MOOD_WEIGHT, *mood[7]], atol=1e-6)
