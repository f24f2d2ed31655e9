"""Colour conditioning: stroke layer (+ label map) → what the generator is told about colour.

Three views of the same strokes, all computed here and nowhere else so that training and
inference cannot drift apart:

* :func:`color_feature` — the seed's S×S×8 grid (design §3, exactly): per cell a mask, the
  cell-relative rectangle of the strokes it owns, and their mean colour.  Flattened it is the
  generator's latent (:func:`latent`).
* :func:`hint_maps` — that grid rasterised back to pixels, so colour also reaches the fine
  scales of the generator and not only its first block.
* :func:`region_colour_map` — each label region touched by a stroke filled with the stroke's
  colour, because an artist who dabs orange into the sky means "orange sky", not "orange spot".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from paintboard import images

DEFAULT_S = 9
CHANNELS = 8  # mask, x, y, w, h, r, g, b
MAP_CHANNELS = 8  # hint_maps (mask, r, g, b) ++ region_colour_map (mask, r, g, b)

_EIGHT = np.ones((3, 3), dtype=bool)  # strokes: a diagonal brush line is one stroke
_FOUR = ndimage.generate_binary_structure(2, 1)  # regions: diagonal touch does not join areas


def stroke_mask(strokes: np.ndarray) -> np.ndarray:
    """Which pixels were painted: alpha > 0 on RGBA; any non-zero channel on RGB (or grey).

    On RGBA a black stroke is a real stroke (mask 1, colour 0); only an RGB image without alpha
    has to use "not black" as its notion of "painted".
    """
    if strokes.ndim == 2:
        return strokes > 0
    return images.stroke_rgba(strokes)[:, :, 3] > 0  # the rule's one home


def cell_edges(length: int, s: int) -> np.ndarray:
    """The ``s + 1`` pixel edges of an S-cell split of ``length``: ``(arange(s+1) * length) // s``.

    Integer edges make every pixel belong to exactly one cell for any image size, also sizes
    not divisible by S (cells then differ by one pixel).
    """
    return (np.arange(s + 1, dtype=np.int64) * length) // s


def _cell_of(coord: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # the last cell whose start is <= coord: skips empty cells when length < s
    return np.searchsorted(edges, coord, side="right") - 1


def color_feature(strokes: np.ndarray, s: int = DEFAULT_S) -> np.ndarray:
    """The (s, s, 8) float32 colour feature of a stroke image (design §3).

    ``feature[row, col]`` is the cell at grid row ``row`` (y) and column ``col`` (x), channels
    ``(mask, x, y, w, h, r, g, b)``.  Strokes are 8-connected components of stroke pixels; a
    stroke belongs to the cell holding its bounding box's top-left pixel.  Per cell, ``(x, y,
    w, h)`` is the smallest rectangle covering all its strokes, relative to the cell's top-left
    corner and divided by the cell's size (``w``/``h`` exceed 1 for strokes that span cells);
    ``rgb`` is the mean colour of all those strokes' pixels in [0, 1]; ``mask`` is 1 when the
    cell owns a stroke.  Cells that own nothing — even if another cell's stroke passes through
    them — are all zero, so an empty layer gives the all-zero feature.
    """
    if s < 1:
        raise ValueError(f"grid size s must be >= 1, got {s}")
    mask = stroke_mask(strokes)
    height, width = mask.shape
    feature = np.zeros((s, s, CHANNELS), dtype=np.float32)
    comp, n = ndimage.label(mask, structure=_EIGHT)
    if n == 0:
        return feature

    boxes = ndimage.find_objects(comp)  # n (row slice, col slice) pairs, in C
    ymin = np.array([b[0].start for b in boxes], dtype=np.int64)
    ymax = np.array([b[0].stop for b in boxes], dtype=np.int64)  # exclusive
    xmin = np.array([b[1].start for b in boxes], dtype=np.int64)
    xmax = np.array([b[1].stop for b in boxes], dtype=np.int64)

    flat = comp[mask]  # stroke pixels only: sums cost nothing on a mostly empty layer
    count = np.bincount(flat, minlength=n + 1)[1:].astype(np.float64)
    pix = strokes[mask]
    rgb = np.repeat(pix[:, None], 3, axis=1) if pix.ndim == 1 else pix[:, :3]
    colour_sum = np.stack(
        [np.bincount(flat, weights=rgb[:, c], minlength=n + 1)[1:] for c in range(3)], axis=1
    )

    ye, xe = cell_edges(height, s), cell_edges(width, s)
    row, col = _cell_of(ymin, ye), _cell_of(xmin, xe)
    cell = row * s + col

    # per-cell union of owned strokes: min/max of their boxes, sums of their pixels
    cells = s * s
    c_ymin = np.full(cells, np.iinfo(np.int64).max)
    c_xmin = np.full(cells, np.iinfo(np.int64).max)
    c_ymax = np.zeros(cells, dtype=np.int64)
    c_xmax = np.zeros(cells, dtype=np.int64)
    np.minimum.at(c_ymin, cell, ymin)
    np.minimum.at(c_xmin, cell, xmin)
    np.maximum.at(c_ymax, cell, ymax)
    np.maximum.at(c_xmax, cell, xmax)
    c_count = np.bincount(cell, weights=count, minlength=cells)
    c_sum = np.stack(
        [np.bincount(cell, weights=colour_sum[:, c], minlength=cells) for c in range(3)]
    )

    owned = np.flatnonzero(c_count > 0)
    r, c = owned // s, owned % s
    cell_h = (ye[r + 1] - ye[r]).astype(np.float64)
    cell_w = (xe[c + 1] - xe[c]).astype(np.float64)
    feature[r, c, 0] = 1.0
    feature[r, c, 1] = (c_xmin[owned] - xe[c]) / cell_w
    feature[r, c, 2] = (c_ymin[owned] - ye[r]) / cell_h
    feature[r, c, 3] = (c_xmax[owned] - c_xmin[owned]) / cell_w
    feature[r, c, 4] = (c_ymax[owned] - c_ymin[owned]) / cell_h
    feature[r, c, 5:8] = (c_sum[:, owned] / c_count[owned] / 255.0).T
    return feature


def latent(feature: np.ndarray) -> np.ndarray:
    """The generator's latent vector: the feature flattened row-major (648-d for S = 9)."""
    return np.ascontiguousarray(feature, dtype=np.float32).reshape(-1)


def _cell_rectangles(feature: np.ndarray, height: int, width: int) -> list[tuple]:
    """Pixel rectangles ``(row, col, y0, y1, x0, x1)`` of the masked cells at ``height×width``.

    At the resolution the feature was computed at this reproduces the strokes' bounding box
    exactly (rounding removes float32 noise); at other sizes it scales with the cell grid.
    """
    s = feature.shape[0]
    ye, xe = cell_edges(height, s), cell_edges(width, s)
    out = []
    for r, c in zip(*np.nonzero(feature[:, :, 0] > 0), strict=True):
        ch, cw = ye[r + 1] - ye[r], xe[c + 1] - xe[c]
        x, y, w, h = (float(v) for v in feature[r, c, 1:5])
        x0 = int(np.rint(xe[c] + x * cw))
        y0 = int(np.rint(ye[r] + y * ch))
        x1 = max(x0 + 1, int(np.rint(xe[c] + (x + w) * cw)))
        y1 = max(y0 + 1, int(np.rint(ye[r] + (y + h) * ch)))
        x0, y0 = min(max(x0, 0), width - 1), min(max(y0, 0), height - 1)
        out.append((int(r), int(c), y0, min(y1, height), x0, min(x1, width)))
    return out


def hint_maps(feature: np.ndarray, height: int, width: int) -> np.ndarray:
    """Rasterise the grid: (4, H, W) float32 = mask, r, g, b inside each owned cell's rectangle.

    Cells are drawn in row-major order, later cells overwriting earlier ones where rectangles
    of spanning strokes overlap.
    """
    maps = np.zeros((4, height, width), dtype=np.float32)
    for r, c, y0, y1, x0, x1 in _cell_rectangles(feature, height, width):
        maps[0, y0:y1, x0:x1] = 1.0
        maps[1:4, y0:y1, x0:x1] = feature[r, c, 5:8, None, None]
    return maps


def region_colour_map(index: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """(4, H, W) float32: every label region touched by a stroke, filled with the strokes' colour.

    Regions are 4-connected areas of one class id (void included: it is treated like any other
    label).  A stroke that crosses a boundary colours each region it touches with the mean
    colour of its pixels *inside that region*.  Several strokes in one region blend per pixel
    with weights ``1 / (d + 1)²``, ``d`` the distance to each stroke's (in-region) pixel
    centroid, so two dabs give a gradient and a pixel next to a dab takes that dab's colour.
    Channel 0 is the mask of filled regions; untouched regions stay 0.
    """
    if index.shape != strokes.shape[:2]:
        raise ValueError(f"labels {index.shape} and strokes {strokes.shape[:2]} differ in size")
    height, width = index.shape
    out = np.zeros((4, height, width), dtype=np.float32)
    mask = stroke_mask(strokes)
    if not mask.any():
        return out
    stroke_id, _ = ndimage.label(mask, structure=_EIGHT)
    sy, sx = np.nonzero(mask)  # stroke pixels only: few, so per-stroke sums are cheap
    sid, scls = stroke_id[sy, sx], index[sy, sx]
    rgb = strokes[sy, sx, :3] if strokes.ndim == 3 else np.repeat(strokes[sy, sx, None], 3, 1)
    rgb = rgb.astype(np.float64) / 255.0

    for cls in np.unique(scls):
        regions, _ = ndimage.label(index == cls, structure=_FOUR)
        boxes = ndimage.find_objects(regions)
        here = np.flatnonzero(scls == cls)
        reg = regions[sy[here], sx[here]]
        # one group per (region, stroke) pair: a stroke over a boundary counts in each region
        key = reg.astype(np.int64) * (int(sid.max()) + 1) + sid[here]
        keys, inv = np.unique(key, return_inverse=True)  # 1-D: far faster than unique(axis=0)
        inv = inv.reshape(-1)
        pair_region = keys // (int(sid.max()) + 1)
        k = len(keys)
        cnt = np.bincount(inv, minlength=k).astype(np.float64)
        cy = np.bincount(inv, weights=sy[here], minlength=k) / cnt
        cx = np.bincount(inv, weights=sx[here], minlength=k) / cnt
        col = (
            np.stack(
                [np.bincount(inv, weights=rgb[here, c], minlength=k) for c in range(3)], axis=1
            )
            / cnt[:, None]
        )  # (k, 3)
        for r in np.unique(pair_region):
            sel = pair_region == r
            sl = boxes[r - 1]
            inside = regions[sl] == r
            view = out[:, sl[0], sl[1]]
            view[0][inside] = 1.0
            if sel.sum() == 1:
                view[1:4][:, inside] = col[sel].reshape(3, 1).astype(np.float32)
                continue
            ys = np.arange(sl[0].start, sl[0].stop, dtype=np.float32)
            xs = np.arange(sl[1].start, sl[1].stop, dtype=np.float32)
            dy = ys[None, :, None] - cy[sel, None, None].astype(np.float32)
            dx = xs[None, None, :] - cx[sel, None, None].astype(np.float32)
            w = dy * dy + dx * dx  # (strokes, h, w); then 1 / (d + 1)², in place
            np.sqrt(w, out=w)
            w += 1.0
            np.square(w, out=w)
            np.reciprocal(w, out=w)
            # einsum, not tensordot: a 3-row matmul is needlessly slow through BLAS here
            fill = np.einsum("sc,shw->chw", col[sel].astype(np.float32), w) / w.sum(axis=0)
            view[1:4][:, inside] = fill[:, inside]
    return out


@dataclass
class Conditioning:
    """Everything the generator gets about colour, at one (working) resolution."""

    feature: np.ndarray  # (s, s, 8) float32
    latent: np.ndarray  # (s*s*8,) float32
    maps: np.ndarray  # (8, H, W) float32 = hint_maps ++ region_colour_map


def build_conditioning(
    index: np.ndarray, strokes: np.ndarray | None, s: int = DEFAULT_S
) -> Conditioning:
    """Labels + strokes at the same working resolution → :class:`Conditioning`.

    The one entry point used by both the trainer and the inference engine, so the generator
    always sees colour prepared the same way.  ``strokes=None`` (no stroke layer) is the same as
    an empty layer: all-zero feature, latent and maps.
    """
    height, width = index.shape
    if strokes is None:
        feature = np.zeros((s, s, CHANNELS), dtype=np.float32)
        maps = np.zeros((MAP_CHANNELS, height, width), dtype=np.float32)
        return Conditioning(feature=feature, latent=latent(feature), maps=maps)
    if strokes.shape[:2] != (height, width):
        raise ValueError(
            f"strokes {strokes.shape[1]}×{strokes.shape[0]} and labels {width}×{height} "
            "must have the same (working) size"
        )
    feature = color_feature(strokes, s)
    maps = np.concatenate(
        [hint_maps(feature, height, width), region_colour_map(index, strokes)], axis=0
    )
    return Conditioning(feature=feature, latent=latent(feature), maps=maps)
