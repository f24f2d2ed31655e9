"""``paintboard eval``: the generator on held-out scenes, every metric of issue 13 §6, one JSON.

Pictures are made through the inference :class:`~paintboard.inference.Engine` — the path a
user's Draw! takes, at the working size, one picture at a time, scene ``i`` with seed ``i`` — in
fp32 so that numbers repeat on any CPU.  On :func:`scenes.held_out_scenes` (landscape, square
and A4 portrait, seeds never trained on) it makes, per scene: no strokes, user-like dabs of the
ground truth's colours ("strokes"), 25 % and 100 % cell hints, 1–2 dabs of an unnatural colour
and one orange sky dab; and the no-stroke picture again at the large working size.  Each metric
module then reads these sets:

* :mod:`.stripes` — stripe index, columns and rows, no strokes / strokes / ground truth;
* :mod:`.swd` — patch sliced Wasserstein distance to the ground truth per pyramid level;
* :mod:`.colour` — hinted-cell error, dab → region, bleed, variation (a second seed);
* :mod:`.fidelity` — segmenter mIoU ratio at both working sizes;
* :mod:`.metrics` — L1 / PSNR to the ground truth.

:mod:`.report` judges the result against the issue's targets and a *before* results file.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from paintboard import labels, palette
from paintboard.data import hints

from . import colour, fidelity, metrics, report, stripes, swd
from .grid import strokes_preview, tile_rows
from .scenes import HELD_OUT_SEED, SHAPES, Scene, colour_dabs, held_out_scenes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalSettings:
    count: int = 48  # held-out scenes, a third of each shape
    size: int = 256  # working size (longest side)
    large: int = 512  # label fidelity also here; 0 = skip
    render_scale: int = 2  # ground truth rendered this much larger, then shrunk
    seg_images: int = 384
    seg_steps: int = 1000  # ~9 min once on 2 busy cores, then cached
    seed: int = HELD_OUT_SEED


# The renderer's own patch SWD: ground truth of a second, disjoint held-out set (same count and
# shapes, seeds from HELD_OUT_SEED + FLOOR_OFFSET) against the first: what other real scenes of
# the same distribution score.  And "rerendered": the same scenes rendered one render_scale finer
# (only the antialiasing differs) — how much the finest levels move without any content change.
# And "rephased": the same scenes, same geometry, colours and light, with only the draws no label
# map or stroke could tell redrawn (texture offsets, film grain): what a generator that knew
# everything else about each scene would score — the reachable end of the scale.
FLOOR_OFFSET = 1_000
PHASE_SEED = 1
VARIATION_SEED = 10_000  # scene i's second picture: seed VARIATION_SEED + i instead of i
QUICK = EvalSettings(count=12, seg_images=96, seg_steps=150)


def engine_generator(engine: Any, longest: int) -> colour.GenerateFn:
    """(labels, strokes, seed) → picture, through ``engine`` at working size ``longest``."""

    def generate(index: np.ndarray, strokes: np.ndarray | None, seed: int) -> np.ndarray:
        rgba = np.dstack([labels.encode_labels(index), np.full(index.shape, 255, np.uint8)])
        return engine.generate(rgba, strokes, seed, size=longest).image[..., :3]

    return generate


def stroke_sets(scenes: list[Scene], s: int, seed: int) -> dict[str, list]:
    """Per scene: truthful user-like dabs, 25 % / 100 % cell hints, unnatural-colour dabs."""
    out: dict[str, list] = {"strokes": [], "cells25": [], "cells100": [], "dabs": []}
    for i, sc in enumerate(scenes):
        rng = np.random.default_rng([seed, i])
        out["cells25"].append(hints.cell_hint_strokes(sc.rgb, s, 0.75, rng))
        out["cells100"].append(hints.cell_hint_strokes(sc.rgb, s, 0.0, rng))
        out["dabs"].append(colour_dabs(sc.rgb, sc.index, rng))
        out["strokes"].append(hints.dab_strokes(sc.rgb, rng, n_min=1, n_max=4))
    return out


def _generate_all(
    generate: colour.GenerateFn, scenes: list[Scene], strokes: list, what: str
) -> list[np.ndarray | None]:
    t0 = time.time()
    out = [
        None if st is False else generate(sc.index, st, i)
        for i, (sc, st) in enumerate(zip(scenes, strokes, strict=True))
    ]
    log.info("eval: %d pictures %s in %.0f s", len(scenes), what, time.time() - t0)
    return out


def hint_metric(scenes: list[Scene], cells: list, with_: list, without: list, s: int) -> dict:
    de_with, de_without = [], []
    for i in range(len(scenes)):
        w, wo = colour.hinted_cell_errors(cells[i], [with_[i], without[i]], s)
        de_with += w
        de_without += wo
    return {
        "with": float(np.mean(de_with)),
        "without": float(np.mean(de_without)),
        "cells": len(de_with),
        "hinted_fraction": 0.25,
    }


def spread_metric(scenes: list[Scene], dabs: list, with_: list, without: list) -> dict:
    sp_with, sp_without, classes = [], [], []
    for i, d in enumerate(dabs):
        if d is None:
            continue
        _, mask, col = d
        sp_with.append(colour.region_error(with_[i], mask, col))
        sp_without.append(colour.region_error(without[i], mask, col))
        classes.append(palette.PALETTE[int(scenes[i].index[mask][0])].name)
    return {
        "with": float(np.mean(sp_with)),
        "without": float(np.mean(sp_without)),
        "images": len(sp_with),
        "regions": {c: classes.count(c) for c in sorted(set(classes))},
    }


def reconstruction(scenes: list[Scene], sets: dict[str, list]) -> dict:
    out = {}
    for key, gen in sets.items():
        pairs = list(zip(gen, [sc.rgb for sc in scenes], strict=True))
        out[key] = {
            "l1": float(np.mean([metrics.l1(a, b) for a, b in pairs])),
            "psnr": float(np.mean([metrics.psnr(a, b) for a, b in pairs])),
        }
    return out


def eval_grid(scenes: list[Scene], strokes: list, results: list, rows: list[int]) -> np.ndarray:
    """labels | strokes | result | ground truth, one row per scene index in ``rows``."""
    return tile_rows(
        [
            [
                labels.encode_labels(scenes[i].index),
                strokes_preview(strokes[i]),
                results[i],
                scenes[i].rgb,
            ]
            for i in rows
        ]
    )


def evaluate(
    weights: str | Path,
    out_dir: str | Path,
    *,
    data: str | None = None,
    segmenter_path: str | Path | None = None,
    settings: EvalSettings = EvalSettings(),
    before: dict[str, Any] | None = None,
    threads: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure everything, write ``results.json`` and ``grid.png`` to ``out_dir``, return the
    results (with ``checks`` against the targets and ``before``, see :mod:`.report`)."""
    from paintboard.images import save_png
    from paintboard.inference import Engine

    t0 = time.time()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = Engine(weights, device="cpu", threads=threads, precision="fp32")
    s = engine.cfg.feature_s
    n = settings.count
    scenes = held_out_scenes(n, settings.size, settings.seed, settings.render_scale)
    st = stroke_sets(scenes, s, settings.seed)
    gen = engine_generator(engine, settings.size)
    g = {"none": _generate_all(gen, scenes, [None] * n, "without strokes")}
    for key in ("strokes", "cells25", "cells100"):
        g[key] = _generate_all(gen, scenes, st[key], key)
    g["dabs"] = _generate_all(
        gen, scenes, [d[0] if d is not None else False for d in st["dabs"]], "dabs"
    )
    truth = [sc.rgb for sc in scenes]
    idx = [sc.index for sc in scenes]
    var = {}
    for key, strokes in (("none", [None] * n), ("strokes", st["strokes"])):
        other = _generate_all(
            lambda x, k, i: gen(x, k, VARIATION_SEED + i), scenes, strokes, f"{key}, new seed"
        )
        var[key] = colour.variation(g[key], other, idx)

    t = time.time()
    stripe = {
        "ground_truth": stripes.set_stripe_index(truth, idx),
        "none": stripes.set_stripe_index(g["none"], idx),
        "strokes": stripes.set_stripe_index(g["strokes"], idx),
    }

    def real_swd(seed: int, render_scale: int, phase: int | None = None) -> dict[str, float]:
        other = held_out_scenes(n, settings.size, seed, render_scale, phase)
        return swd.patch_swd([sc.rgb for sc in other], truth)

    patch = {
        "none": swd.patch_swd(g["none"], truth),
        "strokes": swd.patch_swd(g["strokes"], truth),
        "floor": real_swd(settings.seed + FLOOR_OFFSET, settings.render_scale),
        "rerendered": real_swd(settings.seed, settings.render_scale + 1),
        "rephased": real_swd(settings.seed, settings.render_scale, PHASE_SEED),
    }
    for key in ("none", "strokes"):  # where the gap is: texture or colour (informational)
        for what, pairs in (
            ("true_texture", zip(truth, g[key], strict=True)),
            ("true_colours", zip(g[key], truth, strict=True)),
        ):
            mixed = [swd.with_class_colours(a, b, i) for (a, b), i in zip(pairs, idx, strict=True)]
            patch[f"{key}_{what}"] = swd.patch_swd(mixed, truth)
    log.info("eval: stripe index and patch SWD in %.0f s", time.time() - t)
    bleed = colour.measure_bleed(
        [(sc.rgb, sc.index) for sc in scenes], gen, list(range(n)), g["none"], settings.seed
    )
    log.info("eval: bleed done at %.0f s", time.time() - t0)

    seg_path = Path(segmenter_path) if segmenter_path else out_dir / "segmenter.safetensors"
    seg, seg_facts = fidelity.segmenter(
        seg_path, data, settings.seg_images, settings.seg_steps, progress
    )
    label_fidelity: dict[str, Any] = {
        str(settings.size): fidelity.fidelity(seg, g["none"], truth, idx),
        "segmenter": seg_facts,
    }
    label_fidelity[str(settings.size)]["miou_generated_25pct_hints"] = fidelity.miou(
        seg, g["cells25"], idx
    )
    if settings.large:
        big = held_out_scenes(n, settings.large, settings.seed, settings.render_scale)
        big_gen = _generate_all(
            engine_generator(engine, settings.large), big, [None] * n, f"at {settings.large}"
        )
        label_fidelity[str(settings.large)] = fidelity.fidelity(
            seg, big_gen, [sc.rgb for sc in big], [sc.index for sc in big]
        )

    card = engine.card
    results: dict[str, Any] = {
        "weights": str(weights),
        "model": engine.cfg.name,
        "trained_steps": card.get("training", {}).get("steps"),
        "held_out": {
            "seeds": [settings.seed, settings.seed + n - 1],
            "count": n,
            "size": settings.size,
            "shapes": {k: list(v) for k, v in SHAPES.items()},
            "settings": asdict(settings),
        },
        "stripe_index": stripe,
        "patch_swd": patch,
        "bleed": bleed,
        "variation": var,
        "hint_colour": hint_metric(scenes, st["cells25"], g["cells25"], g["none"], s),
        "colour_spread": spread_metric(scenes, st["dabs"], g["dabs"], g["none"]),
        "label_fidelity": label_fidelity,
        "reconstruction": reconstruction(
            scenes, {"0": g["none"], "25": g["cells25"], "100": g["cells100"]}
        ),
        "wall_s": round(time.time() - t0, 1),
    }
    results.update(report.judge(results, before))
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    dabbed = [i for i in range(n) if st["dabs"][i] is not None][:3]
    grid_strokes = st["strokes"][:3] + [st["dabs"][i][0] for i in dabbed]
    grid_res = g["strokes"][:3] + [g["dabs"][i] for i in dabbed]
    rows = list(range(min(3, n)))
    sub = [scenes[i] for i in rows + dabbed]
    save_png(out_dir / "grid.png", eval_grid(sub, grid_strokes, grid_res, list(range(len(sub)))))
    return results


def quick(settings: EvalSettings) -> EvalSettings:
    """The ``--quick`` variant of ``settings``: fewer scenes, a smaller segmenter."""
    return replace(
        settings, count=QUICK.count, seg_images=QUICK.seg_images, seg_steps=QUICK.seg_steps
    )
