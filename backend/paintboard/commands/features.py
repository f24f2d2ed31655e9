"""Show the colour feature the generator receives for a stroke image (design §3).

Splits STROKES.png into an S×S grid and prints, for every cell that owns a stroke, its
normalised rectangle (x, y, w, h, relative to the cell) and mean colour.  Saves the full
S×S×8 array as OUT.npy, a readable OUT.json, and OUT.png: the strokes with the grid, each
owning cell's rectangle outlined and a swatch of its mean colour in the cell's corner.

A stroke pixel is alpha > 0 on an RGBA image, or any non-black pixel on an RGB image.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "print and save the S×S×8 colour feature of a stroke image, with a picture"

CHANNEL_NAMES = ("mask", "x", "y", "w", "h", "r", "g", "b")
_MIN_VIEW = 512  # small stroke images are enlarged so the grid and swatches are readable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("strokes", type=Path, metavar="STROKES.png", help="stroke image (RGBA/RGB)")
    parser.add_argument(
        "--s", type=int, default=9, metavar="S", help="grid size S (default 9: a 648-d latent)"
    )
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        metavar="OUT_PREFIX",
        help="write OUT_PREFIX.npy, .json and .png (default: STROKES next to itself, "
        "with '.features' before the suffixes)",
    )


def _cells(feature) -> list[dict]:
    rows, cols = feature[:, :, 0].nonzero()
    return [
        {
            "row": int(r),
            "col": int(c),
            **{
                n: round(float(v), 6)
                for n, v in zip(CHANNEL_NAMES[1:], feature[r, c, 1:], strict=True)
            },
            "hex": "#{:02x}{:02x}{:02x}".format(
                *(round(float(v) * 255) for v in feature[r, c, 5:])
            ),
        }
        for r, c in zip(rows, cols, strict=True)
    ]


def _picture(strokes, feature):
    """The strokes over a checkerboard, grid lines, owned rectangles and colour swatches."""
    import numpy as np
    from PIL import Image, ImageDraw

    from paintboard.features import cell_edges

    h, w = strokes.shape[:2]
    zoom = max(1, -(-_MIN_VIEW // max(h, w)))
    yy, xx = np.mgrid[0:h, 0:w]
    board = np.where(((yy // 8 + xx // 8) % 2)[:, :, None] == 0, 200, 235).astype(np.float32)
    alpha = strokes[:, :, 3:4].astype(np.float32) / 255.0
    view = (strokes[:, :, :3] * alpha + board * (1 - alpha)).astype(np.uint8)
    im = Image.fromarray(view).resize((w * zoom, h * zoom), Image.NEAREST)
    draw = ImageDraw.Draw(im)
    s = feature.shape[0]
    ye, xe = cell_edges(h, s) * zoom, cell_edges(w, s) * zoom
    for y in ye[1:-1]:
        draw.line([(0, int(y)), (w * zoom, int(y))], fill=(110, 110, 110))
    for x in xe[1:-1]:
        draw.line([(int(x), 0), (int(x), h * zoom)], fill=(110, 110, 110))
    for cell in _cells(feature):
        r, c = cell["row"], cell["col"]
        cw, ch = xe[c + 1] - xe[c], ye[r + 1] - ye[r]
        x0, y0 = xe[c] + cell["x"] * cw, ye[r] + cell["y"] * ch
        x1, y1 = x0 + cell["w"] * cw - 1, y0 + cell["h"] * ch - 1
        draw.rectangle([x0, y0, x1, y1], outline=(255, 0, 255), width=2)
        side = max(6, int(min(cw, ch) // 3))
        sx, sy = int(xe[c]) + 2, int(ye[r]) + 2
        draw.rectangle([sx, sy, sx + side, sy + side], fill=cell["hex"], outline=(0, 0, 0))
    return np.asarray(im)


def run(args: argparse.Namespace) -> int:
    import json

    import numpy as np

    from paintboard import features, images

    if args.s < 1:
        raise ValueError(f"--s must be at least 1, got {args.s}")
    strokes = images.load_strokes(args.strokes)
    feature = features.color_feature(strokes, args.s)
    prefix = args.out or args.strokes.with_suffix(".features")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    cells = _cells(feature)

    h, w = strokes.shape[:2]
    print(f"{args.strokes}: {w}×{h} px, {args.s}×{args.s} grid, {len(cells)} cells with strokes")
    if cells:
        print(
            f"{'row':>3} {'col':>3}  {'x':>6} {'y':>6} {'w':>6} {'h':>6}"
            f"  {'r':>5} {'g':>5} {'b':>5}"
        )
    for c in cells:
        print(
            f"{c['row']:>3} {c['col']:>3}  {c['x']:6.3f} {c['y']:6.3f} {c['w']:6.3f} {c['h']:6.3f}"
            f"  {c['r']:5.3f} {c['g']:5.3f} {c['b']:5.3f}  {c['hex']}"
        )
    mask = feature[:, :, 0] > 0
    print("mask:\n" + "\n".join("  " + " ".join("#" if m else "." for m in row) for row in mask))

    npy, js, png = (Path(f"{prefix}{ext}") for ext in (".npy", ".json", ".png"))
    np.save(npy, feature)
    doc = {
        "source": str(args.strokes),
        "size": [h, w],
        "s": args.s,
        "channels": list(CHANNEL_NAMES),
        "cells": cells,
        "feature": feature.tolist(),
    }
    js.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    images.save_png(png, _picture(strokes, feature))
    print(f"wrote {npy}, {js}, {png}")
    return 0
