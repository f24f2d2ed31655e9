"""Label fidelity: does a generated picture still read as the classes it was asked for?

A small segmenter (:mod:`.segmenter`) trained on synthetic *training* scenes judges it: its mIoU
on generated pictures over its mIoU on the ground truth (its ceiling).  It looks at every picture
shrunk to :data:`SEG_SIZE` px on the longest side, whatever the working size: label fidelity is
about regions reading as sky, water or rock, which shows at that scale, and a segmenter trained
once at one scale stays cheap enough (minutes on two cores, cached) to be part of every eval.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from paintboard import images, palette
from paintboard.unit_range import to_unit

from . import metrics
from .segmenter import Segmenter, load_or_train

SEG_SIZE = 128


def shrink(rgb: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A picture and its labels at the segmenter's scale (longest side :data:`SEG_SIZE`)."""
    h, w = images.working_size(*index.shape, SEG_SIZE)
    if (h, w) == index.shape:
        return rgb, index
    return images.resize_image(np.ascontiguousarray(rgb), h, w), images.resize_labels(index, h, w)


def training_pairs(data: str | None, n: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """``n`` square training scenes at SEG_SIZE: a dataset folder's, or synth seeds 0..n-1."""
    from .scenes import render

    if data and Path(data).is_dir():
        from paintboard.data import FolderDataset

        ds = FolderDataset(data, SEG_SIZE, cache=False, hints=False)
        n = min(n, len(ds))
        pairs = []
        for i in range(n):
            rgb, index = ds.arrays(i)
            c = min(index.shape)
            y, x = (index.shape[0] - c) // 2, (index.shape[1] - c) // 2
            pairs.append(shrink(rgb[y : y + c, x : x + c, :3], index[y : y + c, x : x + c]))
        facts = {"data": str(Path(data).resolve()), "images": n}
    else:
        scenes = [render(i, "square", SEG_SIZE) for i in range(n)]  # training-range seeds
        pairs = [(sc.rgb, sc.index) for sc in scenes]
        facts = {"data": "synth seeds 0..", "images": n, "render_scale": 2}
    rgb = np.stack([p[0] for p in pairs])
    index = np.stack([p[1] for p in pairs])
    return rgb, index, {**facts, "size": SEG_SIZE}


def segmenter(
    path: str | Path, data: str | None, n: int, steps: int, progress: bool = False
) -> tuple[Segmenter, dict]:
    """The cached segmenter at ``path`` (trained first when its facts differ) and its facts."""
    rgb, index, facts = training_pairs(data, n)
    net = load_or_train(Path(path), rgb, index, facts, steps=steps, progress=progress)
    return net, {**facts, "steps": steps}


def miou(seg: Segmenter, rgbs: list[np.ndarray], indices: list[np.ndarray]) -> float:
    """mIoU over a set (one confusion matrix for all pictures; void ignored)."""
    cm = np.zeros((palette.NUM_CLASSES, palette.NUM_CLASSES), np.int64)
    for rgb, index in zip(rgbs, indices, strict=True):
        small, lab = shrink(rgb, index)
        x = torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1)[None]
        pred = seg.predict(to_unit(x)).numpy()[0]
        cm += metrics.confusion(pred, lab, palette.NUM_CLASSES)
    return metrics.miou(cm)[0]


def fidelity(
    seg: Segmenter, generated: list[np.ndarray], truth: list[np.ndarray], indices: list
) -> dict[str, float]:
    gen, gt = miou(seg, generated, indices), miou(seg, truth, indices)
    return {"miou_generated": gen, "miou_ground_truth": gt, "ratio": gen / gt if gt > 0 else 0.0}
