"""Show the generator that `generate` and `serve` would use: model, training state, device,
config, parameter count and the label palette to paint with."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "show the model, device, config and label palette"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", type=Path, help="generator .safetensors (default: shipped)")
    parser.add_argument("--device", help="auto (default), cpu, cuda[:N] or mps")
    parser.add_argument("--json", action="store_true", help="print the info as JSON")


def run(args: argparse.Namespace) -> int:
    from paintboard.inference import Engine
    from paintboard.weights import WeightsError

    try:
        info = Engine(args.weights, device=args.device).info()
    except WeightsError as exc:
        print(f"paintboard info: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"model:    {info['model']}  ({info['params']:,} parameters)")
    print(f"trained:  {'yes' if info['trained'] else 'NO (untrained placeholder weights)'}")
    print(f"weights:  {info['weights']}")
    print(f"device:   {info['device']} ({info['precision']}; PAINTBOARD_FP32=1 forces fp32)")
    cfg = info["config"]
    print("config:   " + ", ".join(f"{k}={v}" for k, v in cfg.items() if k != "name"))
    print("palette (paint the labels layer with exactly these colours):")
    for c in info["palette"]:
        r, g, b = c["rgb"]
        print(f"  {c['id']:2d}  {c['name']:<9} #{r:02x}{g:02x}{b:02x}  ({r}, {g}, {b})")
    return 0
