"""One landscape from one seed: sky, ranges, water, ground, vegetation, light and haze.

Layers are painted back to front onto a :class:`Canvas`, which keeps the exact label of whatever
painted each pixel last.  All randomness flows from ``np.random.default_rng(seed)``, so a seed
is a complete, reproducible description of a scene.
"""

from __future__ import annotations

import numpy as np

from paintboard.synth.canvas import CLS, Canvas
from paintboard.synth.colours import begin_scene, region_colour, sample_sky
from paintboard.synth.ground import paint_flowers, paint_ground, paint_patches, paint_path
from paintboard.synth.sky import paint_clouds, paint_sky
from paintboard.synth.terrain import paint_ranges
from paintboard.synth.textures import film_grain, phase_shift
from paintboard.synth.vegetation import conifer, paint_treeline, round_tree, scatter
from paintboard.synth.water import paint_lake, paint_river, paint_sea, paint_waterfall

GENERATOR_VERSION = "synth-1.0"
KINDS = ("sea", "lake", "river", "land")
KIND_P = (0.24, 0.22, 0.24, 0.30)


def _hill_trees(rng: np.random.Generator, cv: Canvas, sun: float, colour: np.ndarray) -> None:
    """Small trees dotted over hill slopes (distant forest on a hillside)."""
    H, W = cv.shape
    ys, xs = np.nonzero(cv.lab == CLS["hill"])
    if ys.size == 0:
        return
    n = int(rng.integers(5, 40))
    pick = np.sort(rng.choice(ys.size, size=min(n, ys.size), replace=False))
    conif = rng.random() < 0.6
    for i in pick:
        h = int(H * rng.uniform(0.025, 0.06))
        if h < 3:
            continue
        fn = conifer if conif else round_tree
        alpha, img = fn(rng, h, colour * rng.uniform(0.85, 1.1), sun)
        cv.paint(
            alpha,
            np.clip(img, 0, 1),
            "tree",
            0.7,
            y0=int(ys[i]) - h + 1,
            x0=int(xs[i]) - alpha.shape[1] // 2,
        )


def _opening(rng: np.random.Generator, height: int) -> tuple[int, dict]:
    """The first draws of every scene: its horizon, whether its colours may leave nature, its
    sky.  One function so :func:`scene_light` replays exactly what :func:`generate_scene` drew."""
    horizon = int(height * rng.uniform(0.33, 0.62))
    wild = begin_scene(rng)
    sky = sample_sky(rng, wild)
    sky["wild"] = wild
    return horizon, sky


def scene_light(seed: int) -> tuple[str, bool]:
    """Scene ``seed``'s sky name and whether it is *natural*: no wild colours, no turned sky hue.

    Why: the training set is colourful on purpose (so a dab of any colour is followed), but a
    first Draw! without strokes should take its colours from a natural scene; this tells which
    ones are without rendering them.
    """
    _, sky = _opening(np.random.default_rng(seed), 64)
    return str(sky["name"]), not sky["wild"] and sky["hue_turn"] == 0.0


def generate_scene(
    seed: int, height: int, width: int, phase: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Render scene ``seed`` at height×width: (RGB uint8 H×W×3, class ids uint8 H×W).

    ``phase``: the same scene with its textures slid and its grain redrawn
    (:func:`paintboard.synth.textures.phase_shift`); the labels are identical.
    """
    if height < 16 or width < 16:
        raise ValueError(f"scene size {width}x{height} too small (minimum 16x16)")
    with phase_shift(phase):
        return _generate_scene(seed, height, width)


def _generate_scene(seed: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    H, W = height, width
    cv = Canvas.empty(H, W)
    horizon, sky = _opening(rng, H)
    sun = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5))
    kind = str(rng.choice(KINDS, p=KIND_P))

    paint_sky(rng, cv, sky, horizon)
    paint_clouds(rng, cv, sky, horizon)

    layers: list[str] = []
    if rng.random() < (0.5 if kind == "sea" else 0.7):
        layers += ["mountain"] * int(rng.integers(1, 3))
    if rng.random() < (0.35 if kind == "sea" else 0.6) or (kind == "river" and not layers):
        layers += ["hill"] * int(rng.integers(1, 3))
    skylines = paint_ranges(rng, cv, horizon, sun, layers)

    tree_col = region_colour(rng, "tree")
    if "hill" in layers and rng.random() < 0.45:
        _hill_trees(rng, cv, sun, tree_col)
    if kind != "sea" and rng.random() < 0.5:
        paint_treeline(rng, cv, horizon, sun, tree_col * rng.uniform(0.7, 1.0))

    if kind == "sea":
        floor = "sand"
    else:
        floor = str(rng.choice(["grass", "earth", "sand"], p=[0.75, 0.18, 0.07]))
    paint_ground(rng, cv, horizon, floor)
    if floor == "grass" and rng.random() < 0.45:
        paint_patches(rng, cv, horizon, "earth", rng.uniform(0.05, 0.35))
    elif floor != "grass" and rng.random() < 0.5:
        paint_patches(rng, cv, horizon, "grass", rng.uniform(0.1, 0.5), on=(floor,))

    if kind == "sea":
        paint_sea(rng, cv, horizon)
    elif kind == "lake":
        if rng.random() < 0.4:
            paint_patches(rng, cv, horizon, "sand", rng.uniform(0.05, 0.2), on=("grass", "earth"))
        paint_lake(rng, cv, horizon)
    elif kind == "river":
        x_vp = float(rng.uniform(0.2, 0.8) * W)
        if skylines and rng.random() < 0.45:
            x_vp = paint_waterfall(rng, cv, horizon, skylines[-1], sun)
        paint_river(rng, cv, horizon, x_vp)

    if kind != "sea" and rng.random() < 0.45:
        paint_flowers(rng, cv, horizon, rng.uniform(0.1, 0.5))
    if kind in ("land", "lake") and rng.random() < 0.25:
        paint_path(rng, cv, horizon, "earth" if rng.random() < 0.8 else "sand")

    ground = ("grass", "earth", "flowers", "sand")
    if rng.random() < (0.3 if kind == "sea" else 0.7):
        scatter(
            rng,
            cv,
            horizon,
            sun,
            "tree",
            int(rng.integers(2, 30)),
            ground,
            tree_col,
            (0.6, 1.5),
            far_bias=2.5,
        )
    if rng.random() < 0.55:
        scatter(
            rng,
            cv,
            horizon,
            sun,
            "bush",
            int(rng.integers(2, 15)),
            ground,
            region_colour(rng, "bush"),
            (0.15, 0.4),
        )
    if rng.random() < 0.35:
        scatter(
            rng,
            cv,
            horizon,
            sun,
            "rock",
            int(rng.integers(1, 6)),
            ground + ("sea",),
            region_colour(rng, "rock"),
            (0.1, 0.35),
            far_bias=1.0,
        )

    return _finish(rng, cv, sky), cv.lab.copy()


def _finish(rng: np.random.Generator, cv: Canvas, sky: dict) -> np.ndarray:
    """Scene light, aerial perspective (haze towards the horizon colour) and film grain."""
    H, W = cv.shape
    img = cv.img
    land = (cv.lab != CLS["sky"]) & (cv.lab != CLS["cloud"])
    light = sky["light"] * rng.uniform(0.9, 1.1)
    img[land] *= light
    haze = rng.uniform(0.15, 0.75)
    amount = (haze * cv.depth**1.6 * land)[..., None]
    img += (sky["horizon"] * rng.uniform(0.85, 1.05) - img) * amount
    img += film_grain(rng, (H, W, 1), 0.012)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
