"""scripts/promote_weights.py: what the shipped card says about the weights it sits beside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from paintboard import moods, palette
from paintboard.nets.config import PRESETS
from paintboard.nets.generator import Generator
from paintboard.weights import load_generator, save_generator

REPO = Path(__file__).resolve().parents[2]


def test_promotion_gives_natural_moods_portable_paths_and_the_eval(tmp_path: Path) -> None:
    cfg = PRESETS["tiny"]
    torch.manual_seed(0)
    src = tmp_path / "run" / "tiny.safetensors"
    training = {"data": "/some/machine/data/synth512", "config": {"data": "/x/data/synth512"}}
    save_generator(src, Generator(cfg), cfg, {"trained": True, "training": training})
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"held_out": {"size": 256}, "passed": True}))
    out = tmp_path / "weights" / "small.safetensors"
    env = {**os.environ, "PYTHONPATH": str(REPO / "backend")}
    cmd = [sys.executable, str(REPO / "scripts" / "promote_weights.py"), str(src)]
    cmd += ["--natural-moods", "--eval", str(results), "--phase", "one phase", "-o", str(out)]
    subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=300)

    _, _, card = load_generator(out)  # the checksum and config still agree
    assert card["training"]["data"] == "data/synth512"
    assert card["training"]["config"]["data"] == "data/synth512"
    assert card["training"]["phases"] == ["one phase"]
    assert card["metrics"]["eval_256px"]["passed"] is True
    bank = moods.from_card(card, cfg.label_nc)
    assert bank is not None and len(bank) == 64
    sky = bank[:, palette.BY_NAME["sky"].id]
    assert (sky[:, 2] > sky[:, 0]).mean() > 0.6  # natural lights: mostly blue skies
