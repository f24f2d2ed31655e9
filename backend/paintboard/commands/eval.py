"""Evaluate a generator on held-out synthetic scenes against issue 13's targets.

``paintboard eval`` (working size 256, 48 scenes: landscape, square and A4 portrait) writes
``OUT/results.json`` and ``OUT/grid.png`` and prints a pass/fail table against the targets and
``--before`` (default: the shipped weights' ``docs/eval/before.json``).  ``--quick`` is a smoke
run (12 scenes, a small segmenter).  The label-fidelity segmenter is trained once on synthetic
training scenes and cached under ``runs/cache/``.  ``--sheet`` writes the look sheets instead
(``OUT/sheet_256.jpg``, ``OUT/sheet_1024.jpg``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "evaluate a generator: streaks, texture, colour, bleed, label fidelity (issue 13)"


def default_before() -> Path:
    import paintboard

    return Path(paintboard.__file__).resolve().parents[2] / "docs" / "eval" / "before.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", help="generator .safetensors (default: the shipped weights)")
    parser.add_argument("--out", default="runs/eval", help="output folder (default runs/eval)")
    parser.add_argument(
        "--before",
        help="results.json to compare with (default docs/eval/before.json; 'none' for no file)",
    )
    parser.add_argument("--quick", action="store_true", help="12 scenes, small segmenter")
    parser.add_argument("--count", type=int, help="held-out scenes (default 48)")
    parser.add_argument("--size", type=int, default=256, help="working size (default 256)")
    parser.add_argument(
        "--large", type=int, default=512, help="second size for label fidelity (0: skip)"
    )
    parser.add_argument(
        "--data",
        help="training dataset folder for the segmenter (default: synthetic training seeds)",
    )
    parser.add_argument("--segmenter", help="segmenter cache file (default under runs/cache/)")
    parser.add_argument("--seg-steps", type=int, help="segmenter training steps")
    parser.add_argument("--seg-images", type=int, help="segmenter training images")
    parser.add_argument("--sheet", action="store_true", help="write the look sheets instead")
    parser.add_argument("--sheet-kb", type=int, default=300, help="JPEG budget per sheet (KB)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads")
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from paintboard.evaluation.evaluate import EvalSettings, evaluate, quick
    from paintboard.evaluation.report import format_table
    from paintboard.weights import default_weights_path

    weights = args.weights or default_weights_path()
    if args.sheet:
        from paintboard.evaluation.sheet import write_sheets
        from paintboard.inference import Engine

        engine = Engine(weights, device="cpu", threads=args.threads or None, precision="fp32")
        for p in write_sheets(engine, args.out, max_kb=args.sheet_kb):
            print(f"look sheet: {p} ({p.stat().st_size // 1000} KB)")
        return 0

    settings = EvalSettings(size=args.size, large=args.large)
    if args.quick:
        settings = quick(settings)
    for field, value in (
        ("count", args.count),
        ("seg_steps", args.seg_steps),
        ("seg_images", args.seg_images),
    ):
        if value is not None:
            settings = replace(settings, **{field: value})
    before_path = Path(args.before) if args.before else default_before()
    before = None
    if args.before != "none" and before_path.is_file():
        before = json.loads(before_path.read_text())
    elif args.before and args.before != "none":
        raise SystemExit(f"--before {args.before}: no such file")
    segmenter = args.segmenter or (
        f"runs/cache/segmenter_{settings.seg_images}x{settings.seg_steps}.safetensors"
    )
    results = evaluate(
        weights,
        args.out,
        data=args.data,
        segmenter_path=segmenter,
        settings=settings,
        before=before,
        threads=args.threads or None,
        progress=not args.no_progress,
    )
    print(format_table(results))
    print(f"results: {args.out}/results.json, grid: {args.out}/grid.png")
    return 0
