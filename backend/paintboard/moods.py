"""Moods: per-class colour schemes of whole scenes, for the regions nobody dabbed.

Without strokes a generator has to invent every colour from a 64-d seed, and trained with the
colours of a few hints only it learns one safe average look (streaky, grey-green) — or, worse,
lets one orange dab in the sky tint the grass (bleed).  A *mood* is the per-class mean colour of
one scene (in training: the item's own scene).  The engine picks one by the request's seed and
hands it to :func:`paintboard.features.build_conditioning`, which fills every region without a
stroke with its class's mood colour at a lower mask weight: a first Draw! gets a coherent colour
scheme, *Variation* (a new seed) a new one, and a dab changes its own region only.

The shipped bank is made once from natural synthetic scenes (:func:`natural_bank`, built on
:func:`build_bank`) and travels in the model card under :data:`CARD_KEY`, so weights and their
moods can never be separated.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

CARD_KEY = "moods"
BANK_SIZE = 64  # moods in a model card (Variation cycles through them)
MIN_PIXELS = 64  # a class needs this many pixels in a scene before its mean means anything


def class_means(rgb: np.ndarray, index: np.ndarray, num_classes: int) -> np.ndarray:
    """(num_classes, 3) float32 mean colour in [0, 1] of each class in one scene; NaN if absent.

    Also the training-time mood: the scene's own colours, so the generator learns that a mood
    colour is the region's mean colour.
    """
    flat = index.reshape(-1).astype(np.int64)
    flat = np.minimum(flat, num_classes - 1)
    count = np.bincount(flat, minlength=num_classes).astype(np.float64)
    pix = rgb[..., :3].reshape(-1, 3).astype(np.float64)
    sums = np.stack([np.bincount(flat, weights=pix[:, c], minlength=num_classes) for c in range(3)])
    out = np.full((num_classes, 3), np.nan, dtype=np.float32)
    ok = count >= MIN_PIXELS
    out[ok] = (sums[:, ok] / count[ok] / 255.0).T
    return out


def build_bank(
    scenes: Iterable[tuple[np.ndarray, np.ndarray]],
    num_classes: int,
    size: int = BANK_SIZE,
    worst: bool = False,
) -> list[list[list[float]]]:
    """The ``size`` most typical moods of the given (rgb, index) scenes, gaps filled.

    The synthetic training set varies colours widely on purpose (pink skies, violet trees teach
    the generator to follow any dab), but a first Draw! should look like a landscape: each
    scene is scored by the mean distance of its class colours to the per-class median over all
    scenes, and the ``size`` closest are kept — still many lights and seasons, no pink forest.
    Pass about four times ``size`` scenes.  A class absent from a kept scene takes the class's
    median, so every mood has an opinion about every class seen in training (void and
    never-seen classes stay None).  ``worst`` scores a scene by its farthest class instead of
    the mean, so one odd region (a red meadow under a blue sky) is enough to leave it out.
    """
    means = [class_means(rgb, index, num_classes) for rgb, index in scenes]
    if not means:
        raise ValueError("build_bank needs at least one scene")
    stack = np.stack(means)  # (n, classes, 3)
    with warnings.catch_warnings():  # a class absent from every scene: an all-NaN median
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(stack, axis=0)
        per_class = np.linalg.norm(stack - median[None], axis=2)
        dist = (np.nanmax if worst else np.nanmean)(per_class, axis=1)
    dist = np.where(np.isnan(dist), np.inf, dist)
    keep = np.sort(np.argsort(dist, kind="stable")[:size])  # in scene order: seeds stay stable
    out: list[list[Any]] = []
    for m in stack[keep]:
        filled = np.where(np.isnan(m), median, m)
        out.append([None if np.isnan(c).any() else [round(float(v), 4) for v in c] for c in filled])
    return out


# The lights a first Draw! may come in, and how often (the synth's sky names).  Purple, pink,
# storm and night skies stay in training — a user may paint one — but are no default.
NATURAL_LIGHTS: dict[str, float] = {
    "day": 5.0,
    "clear": 3.0,
    "dusk": 1.5,
    "dawn": 1.5,
    "haze": 1.5,
    "overcast": 1.5,
    "sunset": 1.0,
}
NATURAL_SEED = 7_000_000  # the synth seeds the bank's scenes come from (not the eval's)
NATURAL_RENDER = 128  # a class's mean colour hardly depends on the render size


def natural_bank(
    num_classes: int,
    size: int = BANK_SIZE,
    lights: Mapping[str, float] = NATURAL_LIGHTS,
    seed0: int = NATURAL_SEED,
) -> list[list[list[float]]]:
    """``size`` moods from natural synthetic scenes, in ``lights``' shares, interleaved.

    Why not the training set's most typical scenes: that set is colourful on purpose, and the
    median of day, dusk and purple skies is a violet dusk — every first Draw! came out in it,
    with dark grey lakes.  Here each mood is one scene of the synth whose colours stayed natural
    (:func:`paintboard.synth.scene.scene_light`), the most typical of its light; the bank is
    ordered so that seed 0 is the largest light (a day) and consecutive seeds change the light.
    """
    key = (num_classes, size, tuple(lights.items()), seed0)
    if key not in _NATURAL_BANKS:  # seconds of rendering; a run or a test session asks often
        _NATURAL_BANKS[key] = _natural_bank(num_classes, size, lights, seed0)
    return copy.deepcopy(_NATURAL_BANKS[key])


_NATURAL_BANKS: dict[tuple, list] = {}


def _natural_bank(
    num_classes: int, size: int, lights: Mapping[str, float], seed0: int
) -> list[list[list[float]]]:
    from paintboard.synth.colours import SKIES
    from paintboard.synth.scene import generate_scene, scene_light

    unknown = sorted(set(lights) - {sky[0] for sky in SKIES})
    if unknown or not lights or min(lights.values()) <= 0:
        # a name the synth never draws would be searched for forever
        raise ValueError(f"lights must be positive shares of synth skies; bad: {unknown or lights}")
    total = sum(lights.values())
    quota = {name: max(1, round(size * w / total)) for name, w in lights.items()}
    while sum(quota.values()) > size:  # rounding: take from the largest
        quota[max(quota, key=quota.__getitem__)] -= 1
    while sum(quota.values()) < size:
        quota[max(quota, key=quota.__getitem__)] += 1
    seeds: dict[str, list[int]] = {name: [] for name in lights}
    seed = seed0
    while any(len(seeds[n]) < 4 * quota[n] for n in lights):
        name, natural = scene_light(seed)
        if natural and name in seeds and len(seeds[name]) < 4 * quota[name]:
            seeds[name].append(seed)
        seed += 1
    groups: dict[str, list] = {}
    for name in lights:
        scenes = (generate_scene(s, NATURAL_RENDER, NATURAL_RENDER) for s in seeds[name])
        groups[name] = build_bank(scenes, num_classes, quota[name], worst=True)
    return [groups[name][k] for name, k in _interleave(quota, size)]


def _interleave(quota: Mapping[str, int], size: int) -> list[tuple[str, int]]:
    """(light, k) for each bank slot: every prefix keeps the lights' shares (the eval's first
    48 seeds are a fair sample of the bank), and no light follows itself where another is left
    (*Variation* from any seed changes the light).  Ties go to the light listed first."""
    order = list(quota)
    taken = dict.fromkeys(order, 0)
    out: list[tuple[str, int]] = []
    prev = None
    for i in range(size):
        left = [n for n in order if taken[n] < quota[n]]
        pick = max(
            [n for n in left if n != prev] or left,
            key=lambda n: ((i + 1) * quota[n] / size - taken[n], -order.index(n)),
        )
        out.append((pick, taken[pick]))
        taken[pick] += 1
        prev = pick
    return out


def from_card(card: Mapping[str, Any], num_classes: int) -> np.ndarray | None:
    """The card's bank as a (n, num_classes, 3) float32 array (NaN = no opinion), or None."""
    bank = card.get(CARD_KEY)
    if not bank:
        return None
    arr = np.full((len(bank), num_classes, 3), np.nan, dtype=np.float32)
    for i, mood in enumerate(bank):
        if len(mood) > num_classes:
            raise ValueError(f"model card mood {i} has {len(mood)} classes, model {num_classes}")
        for c, colour in enumerate(mood):
            if colour is not None:
                arr[i, c] = colour
    if not np.all(np.isnan(arr) | ((arr >= 0) & (arr <= 1))):
        raise ValueError("model card moods must be colours in [0, 1]")
    return arr


def pick(bank: np.ndarray | None, seed: int) -> np.ndarray | None:
    """The seed's mood, (num_classes, 3), or None without a bank.  Seed n → mood n mod size,
    so consecutive Variation seeds walk through different moods."""
    if bank is None or len(bank) == 0:
        return None
    return bank[int(seed) % len(bank)]
