"""The prepared GPU training round (scripts/gpu_train.sh), dry-run on the CPU, and what it needs:
a working tree small enough to travel to the lent machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from paintboard.train.checkpoint import latest_checkpoint
from paintboard.weights import load_generator

REPO = Path(__file__).resolve().parents[2]
DEVICE_CARRY_MIB = 64  # the device tool's limit on the working tree it copies


def test_the_working_tree_fits_what_a_lent_gpu_machine_takes() -> None:
    """Training states are big (45 MB each): one too many and no GPU round can start."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    total = sum((REPO / f.decode()).stat().st_size for f in files if f)
    assert total < (DEVICE_CARRY_MIB - 2) * 2**20, f"tracked files: {total / 2**20:.1f} MiB"


@pytest.mark.slow
def test_gpu_round_dry_run_brings_back_exports_sweeps_and_a_resumable_state(
    tmp_path: Path,
) -> None:
    out, run = tmp_path / "out", tmp_path / "run"
    env = os.environ | {
        "OUT": str(out),
        "GPU_TRAIN_DEVICE": "cpu",
        "GPU_TRAIN_DATA": str(tmp_path / "data"),
        "GPU_TRAIN_RUN": str(run),
        "GPU_TRAIN_SCENES": "8",
        "GPU_TRAIN_SCENE_SIZE": "96",
        "GPU_TRAIN_WORKERS": "1",
        "GPU_TRAIN_CHUNKS": "2",
        "GPU_TRAIN_STEPS": "1",
        "GPU_TRAIN_BATCH": "2",
        "GPU_TRAIN_SET": "size=64 shapes=[[64,64]] num_workers=0 threads=1",
        "GPU_TRAIN_SWEEP": "--count 3 --size 64 --gains 0.5 1.0",
    }
    res = subprocess.run(
        ["bash", str(REPO / "scripts" / "gpu_train.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    summary = (out / "summary.txt").read_text()
    assert "ALL PASS" in summary and "FAIL" not in summary
    # one export per chunk, each a loadable generator that knows its step
    start = int(latest_checkpoint(REPO / "weights/train_state/small_r3/checkpoints").stem[5:])
    steps = sorted(int(p.stem[5:]) for p in (out / "exports").glob("step_*.safetensors"))
    assert steps == [start + 1, start + 2]
    _, cfg, card = load_generator(out / "exports" / f"step_{steps[-1]}.safetensors")
    assert card["training"]["steps"] == steps[-1] and cfg.name == "small"
    # a noise-gain row per gain and export, on the validation scenes
    rows = [json.loads(x) for x in (out / f"sweep_step_{steps[0]}.jsonl").read_text().splitlines()]
    assert [r["gain"] for r in rows] == [0.5, 1.0] and set(rows[0]) == {"gain", "none", "strokes"}
    # the newest checkpoint comes back in parts under 16 MiB that put together are the same bytes
    parts = sorted((out / "state").glob("*.part*"))
    assert parts and all(p.stat().st_size <= 15 * 2**20 for p in parts)
    newest = latest_checkpoint(run / "checkpoints")
    for suffix in (".pt", ".safetensors"):
        mine = newest.with_suffix(suffix)
        pieces = sorted((out / "state").glob(f"{mine.name}.part*"))
        assert b"".join(p.read_bytes() for p in pieces) == mine.read_bytes()
    assert {p.name.split(".")[0] for p in parts} == {newest.stem}  # the newest only
    assert json.loads((out / "state" / "config.json").read_text())["batch_size"] == 2
    # the shipped state itself is untouched
    assert latest_checkpoint(REPO / "weights/train_state/small_r3/checkpoints").stem == (
        f"step_{start:08d}"
    )
