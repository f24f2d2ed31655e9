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

    def make(mode: str = "answer", port: int = 0, opaque: bool = False) -> FakeBackend:
        b = FakeBackend(port=port, mode=mode, opaque=opaque).start()
        backends.append(b)
        return b

    yield make
    for b in backends:
        b.crash()


@pytest.fixture
def blocking_calls(monkeypatch):
    """Every zmq call that could wait (no NOBLOCK, or a poll with a timeout) is listed.

    Only the test's (the UI's) thread counts; a fake backend serves from its own thread.
    Why not time each poll: a wall-clock limit fails on a busy machine and passes a blocking
    call that happens to be quick. What keeps the UI thread free is that no call can wait.
    """
    import threading

    import zmq

    calls: list[str] = []
    main = threading.main_thread()

    def flagged(name: str, orig, index: int):
        def wrapper(self, *args, **kwargs):
            flags = kwargs.get("flags", args[index] if len(args) > index else 0)
            if threading.current_thread() is main and not flags & zmq.NOBLOCK:
                calls.append(name)
            return orig(self, *args, **kwargs)
        return wrapper

    def timed(name: str, orig):
        def wrapper(self, timeout=None, *args, **kwargs):
            if threading.current_thread() is main and (timeout is None or timeout > 0):
                calls.append(f"{name}({timeout})")
            return orig(self, timeout, *args, **kwargs)
        return wrapper

    for name, index in (("send_multipart", 1), ("recv_multipart", 0), ("send", 1), ("recv", 0)):
        monkeypatch.setattr(zmq.Socket, name, flagged(name, getattr(zmq.Socket, name), index))
    monkeypatch.setattr(zmq.Socket, "poll", timed("Socket.poll", zmq.Socket.poll))
    monkeypatch.setattr(zmq.Poller, "poll", timed("Poller.poll", zmq.Poller.poll))
    return calls
