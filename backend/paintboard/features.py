"""Colour conditioning: stroke layer (+ label map) → what the generator is told about colour.

Three views of the same strokes, all computed here and nowhere else so that training and
inference cannot drift apart:

* :func:`color_feature` — the seed's S×S×8 grid (design §3, exactly): per cell a mask, the
  cell-relative rectangle of the strokes it owns, and their mean colour.  Flattened it is the
  generator's latent (:func:`latent`).
* :func:`hint_maps` — that grid rasterised back to pixels, so colour also reaches the fine
  scales of the generator and not only its first block.
* :func:`region_colour_map` — each label region touched by a stroke filled with the stroke's
  colour, because an artist who dabs orange into the sky means "orange sky", not "orange spot";
  the other regions optionally take a seeded *mood* (a real scene's per-class colours).

:func:`build_conditioning` joins them, leaving out the cell hints the region map already says
(:func:`drop_region_said_cells`).

Why this module is long: it is the one home of every colour rule the trainer and the Engine
share — the cell grid, the seed's extractor, the hint and region maps, moods and the rule that
joins them — and the rules read each other's output (the drop rule needs the grid, the region
map and the extractor).  Split across modules they would have to import each other back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from paintboard import images

DEFAULT_S = 9
CHANNELS = 8  # mask, x, y, w, h, r, g, b
MAP_CHANNELS = 8  # hint_maps (mask, r, g, b) ++ region_colour_map (mask, r, g, b)
HINT_FEATHER = 0.35  # hint rectangles' soft edge, as a fraction of a cell's size
REGION_SAID_TOL = 2.0 / 255.0  # a cell hint this close to the region map's colour adds nothing
MOOD_WEIGHT = 0.5  # region-map mask of a mood colour; 1 = the user's own stroke colour

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
    """The (s, s, 8) float32 colour feature of a stroke image (design §3, exactly the seed).

    ``feature[row, col]`` is the cell at grid row ``row`` (y) and column ``col`` (x), channels
    ``(mask, x, y, w, h, r, g, b)``:

    * ``mask`` = 1 when the cell holds stroke pixels (any stroke's, also one owned elsewhere),
      so a black stroke differs from none;
    * ``rgb`` = mean colour of the stroke pixels *inside the cell*, in [0, 1];
    * ``(x, y, w, h)`` = the smallest rectangle covering the strokes the cell *owns* — the
      8-connected components whose bounding box's top-left pixel lies in it — relative to the
      cell's top-left corner and divided by the cell's size (``w``/``h`` exceed 1 for strokes
      that span cells); zero for a cell that owns none.

    A stroke crossing cells therefore marks and colours every cell it passes through, while its
    rectangle is stated once, by its owner.  An empty layer gives the all-zero feature.
    """
    if s < 1:
        raise ValueError(f"grid size s must be >= 1, got {s}")
    mask = stroke_mask(strokes)
    height, width = mask.shape
    feature = np.zeros((s, s, CHANNELS), dtype=np.float32)
    comp, n = ndimage.label(mask, structure=_EIGHT)
    if n == 0:
        return feature
    ye, xe = cell_edges(height, s), cell_edges(width, s)
    cells = s * s

    # mask and colour: every stroke pixel counts in the cell it lies in
    py, px = np.nonzero(mask)
    pix_cell = _cell_of(py, ye) * s + _cell_of(px, xe)
    pix = strokes[py, px]
    rgb = np.repeat(pix[:, None], 3, axis=1) if pix.ndim == 1 else pix[:, :3]
    p_count = np.bincount(pix_cell, minlength=cells).astype(np.float64)
    p_sum = np.stack([np.bincount(pix_cell, weights=rgb[:, c], minlength=cells) for c in range(3)])
    has = np.flatnonzero(p_count > 0)
    feature[has // s, has % s, 0] = 1.0
    feature[has // s, has % s, 5:8] = (p_sum[:, has] / p_count[has] / 255.0).T

    # rectangle: union of the bounding boxes of the strokes each cell owns
    boxes = ndimage.find_objects(comp)  # n (row slice, col slice) pairs, in C
    ymin = np.array([b[0].start for b in boxes], dtype=np.int64)
    ymax = np.array([b[0].stop for b in boxes], dtype=np.int64)  # exclusive
    xmin = np.array([b[1].start for b in boxes], dtype=np.int64)
    xmax = np.array([b[1].stop for b in boxes], dtype=np.int64)
    owner = _cell_of(ymin, ye) * s + _cell_of(xmin, xe)
    c_ymin = np.full(cells, np.iinfo(np.int64).max)
    c_xmin = np.full(cells, np.iinfo(np.int64).max)
    c_ymax = np.zeros(cells, dtype=np.int64)
    c_xmax = np.zeros(cells, dtype=np.int64)
    np.minimum.at(c_ymin, owner, ymin)
    np.minimum.at(c_xmin, owner, xmin)
    np.maximum.at(c_ymax, owner, ymax)
    np.maximum.at(c_xmax, owner, xmax)
    owned = np.unique(owner)
    r, c = owned // s, owned % s
    cell_h = (ye[r + 1] - ye[r]).astype(np.float64)
    cell_w = (xe[c + 1] - xe[c]).astype(np.float64)
    feature[r, c, 1] = (c_xmin[owned] - xe[c]) / cell_w
    feature[r, c, 2] = (c_ymin[owned] - ye[r]) / cell_h
    feature[r, c, 3] = (c_xmax[owned] - c_xmin[owned]) / cell_w
    feature[r, c, 4] = (c_ymax[owned] - c_ymin[owned]) / cell_h
    return feature


def latent(feature: np.ndarray) -> np.ndarray:
    """The generator's latent vector: the feature flattened row-major (648-d for S = 9)."""
    return np.ascontiguousarray(feature, dtype=np.float32).reshape(-1)


def pixel_cells(height: int, width: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid row of every pixel row and grid column of every pixel column (the same edges as
    :func:`cell_edges`): losses and metrics pool per cell with these, never with their own grid."""
    return (
        _cell_of(np.arange(height), cell_edges(height, s)),
        _cell_of(np.arange(width), cell_edges(width, s)),
    )


def owned_rectangles(feature: np.ndarray, height: int, width: int) -> list[tuple]:
    """Pixel rectangles ``(row, col, y0, y1, x0, x1)`` of the cells that own strokes.

    At the feature's own resolution this is each owner's strokes' bounding box exactly
    (rounding removes float32 noise); at other sizes it scales with the cell grid.
    """
    s = feature.shape[0]
    ye, xe = cell_edges(height, s), cell_edges(width, s)
    out = []
    for r, c in zip(*np.nonzero((feature[:, :, 3] > 0) & (feature[:, :, 4] > 0)), strict=True):
        ch, cw = ye[r + 1] - ye[r], xe[c + 1] - xe[c]
        x, y, w, h = (float(v) for v in feature[r, c, 1:5])
        x0 = int(np.rint(xe[c] + x * cw))
        y0 = int(np.rint(ye[r] + y * ch))
        x1 = max(x0 + 1, int(np.rint(xe[c] + (x + w) * cw)))
        y1 = max(y0 + 1, int(np.rint(ye[r] + (y + h) * ch)))
        x0, y0 = min(max(x0, 0), width - 1), min(max(y0, 0), height - 1)
        out.append((int(r), int(c), y0, min(y1, height), x0, min(x1, width)))
    return out


def cell_rectangles(feature: np.ndarray, height: int, width: int) -> list[tuple]:
    """THE cell → pixel rectangle rule: ``(row, col, y0, y1, x0, x1)`` per marked cell.

    A marked cell's hint covers the part of the owned rectangles that lies inside the cell
    (the bounding box of their intersections with it): the feature says where strokes are
    only through the owners' rectangles, and the cell's colour is that of its own pixels, so
    the colour belongs inside the cell.  Rectangles never overlap, so rasterising them needs
    no drawing order.  Hint maps, the colour loss and the hinted-cell metric all use this.
    """
    s = feature.shape[0]
    ye, xe = cell_edges(height, s), cell_edges(width, s)
    owned = owned_rectangles(feature, height, width)
    out = []
    for r, c in zip(*np.nonzero(feature[:, :, 0] > 0), strict=True):
        cy0, cy1, cx0, cx1 = ye[r], ye[r + 1], xe[c], xe[c + 1]
        y0 = x0 = 1 << 62
        y1 = x1 = -1
        for _, _, oy0, oy1, ox0, ox1 in owned:
            iy0, iy1, ix0, ix1 = max(oy0, cy0), min(oy1, cy1), max(ox0, cx0), min(ox1, cx1)
            if iy1 > iy0 and ix1 > ix0:
                y0, y1, x0, x1 = min(y0, iy0), max(y1, iy1), min(x0, ix0), max(x1, ix1)
        if y1 < 0:  # resampled to a size where the owner's rectangle misses the cell
            y0, y1, x0, x1 = cy0, cy1, cx0, cx1
        if y1 > y0 and x1 > x0:
            out.append((int(r), int(c), int(y0), int(y1), int(x0), int(x1)))
    return out


def _feather_profiles(length: int, spans: np.ndarray, size: int) -> np.ndarray:
    """(R, length) float64: each ``[start, stop)`` span's indicator after the two box passes of
    :func:`hint_maps` (width ``size``, edges repeated), along one axis."""
    idx = np.arange(length)
    prof = ((idx >= spans[:, :1]) & (idx < spans[:, 1:])).astype(np.float64)
    for _ in range(2):  # two box passes ≈ a smooth (triangular) kernel
        ndimage.uniform_filter1d(prof, size, axis=1, output=prof, mode="nearest")
    return prof


def hint_maps(feature: np.ndarray, height: int, width: int, *, feather: bool = True) -> np.ndarray:
    """Rasterise the grid: (4, H, W) float32 = mask, r, g, b on each marked cell's rectangle
    (:func:`cell_rectangles`), so the seed's per-cell colour reaches the fine scales too.

    ``feather`` softens the rectangles' edges over :data:`HINT_FEATHER` of a cell: two box
    blurs (edges repeated) of the mask and of the mask-weighted colour, the colour then divided
    by the blurred mask where it exceeds 1e-3: with hard edges the generator copied the
    rectangles into the picture as pale "ghost" boxes and a checker grid of cell hints.

    The rectangles never overlap and a box blur is separable and linear, so the blurred image
    is a sum of outer products of per-rectangle 1-D profiles: two small matrix products instead
    of eight blurs of the whole page (the same values up to float rounding, ~1e-7; pinned
    against the 2-D blur in tests/backend/test_features_definitions.py).
    """
    maps = np.zeros((4, height, width), dtype=np.float32)
    rects = cell_rectangles(feature, height, width)
    if not feather or not rects:
        for r, c, y0, y1, x0, x1 in rects:
            maps[0, y0:y1, x0:x1] = 1.0
            maps[1:4, y0:y1, x0:x1] = feature[r, c, 5:8, None, None]
        return maps
    s = feature.shape[0]
    size_y = max(1, int(round(height / s * HINT_FEATHER)))
    size_x = max(1, int(round(width / s * HINT_FEATHER)))
    box = np.array(rects, dtype=np.int64)  # (R, 6): row, col, y0, y1, x0, x1
    # rectangles share row spans (a stroke over a grid row) and column spans: one profile per
    # distinct span, and a (span_y, span_x) table of what each combination holds
    spans_y, iy = np.unique(box[:, 2:4], axis=0, return_inverse=True)
    spans_x, ix = np.unique(box[:, 4:6], axis=0, return_inverse=True)
    prof_y = _feather_profiles(height, spans_y, size_y)
    prof_x = _feather_profiles(width, spans_x, size_x)
    # only rows and columns some hint reaches: the rest of the page stays zero
    ys, xs = np.flatnonzero(prof_y.any(axis=0)), np.flatnonzero(prof_x.any(axis=0))
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    py, px = prof_y[:, y0:y1], prof_x[:, x0:x1]
    table = np.zeros((4, len(spans_y), len(spans_x)))  # mask, r, g, b per span pair
    table[0, iy.ravel(), ix.ravel()] = 1.0  # rectangles never overlap: one per pair
    table[1:, iy.ravel(), ix.ravel()] = feature[box[:, 0], box[:, 1], 5:8].T

    def blurred(ch: int) -> np.ndarray:
        # einsum, not matmul: BLAS threads for a low-rank product cost more than they save
        # (and fight the generator's threads for the cores)
        return np.einsum("uy,ux->yx", py, np.einsum("uv,vx->ux", table[ch], px))

    weight = blurred(0)
    inside = weight.astype(np.float32) > np.float32(1e-3)  # as the float32 blur compared it
    inv = np.zeros_like(weight)
    np.divide(1.0, weight, out=inv, where=inside)
    maps[0, y0:y1, x0:x1] = np.where(inside, weight, 0.0)
    for ch in range(1, 4):
        maps[ch, y0:y1, x0:x1] = blurred(ch) * inv
    return maps


def _fill_mood(out: np.ndarray, index: np.ndarray, mood: np.ndarray | None) -> np.ndarray:
    """Regions no stroke touched take the mood's colour of their class, at :data:`MOOD_WEIGHT`."""
    if mood is None:
        return out
    mood = np.asarray(mood, dtype=np.float32)
    if mood.ndim != 2 or mood.shape[1] != 3:
        raise ValueError(f"mood must be (classes, 3) colours in [0, 1], got shape {mood.shape}")
    known = np.flatnonzero(np.isfinite(mood).all(axis=1))
    # per class id: (mask, r, g, b); 0 for ids without a mood colour (unknown or beyond it)
    lut = np.zeros((4, max(len(mood), int(index.max(initial=0)) + 1)), dtype=np.float32)
    lut[0, known] = MOOD_WEIGHT
    lut[1:, known] = mood[known].T
    free = out[0] == 0
    free &= np.take(lut[0], index) > 0
    for ch in range(4):  # masked copies: no compaction of the (mostly free) page
        np.copyto(out[ch], np.take(lut[ch], index), where=free)
    return out


def region_colour_map(
    index: np.ndarray, strokes: np.ndarray, mood: np.ndarray | None = None
) -> np.ndarray:
    """(4, H, W) float32: every label region touched by a stroke, filled with the strokes' colour.

    Regions are 4-connected areas of one class id (void included: it is treated like any other
    label).  A stroke that crosses a boundary colours each region it touches with the mean
    colour of its pixels *inside that region*.  Several strokes in one region blend per pixel
    with weights ``1 / (d + 1)²``, ``d`` the distance to each stroke's (in-region) pixel
    centroid, so two dabs give a gradient and a pixel next to a dab takes that dab's colour.
    Channel 0 is the mask of filled regions; untouched regions stay 0 — or, given a ``mood``
    ((classes, 3) colours in [0, 1], NaN rows = no opinion), take their class's mood colour with
    mask :data:`MOOD_WEIGHT`: a softer "this is the scene's light" that keeps regions without
    dabs from drifting towards a dab's colour (bleed) and gives a first Draw! a colour scheme.
    """
    if index.shape != strokes.shape[:2]:
        raise ValueError(f"labels {index.shape} and strokes {strokes.shape[:2]} differ in size")
    height, width = index.shape
    out = np.zeros((4, height, width), dtype=np.float32)
    mask = stroke_mask(strokes)
    if not mask.any():
        return _fill_mood(out, index, mood)
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
            # masked copies, not boolean indexing: a region is often a large part of its box
            np.copyto(view[0], 1.0, where=inside)
            if sel.sum() == 1:
                np.copyto(view[1:4], col[sel].reshape(3, 1, 1).astype(np.float32), where=inside)
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
            np.copyto(view[1:4], fill, where=inside)
    return _fill_mood(out, index, mood)


def drop_region_said_cells(
    feature: np.ndarray, strokes: np.ndarray, region: np.ndarray, tol: float = REGION_SAID_TOL
) -> np.ndarray:
    """The feature without the cells whose colour the region map already gives at their strokes.

    Why: a single dab asks for one colour over its whole region, and the region map says so
    everywhere; its cell hints (latent and hint maps) said it *again* over the dab's cell
    rectangles, and the generator drew those rectangles a shade apart from the rest of the
    region — the pale "ghost" box where a dab was (measured on the A4 template: ΔE 7.4 between
    the box and its surroundings, 0.2 without the redundant hints).  A cell keeps its hint when
    its strokes' colour differs from the region map's there (several colours in one region, a
    gradient stroke): that is local information the region map blends away.
    ``feature`` is :func:`color_feature`'s grid, ``region`` :func:`region_colour_map`'s
    (mask, r, g, b).  Returns a copy; the seed's extractor itself is unchanged.
    """
    s = feature.shape[0]
    marked = feature[..., 0] > 0
    if not marked.any():
        return feature
    height, width = strokes.shape[:2]
    rows, cols = pixel_cells(height, width, s)
    sy, sx = np.nonzero(stroke_mask(strokes))
    cell = rows[sy] * s + cols[sx]
    count = np.bincount(cell, minlength=s * s).astype(np.float64)
    said = np.ones(s * s, dtype=bool)
    for ch in range(3):
        mean = np.bincount(cell, weights=region[1 + ch, sy, sx], minlength=s * s)
        mean /= np.maximum(count, 1.0)
        said &= np.abs(mean - feature[..., 5 + ch].reshape(-1)) <= tol
    drop = marked & said.reshape(s, s) & (count > 0).reshape(s, s)
    if not drop.any():
        return feature
    out = feature.copy()
    out[drop] = 0.0
    # a stroke's rectangle may sit in a cell its pixels miss (a round dab's top-left corner):
    # it goes too when no kept cell holds any of the pixels it spans
    kept = marked & ~drop
    for r, c, y0, y1, x0, x1 in owned_rectangles(feature, height, width):
        if marked[r, c]:
            continue
        if not kept[rows[y0] : rows[y1 - 1] + 1, cols[x0] : cols[x1 - 1] + 1].any():
            out[r, c] = 0.0
    return out


@dataclass
class Conditioning:
    """Everything the generator gets about colour, at one (working) resolution."""

    feature: np.ndarray  # (s, s, 8) float32
    latent: np.ndarray  # (s*s*8,) float32
    maps: np.ndarray  # (8, H, W) float32 = hint_maps ++ region_colour_map


def build_conditioning(
    index: np.ndarray,
    strokes: np.ndarray | None,
    s: int = DEFAULT_S,
    mood: np.ndarray | None = None,
    *,
    feather: bool = True,
    channels_last: bool = False,
) -> Conditioning:
    """Labels + strokes (+ an optional mood) at the same working resolution → :class:`Conditioning`.

    The one entry point used by both the trainer and the inference engine, so the generator
    always sees colour prepared the same way.  ``strokes=None`` (no stroke layer) is the same as
    an empty layer.  ``mood`` colours the regions no stroke touched (:func:`region_colour_map`).
    ``feather``: soft hint-map edges (:func:`hint_maps`) — a model's own setting
    (``ModelConfig.hint_feather``), since a model trained on hard edges expects hard edges.
    ``channels_last``: the same (8, H, W) maps stored pixel by pixel, which torch takes as a
    channels-last tensor without transposing eight planes (25 ms at 1024² on the Engine's path).
    """
    height, width = index.shape
    hwc = np.zeros((height, width, MAP_CHANNELS), np.float32) if channels_last else None
    maps = (
        np.zeros((MAP_CHANNELS, height, width), np.float32)
        if hwc is None
        else hwc.transpose(2, 0, 1)
    )
    if strokes is None:  # nothing to label or rasterise: only the mood can fill the maps
        feature = np.zeros((s, s, CHANNELS), dtype=np.float32)
        _fill_mood(maps[4:], index, mood)
        return Conditioning(feature=feature, latent=latent(feature), maps=maps)
    if strokes.shape[:2] != (height, width):
        raise ValueError(
            f"strokes {strokes.shape[1]}×{strokes.shape[0]} and labels {width}×{height} "
            "must have the same (working) size"
        )
    region = region_colour_map(index, strokes, mood)
    feature = drop_region_said_cells(color_feature(strokes, s), strokes, region)
    parts = [hint_maps(feature, height, width, feather=feather), region]
    np.concatenate(parts, axis=0, out=maps)
    return Conditioning(feature=feature, latent=latent(feature), maps=maps)
