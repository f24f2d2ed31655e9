"""Synthetic data sets on disk (docs/architecture.md folder format) and in memory.

``write_dataset`` is resumable and idempotent: a scene whose image and label files both exist
is not rendered again, and since scenes are pure functions of their seed, a re-run with the
same arguments reproduces the same folder byte for byte.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from paintboard.palette import NUM_CLASSES, PALETTE
from paintboard.synth.scene import GENERATOR_VERSION, generate_scene

ATTRIBUTION = (
    "Textured with ambientCG materials (CC0 1.0, https://ambientcg.com: Grass008, Ground048, "
    "Ground079L, Rock029, Rock035, Rocks011, Snow008A) and crops of KDE plasma-workspace-"
    "wallpapers by the KDE Visual Design Group (GPL-2.0-or-later: Kite, Volna, OneStandsOut, "
    "Path, BytheWater). See paintboard/assets/README.md."
)


def parse_size(text: str) -> tuple[int, int]:
    """'256' → (256, 256); '320x192' (W×H) → (192, 320) as (height, width)."""
    t = text.lower().strip()
    if "x" in t:
        w, h = (int(v) for v in t.split("x", 1))
    else:
        w = h = int(t)
    if w < 16 or h < 16:
        raise ValueError(f"--size {text!r}: minimum is 16")
    return h, w


def iter_scenes(
    seeds: Iterable[int], height: int, width: int | None = None
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(seed, rgb, labels)`` for each seed, in order (in-memory use by the trainer)."""
    for seed in seeds:
        img, lab = generate_scene(int(seed), height, width or height)
        yield int(seed), img, lab


def _paths(out: Path, seed: int) -> tuple[Path, Path]:
    return out / "images" / f"{seed:06d}.png", out / "labels" / f"{seed:06d}.png"


def _render(job: tuple[str, int, int, int]) -> tuple[int, np.ndarray, np.ndarray]:
    """Worker: render one seed, write its files unless present, return its label histograms."""
    out_s, seed, height, width = job
    img_p, lab_p = _paths(Path(out_s), seed)
    if img_p.exists() and lab_p.exists():
        lab = np.asarray(Image.open(lab_p))
    else:
        img, lab = generate_scene(seed, height, width)
        for arr, path, mode in ((img, img_p, "RGB"), (lab, lab_p, "L")):
            tmp = path.with_suffix(".tmp.png")
            Image.fromarray(arr, mode=mode).save(tmp)
            tmp.replace(path)  # atomic: an interrupted run never leaves a half file
    counts = np.bincount(lab.reshape(-1), minlength=NUM_CLASSES)[:NUM_CLASSES]
    return seed, counts, lab


def colourise(lab: np.ndarray) -> np.ndarray:
    """Class ids → palette RGB (for the contact sheet)."""
    lut = np.array([c.rgb for c in PALETTE], np.uint8)
    return lut[lab]


def contact_sheet(
    out: Path, seeds: list[int], cols: int = 4, rows: int = 6, tile: int = 128
) -> Path:
    """Grid of (image | colourised labels) pairs for a person to judge the data at a glance."""
    pick = seeds[: cols * rows]
    rows = max(1, (len(pick) + cols - 1) // cols)
    sheet = Image.new(
        "RGB", (cols * 2 * tile + (cols - 1) * 6, rows * tile + (rows - 1) * 6), (30, 30, 30)
    )
    for i, seed in enumerate(pick):
        img_p, lab_p = _paths(out, seed)
        img = Image.open(img_p).convert("RGB").resize((tile, tile), Image.BILINEAR)
        lab = Image.fromarray(colourise(np.asarray(Image.open(lab_p)))).resize(
            (tile, tile), Image.NEAREST
        )
        x, y = (i % cols) * (2 * tile + 6), (i // cols) * (tile + 6)
        sheet.paste(img, (x, y))
        sheet.paste(lab, (x + tile, y))
    path = out / "contact_sheet.png"
    sheet.save(path)
    return path


def write_dataset(
    out: str | Path,
    count: int,
    height: int = 256,
    width: int | None = None,
    start_seed: int = 0,
    workers: int = 2,
    progress: bool = True,
) -> dict:
    """Render ``count`` scenes (seeds start_seed…) into ``out``; returns the dataset card."""
    from tqdm import tqdm

    out = Path(out)
    width = width or height
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    classes = {"encoding": "index", "mapping": {str(c.id): c.name for c in PALETTE}}
    (out / "classes.json").write_text(json.dumps(classes, indent=2) + "\n")
    seeds = list(range(start_seed, start_seed + count))
    jobs = [(str(out), s, height, width) for s in seeds]
    pix = np.zeros(NUM_CLASSES, np.int64)
    imgs = np.zeros(NUM_CLASSES, np.int64)
    bar = tqdm(total=count, desc="synth", unit="scene", disable=not progress)

    def take(result: tuple[int, np.ndarray, np.ndarray]) -> None:
        nonlocal pix, imgs
        _, counts, _ = result
        pix += counts
        imgs += counts > 0
        bar.update(1)

    if workers <= 1 or count <= 1:
        for job in jobs:
            take(_render(job))
    else:
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers) as pool:
            for res in pool.imap_unordered(_render, jobs, chunksize=4):
                take(res)
    bar.close()
    total = max(int(pix.sum()), 1)
    card = {
        "generator": "paintboard.synth",
        "generator_version": GENERATOR_VERSION,
        "count": count,
        "size": {"width": width, "height": height},
        "seeds": {"start": start_seed, "stop": start_seed + count},
        "class_pixel_frequency": {c.name: round(float(pix[c.id]) / total, 5) for c in PALETTE},
        "class_image_frequency": {
            c.name: round(float(imgs[c.id]) / max(count, 1), 4) for c in PALETTE
        },
        "attribution": ATTRIBUTION,
    }
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    if count:
        contact_sheet(out, seeds)
    return card
