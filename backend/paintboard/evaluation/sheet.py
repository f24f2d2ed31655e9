"""Look sheet: what a person sees, next to the numbers (issue 13's "your own look").

Six held-out label maps (four landscape, two A4 portrait), each in one row:
``labels with the strokes drawn on | no strokes (seed 0) | no strokes (seed 1) | strokes (seed 0)
| strokes (seed 1) | strokes (seed 2)`` — seed 1 and 2 are what *Variation* gives.  The strokes
are a few user-like dabs of the ground truth's own colours.  At working size 256 the tiles are
whole pictures; at 1024 they are 1:1 crops of the centre (the label tile shows the whole map
with the crop outlined), because texture at the size Draw! uses is the point of that sheet.
Written as JPEG under a byte budget so it can sit in the README.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from paintboard import images, labels
from paintboard.data import hints

from .grid import strokes_preview, tile_rows
from .scenes import HELD_OUT_SEED, render

SHEET_SEED = HELD_OUT_SEED + 500_000  # away from the eval's scenes: a look, not a metric
ROWS = ("landscape", "landscape", "portrait", "landscape", "landscape", "portrait")
COLUMNS = ("labels + strokes", "no strokes", "no strokes, seed 1", "strokes", "seed 1", "seed 2")
RUNS = ((False, 0), (False, 1), (True, 0), (True, 1), (True, 2))  # (with strokes, seed)


def _fit(img: np.ndarray, height: int) -> np.ndarray:
    h, w = img.shape[:2]
    return images.resize_image(img, height, max(1, round(w * height / h)))


def _crop_box(h: int, w: int, tile: int) -> tuple[int, int, int, int]:
    th, tw = min(h, tile), min(w, tile)
    y0, x0 = (h - th) // 2, (w - tw) // 2
    return y0, y0 + th, x0, x0 + tw


def _outline(img: np.ndarray, box: tuple[int, int, int, int], k: float) -> np.ndarray:
    out = img.copy()
    y0, y1, x0, x1 = (int(round(v * k)) for v in box)
    y1, x1 = min(y1, out.shape[0]) - 1, min(x1, out.shape[1]) - 1
    for t in range(2):  # 2 px white frame
        out[y0 + t, x0 : x1 + 1] = out[y1 - t, x0 : x1 + 1] = 255
        out[y0 : y1 + 1, x0 + t] = out[y0 : y1 + 1, x1 - t] = 255
    return out


def look_sheet(engine: Any, size: int, tile: int = 256, seed0: int = SHEET_SEED) -> np.ndarray:
    """The sheet at working size ``size`` as one H×W×3 uint8 image (rows of ``tile`` px)."""
    rows = []
    for k, shape in enumerate(ROWS):
        sc = render(seed0 + k, shape, size, render_scale=1)
        strokes = hints.dab_strokes(sc.rgb, np.random.default_rng([seed0, k]), n_min=2, n_max=4)
        rgba = np.dstack([labels.encode_labels(sc.index), np.full(sc.index.shape, 255, np.uint8)])
        results = [
            engine.generate(rgba, strokes if st else None, seed, size=size).image[..., :3]
            for st, seed in RUNS
        ]
        first = strokes_preview(strokes, labels.encode_labels(sc.index))
        h, w = sc.index.shape
        if max(h, w) <= tile:
            tiles = [first, *results]
        else:
            box = _crop_box(h, w, tile)
            tiles = [_outline(_fit(first, tile), box, tile / h)]
            tiles += [r[box[0] : box[1], box[2] : box[3]] for r in results]
        rows.append([_fit(t, tile) if t.shape[0] != tile else t for t in tiles])
    return tile_rows(rows, pad=3)


def save_jpeg(path: str | Path, img: np.ndarray, max_bytes: int = 300_000) -> int:
    """Write ``img`` as JPEG at the highest quality (85 down to 40) that fits ``max_bytes``,
    shrinking it when even quality 40 does not; returns the bytes written."""
    pic = Image.fromarray(img)
    while True:
        for q in range(85, 35, -5):
            buf = io.BytesIO()
            pic.save(buf, "JPEG", quality=q, optimize=True, progressive=True)
            if buf.tell() <= max_bytes:
                Path(path).write_bytes(buf.getvalue())
                return buf.tell()
        pic = pic.resize((pic.width * 4 // 5, pic.height * 4 // 5), Image.LANCZOS)


def write_sheets(
    engine: Any, out_dir: str | Path, sizes: tuple[int, ...] = (256, 1024), max_kb: int = 300
) -> list[Path]:
    """``sheet_<size>.jpg`` per working size in ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for size in sizes:
        p = out_dir / f"sheet_{size}.jpg"
        save_jpeg(p, look_sheet(engine, size), max_kb * 1000)
        paths.append(p)
    return paths
