"""Which cause makes the streaks?  Stripe index of one weights file under controlled changes.

Issue 13 asks to measure, not guess.  On held-out scenes (no strokes, the first Draw!) this
generates at several working sizes with the model as shipped and with one thing changed at a
time, and prints the stripe index (columns / rows; ground truth ≈ 0.04 / 0.07, pure vertical
streaks → 1):

* ``as-is``       — the file as the engine runs it;
* ``bilinear``    — ×2 doubling switched to bilinear (tests "nearest up-sampling makes a grid");
* ``image-stats`` — BatchNorm normalising with each image's own statistics instead of the
  running ones (tests "training-time statistics do not fit flat regions at this size").

    python scripts/diagnose_streaks.py weights/small.safetensors --sizes 128,256,512 --count 12

Why a script and not a test: it measures a trained file; its numbers go into the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import torch
from paintboard.evaluation import scenes as scene_mod
from paintboard.evaluation.evaluate import engine_generator
from paintboard.evaluation.stripes import set_stripe_index
from paintboard.inference import Engine


def _variant(engine: Engine, name: str, base_cfg) -> None:
    net = engine.netG
    net.cfg = base_cfg
    net.eval()
    if name == "bilinear":
        net.cfg = dataclasses.replace(base_cfg, upsample="bilinear")
    elif name == "image-stats":
        for m in net.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.train()
                m.momentum = 0.0  # normalise by the batch (= this image); keep running stats


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("weights")
    p.add_argument("--sizes", default="128,256,512")
    p.add_argument("--count", type=int, default=12)
    p.add_argument("--variants", default="as-is,bilinear,image-stats")
    p.add_argument("--json", help="also write the table here")
    args = p.parse_args(argv)

    engine = Engine(args.weights, device="cpu", precision="fp32")
    base = engine.netG.cfg
    out: dict = {}
    print(f"{'size':>5} {'variant':<12} {'columns':>8} {'rows':>8}   (ground truth columns/rows)")
    for size in (int(s) for s in args.sizes.split(",")):
        sc = scene_mod.held_out_scenes(args.count, size)
        truth = set_stripe_index([s.rgb for s in sc], [s.index for s in sc])
        gen = engine_generator(engine, size)
        for name in args.variants.split(","):
            _variant(engine, name, base)
            with torch.no_grad():
                rgbs = [gen(s.index, None, i) for i, s in enumerate(sc)]
            r = set_stripe_index(rgbs, [s.index for s in sc])
            out.setdefault(str(size), {})[name] = r | {"truth": truth}
            print(
                f"{size:>5} {name:<12} {r['columns']:8.3f} {r['rows']:8.3f}   "
                f"({truth['columns']:.3f}/{truth['rows']:.3f})",
                flush=True,
            )
        _variant(engine, "as-is", base)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
