"""Krita's Python has no numpy or torch: importing the plugin must not pull them in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pb_helpers import system_python

ROOT = Path(__file__).resolve().parents[2]
MODEL_MODULES = ["paintboard_krita", "paintboard_krita.settings", "paintboard_krita.transport",
                 "paintboard_krita.document", "paintboard_krita.model.connection",
                 "paintboard_krita.model.backend_process", "paintboard_krita.model.history",
                 "paintboard_krita.model.jobs", "paintboard_krita.model.live",
                 "paintboard_krita.model.editing", "paintboard_krita.model.root",
                 "paintboard_krita.model.labels", "paintboard_krita.model.templates",
                 "paintboard_krita.model.local_redraw"]
UI_MODULES = ["paintboard_krita.app", "paintboard_krita.extension", "paintboard_krita.ui.docker",
              "paintboard_krita.ui.settings_dialog"]

CODE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("krita", {mock!r})
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
sys.modules["krita"] = mod
sys.path.insert(0, {plugin!r})
for name in {modules!r}:
    __import__(name)
heavy = sorted(m for m in ("numpy", "torch", "scipy", "PIL") if m in sys.modules)
assert not heavy, heavy
print("clean")
"""


def _run(python: str, modules: list[str]) -> None:
    code = CODE.format(mock=str(ROOT / "tests/mock/krita.py"), plugin=str(ROOT / "plugin"),
                       modules=modules)
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "clean" in out.stdout, out.stderr


def test_model_modules_import_without_numpy_or_torch():
    _run(sys.executable, MODEL_MODULES)


@pytest.mark.required_in_ci
def test_ui_modules_import_in_krita_like_python():
    """The system Python (the one Krita embeds on Debian) has PyQt5 and zmq but no numpy."""
    _run(system_python(), MODEL_MODULES + UI_MODULES)
