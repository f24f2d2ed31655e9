"""Benchmark the generator beside paper-size SPADE (design §8), and optionally end to end.

Every model runs in its own worker process (so its peak RSS is its own) and the timed calls are
interleaved between models, so on a busy machine the printed *ratio* stays trustworthy even when
the absolute milliseconds drift.  ``--e2e`` adds a client → real server on loopback → result run
with a 1024² document, split into encode, transfer, features, generation and resize.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HELP = "speed and memory: shipped model vs paper-size SPADE; --e2e through a real server"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes", default="256,512,1024", help="square sizes (default %(default)s)"
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed calls per cell after warm-up (default 10)"
    )
    parser.add_argument(
        "--models",
        default="shipped,spade",
        help="'shipped' (weights/small.safetensors), a preset name (random init) or a "
        ".safetensors path; the first is the reference for ratios (default %(default)s)",
    )
    parser.add_argument("--batch", default="1,4", help="batch sizes (default %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch)")
    parser.add_argument(
        "--device", default="cpu", help="cpu, cuda, mps; also the e2e server's (default cpu)"
    )
    parser.add_argument(
        "--variants",
        default="engine",
        help="comma list of engine (= exactly what inference.Engine does: inference_mode + "
        "channels_last + its precision, bf16 autocast on a CPU with native bf16 unless "
        "PAINTBOARD_FP32=1), channels_last (the same in fp32), inference_mode (contiguous fp32), "
        "no_grad, bf16, compile, fp16 (GPU); compared interleaved in the same worker; the first "
        "is the reference (default %(default)s)",
    )
    parser.add_argument(
        "--cell-budget-s",
        type=float,
        default=40.0,
        help="cap repeats so one cell takes about this long (min 2 repeats; default 40)",
    )
    parser.add_argument(
        "--max-call-s",
        type=float,
        default=45.0,
        help="skip a batch whose single call is estimated above this (default 45)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the full report here")
    parser.add_argument("--e2e", action="store_true", help="also run the end-to-end benchmark")
    parser.add_argument("--e2e-only", action="store_true", help="only the end-to-end benchmark")
    parser.add_argument(
        "--e2e-sizes", default="256,1024", help="working sizes for --e2e (default %(default)s)"
    )
    parser.add_argument("--e2e-repeats", type=int, default=5)
    parser.add_argument(
        "--e2e-modes",
        default="full,reduced",
        help="full: layers at document size both ways; reduced: layers reduced to the working "
        "size before sending, as the plugin does (default %(default)s)",
    )
    parser.add_argument("--weights", default=None, help="weights for --e2e (default: shipped)")


def run(args: argparse.Namespace) -> int:
    from paintboard import bench as bm

    def log(msg: str) -> None:
        print(msg, flush=True)

    report: dict = {"command": " ".join(["paintboard", *sys.argv[1:]])}
    models = bm.parse_strs(args.models)
    variants = bm.parse_strs(args.variants)
    for v in variants:
        if v not in bm.VARIANTS:
            raise ValueError(f"unknown variant {v!r}; known: {', '.join(bm.VARIANTS)}")
    t0 = time.perf_counter()
    if not args.e2e_only:
        log(f"== generator benchmark ({', '.join(models)}; variants {', '.join(variants)})")
        gen = bm.bench_generators(
            models,
            bm.parse_ints(args.sizes),
            bm.parse_ints(args.batch),
            args.repeats,
            variants=variants,
            threads=args.threads,
            device=args.device,
            cell_budget_s=args.cell_budget_s,
            max_call_s=args.max_call_s,
            log=log,
        )
        report["generator"] = gen
        bm.log_generator_summary(gen, models, log)
    if args.e2e or args.e2e_only:
        log("== end to end (client → server on 127.0.0.1 → result)")
        report["e2e"] = bm.bench_e2e(
            work_sizes=bm.parse_ints(args.e2e_sizes),
            repeats=args.e2e_repeats,
            weights=args.weights,
            threads=args.threads,
            log=log,
            device=args.device,
            modes=bm.parse_strs(args.e2e_modes),
        )
    report["wall_s"] = time.perf_counter() - t0
    log(f"== done in {report['wall_s']:.0f} s")
    if args.json:
        bm.write_report(report, args.json, log)
    return 0
