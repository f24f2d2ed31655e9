"""Outside-Krita plugin tests: the stand-in ``krita`` module goes into ``sys.modules`` here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MOCK = ROOT / "tests" / "mock"
sys.path.insert(0, str(ROOT / "plugin"))
sys.path.insert(0, str(MOCK))

_spec = importlib.util.spec_from_file_location("krita", MOCK / "krita.py")
krita_stand_in = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(krita_stand_in)
sys.modules["krita"] = krita_stand_in


@pytest.fixture(autouse=True)
def fresh_krita():
    """Every test gets a new Krita singleton (no documents left over from another test)."""
    krita_stand_in.Krita.reset()
    yield krita_stand_in.Krita.instance()
    krita_stand_in.Krita.reset()


@pytest.fixture
def fake_backend():
    from fake_backend import FakeBackend

    backends = []

    def make(mode: str = "answer", port: int = 0) -> FakeBackend:
        b = FakeBackend(port=port, mode=mode).start()
        backends.append(b)
        return b

    yield make
    for b in backends:
        b.crash()
