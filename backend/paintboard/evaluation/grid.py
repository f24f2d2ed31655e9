"""Picture grids for people: training samples, the eval grid and the look sheet.

They live here, not in the trainer, so that evaluation (and anything else that wants to show
results) does not import the training loop; the trainer imports this module instead.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from paintboard import labels, palette, unit_range

GUTTER = 255  # white between tiles


def to_uint8(img: Tensor) -> np.ndarray:
    """B×3×H×W in [-1, 1] → B×H×W×3 uint8."""
    return unit_range.to_uint8(img).permute(0, 2, 3, 1).numpy()


def strokes_preview(strokes: np.ndarray, under: np.ndarray | None = None) -> np.ndarray:
    """RGBA strokes drawn over ``under`` (H×W×3), or over mid grey so a black dab shows."""
    out = np.full((*strokes.shape[:2], 3), 96, dtype=np.uint8) if under is None else under.copy()
    m = strokes[..., 3] > 0
    out[m] = strokes[..., :3][m]
    return out


def tile_rows(rows: list[list[np.ndarray]], pad: int = 2) -> np.ndarray:
    """Rows of H×W×3 uint8 tiles → one image; rows may differ in width (portrait beside
    landscape) and are left-aligned on white; tiles of a row share their height."""
    lines = []
    for tiles in rows:
        h = tiles[0].shape[0]
        gap = np.full((h, pad, 3), GUTTER, np.uint8)
        lines.append(np.concatenate([x for t in tiles for x in (t, gap)][:-1], axis=1))
    width = max(line.shape[1] for line in lines)
    out = []
    for line in lines:
        if line.shape[1] < width:
            fill = np.full((line.shape[0], width - line.shape[1], 3), GUTTER, np.uint8)
            line = np.concatenate([line, fill], axis=1)
        out += [line, np.full((pad, width, 3), GUTTER, np.uint8)]
    return np.concatenate(out[:-1], axis=0)


def render_grid(
    labels_: Tensor, strokes: Tensor, fake: Tensor, real: Tensor, pad: int = 2
) -> np.ndarray:
    """Rows of (labels | strokes | result | ground truth) with a white gutter."""
    fk, rl = to_uint8(fake), to_uint8(real)
    lab = labels_.clamp(0, palette.NUM_CLASSES - 1).to(torch.uint8).numpy()
    rows = [
        [labels.encode_labels(lab[i]), strokes_preview(strokes[i].numpy()), fk[i], rl[i]]
        for i in range(fk.shape[0])
    ]
    grid = tile_rows(rows, pad)
    if grid.shape[0] < 256:  # tiny training sizes: upscale (nearest) so a person can see it
        k = max(1, 256 // grid.shape[0])
        grid = grid.repeat(k, 0).repeat(k, 1)
    return grid
