"""Per-scene, per-region base colours drawn from WIDE distributions.

The generator is trained to follow a user's colour dabs, so every region must be seen in many
colours: each class has a few natural anchors (HSV) that are jittered broadly, and with
probability ``WILD_P`` a region gets a colour far from nature (any hue) so an orange sea or a
purple mountain is in-distribution too.
"""

from __future__ import annotations

import colorsys
from contextvars import ContextVar

import numpy as np

WILD_P = 0.6  # per region, inside a "wild" scene
WILD_SCENE_P = 0.25  # share of scenes whose colours may leave nature
NATURAL_WILD_P = 0.04  # a rare odd region even in a natural scene

# set per scene by generate_scene (a ContextVar, so concurrent generators never interfere)
_scene_wild_p: ContextVar[float] = ContextVar("scene_wild_p", default=WILD_P)


def begin_scene(rng: np.random.Generator) -> bool:
    """Decide whether this scene is a wild-colour one; later region colours follow it."""
    wild = bool(rng.random() < WILD_SCENE_P)
    _scene_wild_p.set(WILD_P if wild else NATURAL_WILD_P)
    return wild


# class name -> natural HSV anchors (h in [0, 1))
ANCHORS: dict[str, list[tuple[float, float, float]]] = {
    "mountain": [
        (0.08, 0.30, 0.45),
        (0.60, 0.25, 0.50),
        (0.75, 0.25, 0.45),
        (0.04, 0.45, 0.45),
        (0.0, 0.0, 0.38),
        (0.10, 0.20, 0.55),
    ],
    "hill": [
        (0.25, 0.50, 0.50),
        (0.18, 0.55, 0.50),
        (0.12, 0.60, 0.65),
        (0.07, 0.50, 0.45),
        (0.38, 0.35, 0.45),
        (0.28, 0.60, 0.35),
    ],
    "rock": [
        (0.0, 0.0, 0.50),
        (0.08, 0.15, 0.50),
        (0.60, 0.10, 0.35),
        (0.04, 0.50, 0.55),
        (0.1, 0.1, 0.65),
    ],
    "snow": [(0.60, 0.06, 0.95), (0.60, 0.15, 0.90), (0.08, 0.12, 0.93)],
    "sea": [
        (0.62, 0.85, 0.50),
        (0.50, 0.70, 0.65),
        (0.63, 0.80, 0.25),
        (0.45, 0.60, 0.45),
        (0.58, 0.20, 0.50),
        (0.55, 0.9, 0.6),
    ],
    "lake": [
        (0.58, 0.60, 0.60),
        (0.40, 0.50, 0.35),
        (0.50, 0.50, 0.55),
        (0.12, 0.40, 0.40),
        (0.62, 0.5, 0.3),
    ],
    "river": [(0.57, 0.55, 0.70), (0.50, 0.45, 0.60), (0.40, 0.35, 0.50), (0.10, 0.35, 0.50)],
    "grass": [
        (0.25, 0.75, 0.60),
        (0.20, 0.70, 0.70),
        (0.12, 0.65, 0.75),
        (0.10, 0.40, 0.60),
        (0.30, 0.70, 0.40),
        (0.22, 0.6, 0.5),
    ],
    "tree": [
        (0.30, 0.65, 0.40),
        (0.38, 0.50, 0.30),
        (0.13, 0.85, 0.75),
        (0.07, 0.85, 0.70),
        (0.01, 0.80, 0.60),
        (0.23, 0.60, 0.55),
        (0.33, 0.6, 0.25),
    ],
    "bush": [
        (0.20, 0.55, 0.40),
        (0.28, 0.60, 0.45),
        (0.02, 0.60, 0.50),
        (0.14, 0.70, 0.60),
        (0.3, 0.5, 0.3),
    ],
    "flowers": [
        (0.0, 0.85, 0.85),
        (0.14, 0.90, 0.95),
        (0.78, 0.60, 0.70),
        (0.90, 0.50, 0.90),
        (0.0, 0.0, 0.97),
        (0.62, 0.60, 0.80),
        (0.07, 0.90, 0.95),
        (0.83, 0.7, 0.8),
    ],
    "sand": [
        (0.10, 0.35, 0.85),
        (0.08, 0.45, 0.75),
        (0.12, 0.15, 0.92),
        (0.08, 0.40, 0.55),
        (0.05, 0.5, 0.7),
    ],
    "earth": [
        (0.07, 0.55, 0.45),
        (0.06, 0.40, 0.30),
        (0.03, 0.65, 0.50),
        (0.09, 0.35, 0.60),
        (0.08, 0.3, 0.4),
    ],
}

# sky gradients: (name, zenith RGB, horizon RGB, cloud lit RGB, cloud shade RGB, light RGB)
SKIES: list[tuple[str, tuple, tuple, tuple, tuple, tuple]] = [
    ("day", (40, 100, 200), (170, 210, 240), (250, 250, 252), (170, 180, 200), (1.0, 1.0, 0.97)),
    ("clear", (15, 60, 170), (130, 185, 235), (255, 255, 255), (160, 175, 205), (1.0, 1.0, 1.0)),
    ("dusk", (55, 65, 140), (250, 150, 60), (255, 180, 110), (120, 80, 110), (1.0, 0.8, 0.6)),
    ("sunset", (90, 40, 90), (245, 90, 35), (255, 140, 80), (110, 50, 70), (1.0, 0.7, 0.5)),
    ("pink", (120, 110, 190), (245, 165, 185), (255, 200, 215), (150, 120, 160), (1.0, 0.88, 0.9)),
    ("purple", (45, 25, 95), (185, 100, 170), (220, 150, 200), (90, 60, 110), (0.85, 0.7, 0.9)),
    (
        "overcast",
        (125, 130, 140),
        (190, 190, 195),
        (215, 215, 220),
        (120, 122, 130),
        (0.85, 0.86, 0.9),
    ),
    ("storm", (55, 60, 70), (130, 135, 140), (150, 150, 160), (60, 62, 72), (0.6, 0.62, 0.68)),
    ("night", (5, 10, 30), (30, 45, 85), (60, 70, 100), (15, 20, 40), (0.5, 0.55, 0.75)),
    ("dawn", (100, 150, 210), (250, 220, 150), (255, 240, 210), (170, 160, 180), (1.0, 0.95, 0.85)),
    ("haze", (150, 180, 205), (225, 225, 215), (245, 245, 240), (190, 190, 195), (1.0, 1.0, 0.95)),
]
SKY_WEIGHTS = np.array([3, 2, 2, 1.5, 1, 1, 1.5, 0.6, 0.7, 1, 1], dtype=np.float64)


def hsv(h: float, s: float, v: float) -> np.ndarray:
    """HSV (h wraps) to an RGB float32 vector in [0, 1]."""
    return np.array(
        colorsys.hsv_to_rgb(h % 1.0, float(np.clip(s, 0, 1)), float(np.clip(v, 0, 1))),
        np.float32,
    )


def region_colour(rng: np.random.Generator, cls: str, wild_p: float | None = None) -> np.ndarray:
    """A base colour for one region: a jittered natural anchor, or with ``wild_p`` any hue.

    ``wild_p`` defaults to the current scene's setting (see :func:`begin_scene`).
    """
    if wild_p is None:
        wild_p = _scene_wild_p.get()
    if rng.random() < wild_p:
        return hsv(rng.random(), rng.uniform(0.25, 0.95), rng.uniform(0.25, 0.95))
    anchors = ANCHORS[cls]
    h, s, v = anchors[rng.integers(len(anchors))]
    return hsv(
        h + rng.normal(0, 0.035),
        s * rng.uniform(0.65, 1.3),
        v * rng.uniform(0.7, 1.25),
    )


def jitter(rng: np.random.Generator, rgb: np.ndarray, amount: float = 0.06) -> np.ndarray:
    """Small per-object variation around a region's colour (tree to tree, bush to bush)."""
    return np.clip(
        rgb * rng.uniform(1 - amount * 2, 1 + amount * 2) + rng.normal(0, amount, 3), 0, 1
    ).astype(np.float32)


def shift_hsv(rng: np.random.Generator, rgb: np.ndarray, hue: float, sat: float, val: float):
    """Randomly move a colour in HSV by up to the given amounts (sky palettes per scene)."""
    h, s, v = colorsys.rgb_to_hsv(*[float(c) for c in rgb])
    return hsv(
        h + rng.uniform(-hue, hue),
        s * rng.uniform(1 - sat, 1 + sat),
        v * rng.uniform(1 - val, 1 + val),
    )


def sample_sky(rng: np.random.Generator, wild: bool = False) -> dict[str, np.ndarray | str | float]:
    """Pick a sky mood (zenith, horizon, cloud colours, scene light) with a per-scene shift.

    Half the skies of wild scenes (and a few others) get a random hue rotation on top, so green,
    red or violet skies also exist for a user who paints one.
    """
    i = rng.choice(len(SKIES), p=SKY_WEIGHTS / SKY_WEIGHTS.sum())
    name, top, hor, lit, shade, light = SKIES[i]
    rot = rng.uniform(-0.5, 0.5) if rng.random() < (0.5 if wild else 0.08) else 0.0
    out: dict[str, np.ndarray | str | float] = {"name": name, "hue_turn": rot}
    for key, rgb in (("top", top), ("horizon", hor), ("cloud_lit", lit), ("cloud_shade", shade)):
        c = np.array(rgb, np.float32) / 255.0
        h, s, v = colorsys.rgb_to_hsv(*[float(x) for x in c])
        out[key] = hsv(
            h + rot + rng.normal(0, 0.03), s * rng.uniform(0.75, 1.25), v * rng.uniform(0.85, 1.12)
        )
    out["light"] = np.clip(np.array(light, np.float32) * rng.uniform(0.9, 1.1, 3), 0.2, 1.1)
    return out
