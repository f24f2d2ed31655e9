"""Evaluate a generator on a fixed held-out synthetic set (design §8, issue 6 targets).

``paintboard eval --weights weights/small.safetensors --data data/synth128 --out runs/small/eval``
writes ``results.json``, ``grid.png`` (labels | strokes | result | ground truth) and prints a
table with pass/fail.  The label-fidelity segmenter is trained on the training data once and
cached (``--segmenter``, default ``OUT/segmenter.safetensors``).
"""

from __future__ import annotations

import argparse

HELP = "evaluate colour and label fidelity of a generator (CIEDE2000, mIoU, PSNR)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", help="generator .safetensors (default: the shipped weights)")
    parser.add_argument("--out", default="runs/eval", help="output folder (default runs/eval)")
    parser.add_argument(
        "--data",
        help="training dataset folder for the segmenter "
        "(default: synthetic scenes with training seeds)",
    )
    parser.add_argument("--segmenter", help="segmenter cache file")
    parser.add_argument("--count", type=int, default=64, help="held-out scenes (default 64)")
    parser.add_argument(
        "--size", type=int, default=0, help="evaluation size (default: the model's training size)"
    )
    parser.add_argument("--seg-steps", type=int, default=400, help="segmenter training steps")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads")
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    import torch

    from paintboard.evaluation.evaluate import EvalSettings, evaluate, format_table
    from paintboard.weights import default_weights_path

    if args.threads:
        torch.set_num_threads(args.threads)
    weights = args.weights or default_weights_path()
    settings = EvalSettings(count=args.count, size=args.size, seg_steps=args.seg_steps)
    results = evaluate(
        weights,
        args.out,
        data=args.data,
        segmenter_path=args.segmenter,
        settings=settings,
        progress=not args.no_progress,
    )
    print(format_table(results))
    print(f"results: {args.out}/results.json, grid: {args.out}/grid.png")
    return 0
