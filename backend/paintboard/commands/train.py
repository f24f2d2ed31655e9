"""Train a generator: ``paintboard train --config configs/train_small.json --run runs/small``.

Resume an interrupted run (Ctrl-C / SIGTERM save a checkpoint first) with
``paintboard train --run runs/small --resume``; the run's own ``config.json`` is used unless
``--config`` is given, and ``--set key=value`` overrides either (e.g. ``--set steps=20000``).
Multi-process: ``torchrun --nproc_per_node N -m paintboard.cli train --run-dir DIR ...``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

HELP = "train a generator (hinge GAN + colour losses, EMA, resumable, DDP via torchrun)"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="training config JSON (e.g. configs/train_small.json)")
    parser.add_argument(
        "--run",
        "--run-dir",
        dest="run",
        required=True,
        help="run directory (checkpoints/samples/weights); under torchrun spell it --run-dir "
        "(torchrun takes a bare --run for an abbreviation of its own --run-path)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue from the newest checkpoint in --run"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key (repeatable)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from paintboard.train.config import TrainConfig, load_config, parse_overrides
    from paintboard.train.trainer import Trainer

    run_dir = Path(args.run)
    saved = run_dir / "config.json"
    if args.resume and args.config is None and saved.is_file():
        base = json.loads(saved.read_text())
        base.update(parse_overrides(args.overrides))
        cfg = TrainConfig.from_dict(base)
    else:
        if args.config is None and not args.overrides:
            raise ValueError("give --config FILE (or --resume with a run that has config.json)")
        cfg = load_config(args.config, args.overrides)
    trainer = Trainer(cfg, run_dir, resume=args.resume, progress=not args.no_progress)
    summary = trainer.train()
    if trainer.is_main:
        print(json.dumps(summary, indent=2))
    if trainer.distributed:
        import torch.distributed as dist

        dist.destroy_process_group()
    return 0
