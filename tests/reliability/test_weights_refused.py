"""Corrupt, truncated, tampered and pickled weights are refused by ``paintboard serve`` and
``paintboard generate`` with a message naming the file — no traceback, no code run — and no
module of Paintboard can unpickle anything.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from paintboard.bench import free_port, synthetic_document
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class _Boom:
    """Unpickling this runs ``touch MARKER``: proof that nothing unpickles weights."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from paintboard.nets import PRESETS, Generator
    from paintboard.weights import save_generator

    torch.manual_seed(0)
    cfg = PRESETS["tiny"]
    path = tmp_path_factory.mktemp("good") / "tiny.safetensors"
    save_generator(path, Generator(cfg).eval(), cfg, {"trained": False})
    return path


def _variant(good: Path, tmp: Path, name: str) -> Path:
    """A broken copy of ``good`` (with its card beside it, so only the tensors file is bad)."""
    path = tmp / f"{name}.safetensors"
    (tmp / f"{name}.json").write_bytes(good.with_suffix(".json").read_bytes())
    data = good.read_bytes()
    if name == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif name == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(len(data)))
    elif name == "empty":
        path.write_bytes(b"")
    elif name == "pickle":
        path.write_bytes(pickle.dumps(_Boom(tmp / "MARKER")))
    elif name == "header-tampered":
        # change the model config inside the safetensors header: card and tensors disagree
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + n])
        cfg = json.loads(header["__metadata__"]["config"])
        cfg["ngf"] = cfg["ngf"] * 2
        header["__metadata__"]["config"] = json.dumps(cfg, sort_keys=True)
        raw = json.dumps(header).encode()
        raw += b" " * (-len(raw) % 8)
        path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n :])
    elif name == "shape-tampered":
        from safetensors import safe_open
        from safetensors.torch import save_file

        with safe_open(str(good), framework="pt") as f:
            meta = f.metadata()
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
        key = next(k for k, v in tensors.items() if v.ndim == 4)
        tensors[key] = tensors[key][:, :1].contiguous()
        save_file(tensors, str(path), metadata=meta)
    elif name == "offsets-tampered":
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + n])
        key = next(k for k in header if k != "__metadata__")
        header[key]["data_offsets"][1] += 10**9  # points past the end of the file
        raw = json.dumps(header).encode()
        raw += b" " * (-len(raw) % 8)
        path.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n :])
    else:
        raise AssertionError(name)
    return path


KINDS = [
    "truncated",
    "garbage",
    "empty",
    "pickle",
    "header-tampered",
    "shape-tampered",
    "offsets-tampered",
]


def _run(args: list[str], timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paintboard.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def _assert_refused(proc: subprocess.CompletedProcess[str], path: Path) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Traceback" not in out, out
    assert str(path) in proc.stderr, proc.stderr
    assert "error" in proc.stderr.lower()


@pytest.mark.parametrize("kind", KINDS)
def test_serve_refuses_bad_weights(good: Path, tmp_path: Path, kind: str) -> None:
    path = _variant(good, tmp_path, kind)
    proc = _run(["serve", "--port", str(free_port()), "--weights", str(path), "--device", "cpu"])
    _assert_refused(proc, path)
    assert not (tmp_path / "MARKER").exists(), "a pickle in a weights file was executed"


@pytest.mark.parametrize("kind", ["truncated", "pickle", "header-tampered", "shape-tampered"])
def test_generate_refuses_bad_weights(good: Path, tmp_path: Path, kind: str) -> None:
    path = _variant(good, tmp_path, kind)
    labels, _ = synthetic_document(64, 48)
    label_png = tmp_path / "labels.png"
    Image.fromarray(labels).save(label_png)
    out = tmp_path / "out.png"
    proc = _run(["generate", str(label_png), "-o", str(out), "--weights", str(path)])
    _assert_refused(proc, path)
    assert not out.exists()
    assert not (tmp_path / "MARKER").exists(), "a pickle in a weights file was executed"


def test_missing_card_is_refused(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "nocard.safetensors"
    path.write_bytes(good.read_bytes())
    proc = _run(["serve", "--port", str(free_port()), "--weights", str(path), "--device", "cpu"])
    _assert_refused(proc, path)


# ---- no pickle anywhere -----------------------------------------------------------------------

PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve"}
SOURCE_DIRS = ["backend", "plugin", "installer", "scripts"]


def _python_files() -> list[Path]:
    files: list[Path] = []
    for d in SOURCE_DIRS:
        root = REPO / d
        if root.is_dir():
            files += [p for p in root.rglob("*.py") if ".venv" not in p.parts]
    return files


def pickle_uses(source: str) -> list[str]:
    """Every way a Python file could unpickle: pickle-family imports, ``torch.load`` without
    ``weights_only=True``, ``np.load(..., allow_pickle=True)``, ``torch.jit.load``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"import {a.name}" for a in node.names if a.name.split(".")[0] in PICKLE_MODULES
            ]
        elif (
            isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PICKLE_MODULES
        ):
            found.append(f"from {node.module} import …")
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            kw = {k.arg: k.value for k in node.keywords}
            if name.endswith("torch.load") or name == "load" and "weights_only" in kw:
                wo = kw.get("weights_only")
                if not (isinstance(wo, ast.Constant) and wo.value is True):
                    found.append(f"{name}(…) without weights_only=True (line {node.lineno})")
            if name.endswith("jit.load"):
                found.append(f"{name}(…) (line {node.lineno})")
            ap = kw.get("allow_pickle")
            if ap is not None and not (isinstance(ap, ast.Constant) and ap.value is False):
                found.append(f"{name}(allow_pickle=…) (line {node.lineno})")
            if (
                name.split(".")[-1] in ("loads", "load", "Unpickler")
                and name.split(".")[0] in PICKLE_MODULES
            ):
                found.append(f"{name}(…) (line {node.lineno})")
    return found


def test_pickle_detector_catches_what_it_should() -> None:
    bad = (
        "import pickle\nfrom joblib import load\nimport torch\nimport numpy as np\n"
        "torch.load('x')\ntorch.load('x', weights_only=False)\nnp.load('x', allow_pickle=True)\n"
        "torch.jit.load('m')\n"
    )
    assert len(pickle_uses(bad)) == 6, pickle_uses(bad)
    good_src = "import torch\ntorch.load('x', weights_only=True)\nnp.load('x')\n"
    assert pickle_uses(good_src) == []


def test_no_pickle_anywhere_in_the_sources() -> None:
    files = _python_files()
    assert len(files) > 20  # the scan really saw the code base
    offenders = {
        str(p.relative_to(REPO)): uses
        for p in files
        if (uses := pickle_uses(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}, offenders
