"""Promote a training run's exported EMA generator to the shipped ``weights/`` folder.

Why a script: the shipped card must carry what a user needs to trust the file — data, steps,
wall time, the training phases and the ``paintboard eval`` results — and the tensors must be
re-saved through :func:`paintboard.weights.save_generator` so the card's sha256 matches.

    python scripts/promote_weights.py runs/small/weights/small.safetensors \
        --eval runs/final_eval_128/results.json --eval runs/final_eval_256/results.json \
        --phase "64 px: steps 0-4873" --phase "128 px: steps 4873-N" -o weights/small.safetensors

``--natural-moods`` rebuilds the card's mood bank; ``--noise-gain 4=0.85`` scales one pixel-noise
level by a gain picked on the validation scenes (scripts/noise_sweep.py) and records it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch
from paintboard.weights import load_generator, save_generator


def apply_noise_gains(netG: Any, card: dict, specs: list[str]) -> dict[str, float]:
    """Scale pixel-noise levels in place; the card's record of all gains applied so far.

    A level already scaled in the source card is refused: promoting shipped weights again with
    the same option would otherwise compound the gain unnoticed.
    """
    done = dict(card.get("noise_gain", {}))
    scales = netG.noise_scale
    for spec in specs:
        level_s, _, gain_s = spec.partition("=")
        level, gain = int(level_s), float(gain_s)
        if scales is None or not 0 <= level < len(scales):
            raise SystemExit(f"--noise-gain {spec}: the model has no pixel-noise level {level}")
        if str(level) in done:
            raise SystemExit(
                f"--noise-gain {spec}: level {level} is already scaled by "
                f"{done[str(level)]}; promote from the run's own export instead"
            )
        with torch.no_grad():
            scales[level].mul_(gain)
        done[str(level)] = gain
    return done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("source", help="exported .safetensors of a run (its card sits beside it)")
    p.add_argument("-o", "--out", default="weights/small.safetensors")
    p.add_argument("--eval", action="append", default=[], help="paintboard eval results.json")
    p.add_argument("--phase", action="append", default=[], help="a line describing a phase")
    p.add_argument("--data-card", help="the training set's card.json (paintboard synth)")
    p.add_argument(
        "--natural-moods",
        action="store_true",
        help="rebuild the card's mood bank from natural synthetic scenes (moods.natural_bank)",
    )
    p.add_argument(
        "--noise-gain",
        action="append",
        default=[],
        metavar="LEVEL=GAIN",
        help="scale pixel-noise level LEVEL by GAIN (picked with scripts/noise_sweep.py)",
    )
    args = p.parse_args(argv)

    netG, cfg, card = load_generator(args.source)
    card = dict(card)
    card["trained"] = True
    training = dict(card.get("training", {}))
    if args.phase:
        training["phases"] = args.phase
    if args.data_card:
        data = json.loads(Path(args.data_card).read_text())
        keys = ("count", "size", "seeds", "generator", "generator_version", "attribution")
        training["data_card"] = {k: data[k] for k in keys if k in data}
    # the card travels: a machine's absolute data path means nothing on the next one
    for where in (training, training.get("config", {})):
        data = where.get("data")
        if isinstance(data, str) and Path(data).is_absolute():
            where["data"] = f"data/{Path(data).name}"
    card["training"] = training
    if args.natural_moods:
        from paintboard import moods

        card[moods.CARD_KEY] = moods.natural_bank(cfg.label_nc)
    if args.noise_gain:
        card["noise_gain"] = apply_noise_gains(netG, card, args.noise_gain)
    metrics = {}
    for path in args.eval:
        res = json.loads(Path(path).read_text())
        size = res.get("held_out", {}).get("size", Path(path).parent.name)
        metrics[f"eval_{size}px"] = res
    card["metrics"] = metrics
    save_generator(args.out, netG, cfg, card)
    load_generator(args.out)  # proves the checksum and config round-trip
    print(f"wrote {args.out} and its card")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
