"""scripts/promote_weights.py: what the shipped card says about the weights it sits beside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from paintboard import moods, palette
from paintboard.nets.config import PRESETS, ModelConfig
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


def noisy_tiny(path: Path) -> Generator:
    """A tiny generator with pixel noise whose scales are non-zero (they start at zero)."""
    cfg = ModelConfig.from_dict({**PRESETS["tiny"].to_dict(), "pixel_noise": True})
    torch.manual_seed(1)
    net = Generator(cfg)
    with torch.no_grad():
        for i, p in enumerate(net.noise_scale):
            p.fill_(0.1 * (i + 1))
    save_generator(path, net, cfg, {"trained": True})
    return net


def promote(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "backend")}
    cmd = [sys.executable, str(REPO / "scripts" / "promote_weights.py"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_a_noise_gain_scales_one_level_once(tmp_path: Path) -> None:
    src, out = tmp_path / "src.safetensors", tmp_path / "out.safetensors"
    before = noisy_tiny(src)
    assert promote(str(src), "--noise-gain", "1=0.5", "-o", str(out)).returncode == 0
    net, _, card = load_generator(out)
    assert card["noise_gain"] == {"1": 0.5}
    for i, (a, b) in enumerate(zip(before.noise_scale, net.noise_scale, strict=True)):
        torch.testing.assert_close(b, a * (0.5 if i == 1 else 1.0))
    # promoting the promoted file again must not compound the gain
    again = promote(str(out), "--noise-gain", "1=0.5", "-o", str(tmp_path / "x.safetensors"))
    assert again.returncode != 0 and "already scaled" in again.stderr
    assert not (tmp_path / "x.safetensors").exists()
    bad = promote(str(src), "--noise-gain", "9=0.5", "-o", str(tmp_path / "y.safetensors"))
    assert bad.returncode != 0 and "no pixel-noise level 9" in bad.stderr


def test_noise_sweep_scores_each_gain_on_the_validation_scenes(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import noise_sweep
    finally:
        sys.path.pop(0)
    weights = tmp_path / "tiny.safetensors"
    noisy_tiny(weights)
    rows = noise_sweep.sweep(str(weights), 2, [1.0, 1.0, 0.0], count=3, size=48)
    assert [r["gain"] for r in rows] == [1.0, 1.0, 0.0]
    assert rows[0]["none"] == rows[1]["none"] and rows[0]["strokes"] == rows[1]["strokes"]
    assert rows[2]["none"] != rows[0]["none"]  # the gain reaches the pictures
    assert list(rows[0]["none"]) == ["48", "24"]  # the two finest levels
