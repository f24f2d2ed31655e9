"""The benchmark harness itself: `paintboard bench` runs end to end on tiny inputs and writes a
report with the fields the docs quote (so a refactor cannot silently break the figures' source).
No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from paintboard import bench as bm
from paintboard.bench.worker import _Runner

REPO = Path(__file__).resolve().parents[2]


def test_bench_cli_report(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "paintboard.cli", "bench", "--models", "tiny,tiny@t1+passive",
         "--sizes", "64", "--batch", "1,2", "--repeats", "2", "--threads", "1",
         "--variants", "channels_last,inference_mode", "--json", str(out)],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    cells = report["generator"]["cells"]
    assert len(cells) == 2 * 2 * 2  # models × variants × batches
    for c in cells:
        assert c["n"] == 2 and c["ms_per_image_median"] > 0 and c["peak_rss_mb"] > 0
        assert c["ms_per_image_p95"] >= c["ms_per_image_median"]
    whats = {r["what"] for r in report["generator"]["ratios"]}
    assert "tiny@t1+passive/tiny" in whats and "inference_mode/channels_last" in whats
    assert "ratios" in proc.stdout


def test_parse_spec() -> None:
    model, threads, env = bm.parse_spec("spade@t3+passive", None)
    assert (model, threads, env["OMP_WAIT_POLICY"]) == ("spade", 3, "PASSIVE")
    # `import paintboard` defaults the policy to PASSIVE, so spinning needs its own suffix
    model, threads, env = bm.parse_spec("shipped@t2+active", None)
    assert (model, threads, env["OMP_WAIT_POLICY"]) == ("shipped", 2, "ACTIVE")
    model, threads, _ = bm.parse_spec("shipped", 2)
    assert (model, threads) == ("shipped", 2)


def test_unknown_variant_is_a_clear_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "paintboard.cli", "bench", "--variants", "turbo"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 2 and "turbo" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("size", [16, 100])
def test_synthetic_document_uses_palette_colours_only(size: int) -> None:
    from paintboard import labels

    lab, strokes = bm.synthetic_document(size, size, seed=1)
    dec = labels.decode_labels(lab)
    assert dec.unknown_pixels == 0 and dec.snapped == 0 and dec.index.all()
    assert strokes.shape == (size, size, 4)


@pytest.mark.parametrize("force_fp32", [False, True])
def test_engine_variant_runs_what_the_engine_runs(monkeypatch, force_fp32: bool) -> None:
    """The default variant `engine` must measure the Engine's own precision choice (bf16
    autocast on a CPU with native bf16, PAINTBOARD_FP32 honoured), not a fixed fp32 path."""
    import torch
    from paintboard.inference import ENV_FP32, Engine

    if force_fp32:
        monkeypatch.setenv(ENV_FP32, "1")
    else:
        monkeypatch.delenv(ENV_FP32, raising=False)
    runner = _Runner("tiny", "cpu", None)
    engine = Engine(device="cpu")  # shipped weights: the precision depends on the device only
    assert runner.engine_precision == engine.precision
    with runner.autocast("engine"):
        on = torch.is_autocast_enabled("cpu")
    assert on == (engine.precision != "fp32")
    with runner.autocast("channels_last"):
        assert not torch.is_autocast_enabled("cpu")
    assert bm.VARIANTS[0] == "engine" and runner.call(64, 1, "engine") > 0
