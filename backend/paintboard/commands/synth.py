"""Render procedural landscapes with exact label maps into a training folder.

Writes OUT_DIR/images/NNNNNN.png, OUT_DIR/labels/NNNNNN.png (class ids, mode L),
classes.json, card.json (class frequencies, seeds, attribution) and contact_sheet.png.
Resumable: scenes whose files exist are not rendered again (scenes depend only on their seed).
"""

from __future__ import annotations

import argparse

HELP = "render synthetic landscapes + exact labels (training data)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", help="output folder (created; existing scenes are kept)")
    parser.add_argument("--count", type=int, required=True, help="number of scenes")
    parser.add_argument("--size", default="256", help="N for N×N, or WxH (default 256)")
    parser.add_argument("--start-seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from paintboard.synth.dataset import parse_size, write_dataset

    if args.count < 0:
        raise ValueError("--count must be >= 0")
    height, width = parse_size(args.size)
    card = write_dataset(
        args.out_dir,
        args.count,
        height,
        width,
        start_seed=args.start_seed,
        workers=args.workers,
        progress=not args.no_progress,
    )
    freq = card["class_image_frequency"]
    missing = [name for name, f in freq.items() if name != "void" and f == 0]
    print(
        f"wrote {card['count']} scenes to {args.out_dir}"
        + (f" (classes absent: {', '.join(missing)})" if missing else "")
    )
    return 0
