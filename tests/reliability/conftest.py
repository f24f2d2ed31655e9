"""Fixtures for the reliability suite: REAL ``paintboard serve`` processes on free loopback ports.

Short, bounded versions of the benchmark scripts (``scripts/load_test.py``,
``scripts/fuzz_server.py``), which are imported from their files here so CI runs exactly the code
that produces the published figures.  Timing is never asserted; only outcomes are.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from paintboard.bench import ServerProcess

REPO = Path(__file__).resolve().parents[2]
SERVE_ARGS = ["--device", "cpu", "--threads", "1"]


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` as a module (scripts/ is not a package on purpose)."""
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"paintboard_scripts_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fuzz() -> ModuleType:
    return load_script("fuzz_server")


@pytest.fixture(scope="session")
def load_test() -> ModuleType:
    return load_script("load_test")


@pytest.fixture(scope="session")
def weights_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """$PAINTBOARD_WEIGHTS, else a freshly initialised ``small`` model saved here.

    Not the shipped file: these tests are about the server's behaviour under load and faults,
    which must not depend on a binary artefact being in step with the network code (the
    weights' own tests cover that).  Same architecture and size, so timings are realistic.
    """
    env = os.environ.get("PAINTBOARD_WEIGHTS")
    if env:
        return ["--weights", env]
    import torch
    from paintboard.nets import PRESETS, Generator
    from paintboard.weights import save_generator

    torch.manual_seed(0)
    cfg = PRESETS["small"]
    path = tmp_path_factory.mktemp("weights") / "small-random.safetensors"
    save_generator(path, Generator(cfg).eval(), cfg, {"trained": False})
    return ["--weights", str(path)]


@pytest.fixture(scope="session")
def serve_args(weights_args: list[str]) -> list[str]:
    """``paintboard serve`` arguments for every server this suite starts (plus --port)."""
    return [*SERVE_ARGS, *weights_args]


@pytest.fixture(scope="module")
def server(serve_args: list[str]) -> Iterator[ServerProcess]:
    """One server per test module; a test that kills it uses its own instead."""
    proc = ServerProcess(extra=serve_args).start(ready_timeout=120)
    yield proc
    alive = proc.alive()
    log = proc.log()
    proc.cleanup()
    assert alive, f"server died during the module:\n{log}"
