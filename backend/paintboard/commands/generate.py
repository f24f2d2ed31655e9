"""Generate a landscape from a label map PNG (and an optional strokes PNG) without a server.

The label map uses the palette colours (`paintboard info` lists them); the strokes image is a
transparent PNG with a few colour dabs ("this sky is orange").  The result has the label map's
size; the generator runs at the working size (--size, longest side) and is resized back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paintboard import protocol

HELP = "generate a landscape PNG from a label map (+ colour strokes) on this machine"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("labels", type=Path, help="label map PNG painted with the palette colours")
    parser.add_argument("--strokes", type=Path, help="transparent PNG with colour dabs (optional)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output PNG path")
    parser.add_argument(
        "--size",
        type=int,
        default=protocol.DEFAULT_WORKING_SIZE,
        help=f"working resolution, longest side ({protocol.MIN_WORKING_SIZE}.."
        f"{protocol.MAX_WORKING_SIZE}, default %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="variation seed (same seed, same image)"
    )
    parser.add_argument("--weights", type=Path, help="generator .safetensors (default: shipped)")
    parser.add_argument("--device", help="auto (default), cpu, cuda[:N] or mps")
    parser.add_argument("--threads", type=int, help="CPU threads (default: one per core)")


def _load(path: Path, what: str, loader):
    if not path.is_file():
        raise FileNotFoundError(f"{what} file not found: {path}")
    try:
        return loader(path)
    except OSError as exc:  # Pillow: not an image / truncated
        raise ValueError(f"cannot read {what} image {path}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from paintboard import images
    from paintboard.inference import Engine, InputError
    from paintboard.weights import WeightsError

    lo, hi = protocol.MIN_WORKING_SIZE, protocol.MAX_WORKING_SIZE
    if not lo <= args.size <= hi:  # the same cost limit the server applies
        print(f"paintboard generate: error: --size {args.size} is outside {lo}..{hi}",
              file=sys.stderr)  # fmt: skip
        return 2
    label_img = _load(args.labels, "labels", images.load_rgba)
    # Strokes through the stroke rule: an RGB file's black pixels are "not painted".
    strokes = _load(args.strokes, "strokes", images.load_strokes) if args.strokes else None
    try:
        engine = Engine(args.weights, device=args.device, threads=args.threads)
        result = engine.generate(label_img, strokes, seed=args.seed, size=args.size)
    except (InputError, WeightsError) as exc:
        print(f"paintboard generate: error: {exc}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    images.save_png(args.output, result.image)

    info = engine.info()
    h, w = result.image.shape[:2]
    trained = "" if info["trained"] else " (UNTRAINED placeholder weights)"
    print(f"wrote {args.output} ({w}×{h}), model {result.model}{trained}, seed {result.seed}")
    times = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items())
    print(f"timings: {times} on {info['device']}")
    rep = result.labels
    print(f"labels: {rep['snapped']} px snapped to the palette, {rep['unknown_pixels']} px unknown")
    for r, g, b, n in rep["unknown"][:5]:
        print(f"  unknown colour #{r:02x}{g:02x}{b:02x}: {n} px")
    return 0
