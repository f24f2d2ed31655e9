"""``paintboard eval``: does the generator obey colour dabs and labels? (design §8, issue 6)

On a fixed held-out synthetic set (seeds from 1 000 000, never used for training) it measures:

(a) hinted-cell colour error — ΔE00 between each hinted cell's colour and the generated mean under
    its rectangle (25 % of cells hinted), against the same images generated without hints;
(b) colour spreads — 1–2 small dabs of a colour far from a region's natural colour (orange sky,
    turquoise water, purple mountain …); ΔE00 between the dab colour and the whole region's
    generated mean, with vs without the dabs;
(c) label fidelity — a small segmenter trained on training scenes: mIoU on generated images
    (labels only) over mIoU on the ground truth;
(d) L1 / PSNR to the ground truth with 0 %, 25 % and 100 % of cells hinted.

Every image is generated with zero noise, so results are reproducible with one command.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import ndimage

from paintboard import features, hints, images, palette
from paintboard.data.folder import make_sample

from . import metrics
from .segmenter import load_or_train

log = logging.getLogger(__name__)

HELD_OUT_SEED = 1_000_000
TARGETS = {
    "hint_de_max": 10.0,
    "hint_ratio_max": 0.5,
    "spread_de_max": 12.0,
    "spread_ratio_max": 0.5,
    "miou_ratio_min": 0.8,
}
ORANGE, TURQUOISE, PURPLE = (255, 140, 0), (64, 224, 208), (140, 60, 170)
PINK, YELLOW, RED = (255, 105, 180), (240, 220, 40), (200, 30, 30)
CANDIDATES = (ORANGE, TURQUOISE, PURPLE, PINK, YELLOW, RED)
PREFERRED = {
    "sky": ORANGE, "cloud": PINK, "sea": TURQUOISE, "lake": TURQUOISE, "river": TURQUOISE,
    "mountain": PURPLE, "hill": PURPLE, "rock": PURPLE, "grass": ORANGE, "tree": RED,
}  # fmt: skip
MIN_REGION = 0.04  # a dabbed region covers at least this fraction of the image


@dataclass(frozen=True)
class EvalSettings:
    count: int = 64
    size: int = 0  # 0 = the generator's training size (model card), else 64
    render: int = 128  # scenes are rendered at this size and resized, like the training data
    seg_images: int = 384
    seg_steps: int = 400
    batch: int = 16
    seed: int = HELD_OUT_SEED


def held_out_scenes(count: int, render: int, size: int, seed0: int) -> list[tuple]:
    from paintboard.synth import generate_scene

    out = []
    for i in range(count):
        rgb, index = generate_scene(seed0 + i, render, render)
        out.append(_resize(rgb, index, size))
    return out


def _resize(rgb: np.ndarray, index: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    h, w = index.shape
    c = min(h, w)
    y, x = (h - c) // 2, (w - c) // 2
    rgb, index = rgb[y : y + c, x : x + c, :3], index[y : y + c, x : x + c]
    if c != size:
        rgb = images.resize_image(np.ascontiguousarray(rgb), size, size)
        index = images.resize_labels(index, size, size)
    return np.ascontiguousarray(rgb), np.ascontiguousarray(index)


def cell_rectangles(feature: np.ndarray, h: int, w: int) -> list[tuple[int, int, int, int, tuple]]:
    """(y0, y1, x0, x1, rgb01) per hinted cell — ``features.cell_rectangles``, the loss's rule."""
    return [
        (y0, y1, x0, x1, tuple(feature[r, c, 5:8]))
        for r, c, y0, y1, x0, x1 in features.cell_rectangles(feature, h, w)
    ]


def colour_dabs(
    rgb: np.ndarray, index: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]] | None:
    """1–2 dabs of an unnatural colour inside one large region → (strokes, region mask, colour)."""
    h, w = index.shape
    regions = []
    for cls in np.unique(index):
        if cls == palette.VOID:
            continue
        comp, n = ndimage.label(index == cls)
        sizes = np.bincount(comp.ravel())
        for k in range(1, n + 1):
            if sizes[k] >= MIN_REGION * h * w:
                regions.append((int(cls), comp == k))
    if not regions:
        return None
    cls, mask = regions[int(rng.integers(len(regions)))]
    natural = metrics.srgb_to_lab(rgb[mask].mean(0) / 255.0)
    name = palette.PALETTE[cls].name
    colour = PREFERRED.get(name)
    if (
        colour is None
        or metrics.ciede2000(natural, metrics.srgb_to_lab(np.array(colour) / 255)) < 30
    ):
        des = [
            metrics.ciede2000(natural, metrics.srgb_to_lab(np.array(c) / 255)) for c in CANDIDATES
        ]
        colour = CANDIDATES[int(np.argmax(des))]
    radius = max(1.5, 0.03 * min(h, w))
    dist = ndimage.distance_transform_edt(mask)
    inside = np.argwhere(dist >= radius)
    if len(inside) == 0:
        inside = np.argwhere(dist >= dist.max())
    strokes = np.zeros((h, w, 4), np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(int(rng.integers(1, 3))):
        cy, cx = inside[int(rng.integers(len(inside)))]
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2) & mask
        strokes[disc, :3] = colour
        strokes[disc, 3] = 255
    return strokes, mask, colour


@torch.no_grad()
def generate(
    netG: torch.nn.Module, scenes: list, strokes: list, s: int, batch: int, noise_dim: int
) -> np.ndarray:
    """N×H×W×3 uint8 results, zero noise, through the same conditioning path as inference."""
    outs = []
    for i in range(0, len(scenes), batch):
        items = [
            make_sample(r, x, st, s)
            for (r, x), st in zip(scenes[i : i + batch], strokes[i : i + batch], strict=True)
        ]
        b = {k: torch.stack([it[k] for it in items]) for k in ("latent", "labels", "maps")}
        noise = torch.zeros(len(items), noise_dim)
        fake = netG(b["latent"], b["labels"], b["maps"], noise)
        x = ((fake.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1)
        outs.append(x.numpy())
    return np.concatenate(outs)


def _segmenter_data(data: str | None, n: int, render: int, size: int) -> tuple:
    if data and Path(data).is_dir():
        from paintboard.data import FolderDataset

        ds = FolderDataset(data, size, cache=False, hints=False)
        k = min(n, len(ds))
        pairs = [_resize(*ds.arrays(i), size) for i in range(k)]
        facts = {"data": str(Path(data).resolve()), "images": k}
    else:
        pairs = held_out_scenes(n, render, size, 0)  # training-range seeds 0..n-1
        facts = {"data": "synth seeds 0..", "images": n, "render": render}
    rgb = np.stack([p[0] for p in pairs])
    index = np.stack([p[1] for p in pairs])
    return rgb, index, {**facts, "size": size}


def evaluate(
    weights: str | Path,
    out_dir: str | Path,
    *,
    data: str | None = None,
    segmenter_path: str | Path | None = None,
    settings: EvalSettings = EvalSettings(),
    progress: bool = True,
) -> dict[str, Any]:
    """Run (a)–(d), write ``results.json`` and ``grid.png`` to ``out_dir``, return the results."""
    from paintboard.weights import load_generator

    from .grid import render_grid

    t0 = time.time()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    netG, mcfg, card = load_generator(weights)
    netG.eval()
    s = mcfg.feature_s
    size = settings.size or int(card.get("training", {}).get("size", 0) or 64)
    n = settings.count
    scenes = held_out_scenes(n, settings.render, size, settings.seed)
    st_none: list = [None] * n
    st_25, st_100, dab_info = [], [], []
    for i, (rgb, index) in enumerate(scenes):
        rng = np.random.default_rng([settings.seed, i])
        st_25.append(hints.cell_hint_strokes(rgb, s, 0.75, rng))
        st_100.append(hints.cell_hint_strokes(rgb, s, 0.0, rng))
        dab_info.append(colour_dabs(rgb, index, rng))
    st_dab = [d[0] if d is not None else None for d in dab_info]

    gen = {}
    for name, st in (("none", st_none), ("cells25", st_25), ("cells100", st_100), ("dabs", st_dab)):
        gen[name] = generate(netG, scenes, st, s, settings.batch, mcfg.noise_dim)

    # (a) hinted-cell colour error
    de_with, de_without = [], []
    for i in range(n):
        feat = features.color_feature(st_25[i], s)
        for y0, y1, x0, x1, hint in cell_rectangles(feat, size, size):
            hint_lab = metrics.srgb_to_lab(np.array(hint))
            for g, acc in ((gen["cells25"], de_with), (gen["none"], de_without)):
                mean = g[i, y0:y1, x0:x1].reshape(-1, 3).mean(0) / 255.0
                acc.append(float(metrics.ciede2000(hint_lab, metrics.srgb_to_lab(mean))))
    # (b) colour spreads over the region
    sp_with, sp_without, dab_classes = [], [], []
    for i, d in enumerate(dab_info):
        if d is None:
            continue
        _, mask, colour = d
        lab = metrics.srgb_to_lab(np.array(colour) / 255.0)
        for g, acc in ((gen["dabs"], sp_with), (gen["none"], sp_without)):
            acc.append(float(metrics.ciede2000(lab, metrics.srgb_to_lab(g[i][mask].mean(0) / 255))))
        dab_classes.append(palette.PALETTE[int(scenes[i][1][mask][0])].name)
    # (c) label fidelity
    seg_rgb, seg_idx, facts = _segmenter_data(data, settings.seg_images, settings.render, size)
    seg_path = Path(segmenter_path) if segmenter_path else out_dir / "segmenter.safetensors"
    seg = load_or_train(
        seg_path, seg_rgb, seg_idx, facts, steps=settings.seg_steps, progress=progress
    )
    gt_idx = np.stack([x for _, x in scenes])

    def seg_miou(imgs: np.ndarray) -> float:
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        pred = seg.predict(x).numpy()
        return metrics.miou(metrics.confusion(pred, gt_idx, palette.NUM_CLASSES))[0]

    miou_gt = seg_miou(np.stack([r for r, _ in scenes]))
    miou_gen = seg_miou(gen["none"])
    miou_hinted = seg_miou(gen["cells25"])
    # (d) reconstruction
    recon = {}
    for key, g in (("0", gen["none"]), ("25", gen["cells25"]), ("100", gen["cells100"])):
        recon[key] = {
            "l1": float(np.mean([metrics.l1(g[i], scenes[i][0]) for i in range(n)])),
            "psnr": float(np.mean([metrics.psnr(g[i], scenes[i][0]) for i in range(n)])),
        }

    hint_with, hint_without = float(np.mean(de_with)), float(np.mean(de_without))
    spread_with, spread_without = float(np.mean(sp_with)), float(np.mean(sp_without))
    ratio = miou_gen / miou_gt if miou_gt > 0 else 0.0
    checks = {
        "hint_de": hint_with <= TARGETS["hint_de_max"],
        "hint_ratio": hint_with <= TARGETS["hint_ratio_max"] * hint_without,
        "spread_de": spread_with <= TARGETS["spread_de_max"],
        "spread_ratio": spread_with <= TARGETS["spread_ratio_max"] * spread_without,
        "miou_ratio": ratio >= TARGETS["miou_ratio_min"],
    }
    results = {
        "weights": str(weights),
        "model": mcfg.name,
        "trained_steps": card.get("training", {}).get("steps"),
        "held_out": {
            "seeds": [settings.seed, settings.seed + n - 1],
            "count": n,
            "size": size,
            "render": settings.render,
        },
        "hint_colour": {
            "with": hint_with,
            "without": hint_without,
            "cells": len(de_with),
            "hinted_fraction": 0.25,
        },
        "colour_spread": {
            "with": spread_with,
            "without": spread_without,
            "images": len(sp_with),
            "regions": {c: dab_classes.count(c) for c in sorted(set(dab_classes))},
        },
        "label_fidelity": {
            "miou_generated": miou_gen,
            "miou_ground_truth": miou_gt,
            "ratio": ratio,
            "miou_generated_25pct_hints": miou_hinted,
            "segmenter": {**facts, "steps": settings.seg_steps},
        },
        "reconstruction": recon,
        "targets": TARGETS,
        "pass": checks,
        "all_pass": all(checks.values()),
        "wall_s": round(time.time() - t0, 1),
    }
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    rows = [i for i in range(n) if st_dab[i] is not None][:4]
    cells_rows = list(range(min(4, n)))
    lab_t = torch.from_numpy(np.stack([scenes[i][1] for i in cells_rows + rows]).astype(np.int64))
    strokes_t = torch.from_numpy(
        np.stack([st_25[i] for i in cells_rows] + [st_dab[i] for i in rows])
    )
    res = np.concatenate([gen["cells25"][cells_rows], gen["dabs"][rows]])
    gt = np.stack([scenes[i][0] for i in cells_rows + rows])

    def to_t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a).permute(0, 3, 1, 2).float() / 127.5 - 1.0

    images.save_png(out_dir / "grid.png", render_grid(lab_t, strokes_t, to_t(res), to_t(gt)))
    return results


def format_table(r: dict[str, Any]) -> str:
    """Human summary with pass/fail against the issue's targets."""
    t, p = r["targets"], r["pass"]

    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    hc, cs, lf = r["hint_colour"], r["colour_spread"], r["label_fidelity"]
    lines = [
        f"model {r['model']} ({r['trained_steps']} steps), {r['held_out']['count']} held-out "
        f"scenes at {r['held_out']['size']} px",
        f"{'metric':42s} {'value':>9s} {'target':>14s}  result",
        f"{'(a) hinted-cell ΔE00 with hints':42s} {hc['with']:9.2f} {'<= ' + str(t['hint_de_max']):>14s}  {mark(p['hint_de'])}",  # noqa: E501
        f"{'    without hints':42s} {hc['without']:9.2f} {'with <= 0.5x':>14s}  {mark(p['hint_ratio'])}",  # noqa: E501
        f"{'(b) dab→region ΔE00 with dabs':42s} {cs['with']:9.2f} {'<= ' + str(t['spread_de_max']):>14s}  {mark(p['spread_de'])}",  # noqa: E501
        f"{'    without dabs':42s} {cs['without']:9.2f} {'with <= 0.5x':>14s}  {mark(p['spread_ratio'])}",  # noqa: E501
        f"{'(c) segmenter mIoU generated / GT':42s} {lf['miou_generated']:.3f}/{lf['miou_ground_truth']:.3f} {'ratio >= 0.8':>14s}  {mark(p['miou_ratio'])} ({lf['ratio']:.2f})",  # noqa: E501
    ]
    for k, v in r["reconstruction"].items():
        lines.append(
            f"{'(d) L1 / PSNR, ' + k + ' % cells hinted':42s} {v['l1']:.4f} / {v['psnr']:.2f} dB"
        )
    lines.append("ALL TARGETS MET" if r["all_pass"] else "targets not met")
    return "\n".join(lines)
