"""Local redraw on held-out label edits (issue #12): how much moves outside the edit?

For each held-out scene one region covering 6–19 % of the picture is relabelled (a path → grass,
flowers → grass, beach → sea when the scene has one, else the region takes its surroundings'
class), and the picture is drawn again with the same seed and no strokes, as the plugin would:

- *full*: the whole new picture (what Draw! did before issue #12);
- *auto-local*: the plugin's own decision code (``paintboard_krita.model.local_redraw``: tile
  signatures, changed tiles grown by the margin), the new picture composited over the old one
  through the soft mask; the soft border is ``compose.soften``'s, redone in numpy (two box
  filters instead of Qt's box shrink + bilinear enlargement, the same ramp).

Prints ΔE00 (CIEDE2000) outside the changed area dilated by 16 px, inside the changed area, the
mask's share of the picture, and the seam ratio (``paintboard.evaluation.seam``).

    PYTHONPATH=backend .venv/bin/python scripts/local_redraw_eval.py [--scenes 24] [--size 256]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugin"))

from paintboard import palette  # noqa: E402
from paintboard.evaluation.metrics import delta_e_rgb  # noqa: E402
from paintboard.evaluation.scenes import held_out_scenes, large_regions  # noqa: E402
from paintboard.evaluation.seam import dilate, seam_ratio  # noqa: E402
from paintboard.labels import encode_labels  # noqa: E402
from paintboard_krita.model.local_redraw import SeedMap, TileSig, feather_px, plan  # noqa: E402

ID = {c.name: c.id for c in palette.PALETTE}
PREFERRED = {"earth": "grass", "flowers": "grass", "sand": "sea"}


def pick_edit(index: np.ndarray) -> tuple[np.ndarray, int] | None:
    """(mask, new class) of one region covering 6–19 % of the picture, or None."""
    regions = [(c, m) for c, m in large_regions(index, 0.06) if m.mean() <= 0.19]
    if not regions:
        return None
    named = {palette.PALETTE[c].name: (c, m) for c, m in regions}
    for src, dst in PREFERRED.items():
        if src in named:
            return named[src][1], ID[dst]
    cls, mask = max(regions, key=lambda r: r[1].sum())
    ring = dilate(mask, 3) & ~mask
    around = np.bincount(index[ring], minlength=len(palette.PALETTE))
    around[cls] = around[0] = 0
    return (mask, int(around.argmax())) if around.any() else None


def bgra(index: np.ndarray) -> bytes:
    rgb = encode_labels(index)
    a = np.full(index.shape + (1,), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([rgb[..., ::-1], a], axis=2)).tobytes()


def soft_mask(hard: np.ndarray, feather: int) -> np.ndarray:
    """compose.soften in numpy: its box shrink by 2 × feather + bilinear enlargement is close
    to two box filters of that width (a triangle), then the same ramp and AND."""
    cell = 2 * feather
    blurred = ndimage.uniform_filter(hard.astype(np.float64) * 255, size=cell, mode="nearest")
    blurred = ndimage.uniform_filter(blurred, size=cell, mode="nearest")
    ramp = np.clip(np.round((blurred - 128) * 255 / 127), 0, 255)
    return np.where(hard, ramp, 0).astype(np.uint8)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenes", type=int, default=24)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--weights", default=None)
    args = ap.parse_args()

    from paintboard.inference import Engine

    engine = Engine(args.weights)
    rows = []
    for scene in held_out_scenes(args.scenes, args.size):
        edit = pick_edit(scene.index)
        if edit is None:
            continue
        mask, new_cls = edit
        index2 = scene.index.copy()
        index2[mask] = new_cls
        h, w = scene.index.shape
        lab0 = np.frombuffer(bgra(scene.index), np.uint8).reshape(h, w, 4)[..., [2, 1, 0, 3]]
        lab1 = np.frombuffer(bgra(index2), np.uint8).reshape(h, w, 4)[..., [2, 1, 0, 3]]
        seed = scene.seed % 2**31
        old = engine.generate(np.ascontiguousarray(lab0), None, seed, size=args.size).image[..., :3]
        new = engine.generate(np.ascontiguousarray(lab1), None, seed, size=args.size).image[..., :3]
        empty = bytes(w * h * 4)
        sig0 = TileSig.of(w, h, bgra(scene.index), empty)
        sig1 = TileSig.of(w, h, bgra(index2), empty)
        feather = feather_px(w, h, args.size)
        p = plan("draw", base_layer="x", base_n=1,
                 base_seeds=SeedMap.uniform(sig0.nx * sig0.ny, seed), base_sig=sig0, sig=sig1,
                 selection=None, auto_local=True, feather=feather, new_seed=lambda: 0)
        if p.mode != "local":
            print(f"scene {scene.seed}: plan {p.mode} ({p.reason})")
            continue
        hard = np.frombuffer(p.mask.pixels((0, 0, w, h)), np.uint8).reshape(h, w) > 0
        alpha = soft_mask(hard, feather)
        a = alpha[..., None].astype(np.float64) / 255
        local = np.round(old * (1 - a) + new * a).astype(np.uint8)
        outside = ~dilate(mask, 16)
        de_full = float(delta_e_rgb(old, new)[outside].mean())
        de_local = float(delta_e_rgb(old, local)[outside].mean())
        de_in = float(delta_e_rgb(new, local)[mask].mean())
        seam = seam_ratio(local, alpha)
        name = palette.PALETTE[int(np.bincount(scene.index[mask]).argmax())].name
        rows.append((de_full, de_local, de_in, hard.mean(), seam))
        print(f"{scene.seed} {scene.shape:9s} {name:>8s}→{palette.PALETTE[new_cls].name:<8s} "
              f"{mask.mean():5.1%}  ΔE outside: full {de_full:5.2f}  auto-local {de_local:5.2f}"
              f"  inside vs full {de_in:4.2f}  mask {hard.mean():5.1%}  seam {seam:4.2f}")
    if not rows:
        print("no scene had an editable region")
        return 1
    m = np.array(rows)
    print(f"\n{len(rows)} edits, mean: ΔE00 outside (changed area dilated 16 px): full redraw "
          f"{m[:, 0].mean():.2f}, auto-local {m[:, 1].mean():.2f} (max {m[:, 1].max():.2f}); "
          f"inside vs full redraw {m[:, 2].mean():.2f}; mask {m[:, 3].mean():.1%} of the picture; "
          f"seam ratio mean {m[:, 4].mean():.2f}, max {m[:, 4].max():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
