"""`paintboard generate` / `info` as a user runs them: a subprocess on the shipped examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "paintboard.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


def test_generate_example(tmp_path):
    out = tmp_path / "out.png"
    res = cli(
        "generate",
        str(EXAMPLES / "labels.png"),
        "--strokes",
        str(EXAMPLES / "strokes.png"),
        "-o",
        str(out),
        "--size",
        "128",
        "--seed",
        "2",
        "--device",
        "cpu",
    )
    assert res.returncode == 0, res.stderr
    assert "timings:" in res.stdout and "snapped" in res.stdout
    with Image.open(EXAMPLES / "labels.png") as lab, Image.open(out) as im:
        assert im.size == lab.size
        assert np.asarray(im.convert("RGBA"))[..., 3].min() == 255


def test_generate_errors_exit_2_without_traceback(tmp_path):
    res = cli("generate", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"))
    assert res.returncode == 2 and "not found" in res.stderr and "Traceback" not in res.stderr

    blank = tmp_path / "blank.png"
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(blank)
    res = cli("generate", str(blank), "-o", str(tmp_path / "o.png"), "--device", "cpu")
    assert res.returncode == 2 and "empty" in res.stderr and "Traceback" not in res.stderr

    res = cli("generate", str(EXAMPLES / "labels.png"), "-o", "x.png", "--weights", "nope.st")
    assert res.returncode == 2 and "nope.st" in res.stderr and "Traceback" not in res.stderr


def test_info():
    res = cli("info", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "model:" in res.stdout and "small" in res.stdout and "sky" in res.stdout
    assert "trained:" in res.stdout and "parameters" in res.stdout


def _generate_in_process(tmp_path: Path, strokes: Path, name: str) -> np.ndarray:
    import argparse

    from paintboard.commands import generate

    parser = argparse.ArgumentParser()
    generate.add_arguments(parser)
    out = tmp_path / f"{name}.png"
    args = parser.parse_args([str(EXAMPLES / "labels.png"), "--strokes", str(strokes),
                              "-o", str(out), "--size", "64", "--device", "cpu"])  # fmt: skip
    assert generate.run(args) == 0
    with Image.open(out) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def test_rgb_stroke_file_means_the_same_as_rgba(tmp_path):
    """An RGB stroke file (no alpha): black = not painted, so one orange dab on black is the
    same input as that dab on a transparent layer (it used to become one opaque stroke)."""
    with Image.open(EXAMPLES / "labels.png") as lab:
        w, h = lab.size
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[h // 8 : h // 4, w // 3 : w // 2] = (255, 140, 0, 255)
    Image.fromarray(rgba).save(tmp_path / "dab_rgba.png")
    Image.fromarray(rgba[..., :3].copy()).save(tmp_path / "dab_rgb.png")
    a = _generate_in_process(tmp_path, tmp_path / "dab_rgba.png", "a")
    b = _generate_in_process(tmp_path, tmp_path / "dab_rgb.png", "b")
    np.testing.assert_array_equal(a, b)


def test_generate_refuses_a_working_size_past_the_limit(tmp_path):
    res = cli("generate", str(EXAMPLES / "labels.png"), "-o", str(tmp_path / "o.png"),
              "--size", "4096")  # fmt: skip
    assert res.returncode == 2 and "4096" in res.stderr and "Traceback" not in res.stderr
