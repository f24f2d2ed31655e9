"""Fixtures for protocol tests: an in-process server with a scriptable engine, and a REAL
``paintboard serve`` subprocess on a free loopback port, declared ready only when it answers
``ping`` on the socket (never by matching a log line).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from paintboard import protocol
from paintboard.serving.client import Client, ClientError

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    """A port that was free a moment ago on loopback (the server fixture retries on a clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---- in-process server with a fake engine ----------------------------------------------------


class FakeInputError(ValueError):
    """Stands in for inference.InputError: an exception with a ``reason``, no protocol code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class FakeCancelled(Exception):
    reason = "cancelled"


@dataclass
class FakeResult:
    image: np.ndarray
    seed: int
    model: str = "fake"
    labels: dict = field(
        default_factory=lambda: {"snapped": 3, "unknown": [[1, 2, 3, 7]], "unknown_pixels": 0}
    )
    timings: dict = field(default_factory=lambda: {"generate": 0.001})


class FakeEngine:
    """Deterministic engine: output pixel = labels with R and B mixed by seed.

    ``delay`` makes generation slow in small steps that honour ``should_stop`` (cancel tests);
    ``gate`` (an Event) blocks generation until set, so queue states are exact, not timed.
    A labels layer whose first pixel is (255, 0, 0, 255) raises FakeInputError("labels");
    (0, 255, 0, 255) raises RuntimeError (an engine bug).
    """

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()
        self.calls: list[int] = []

    def info(self) -> dict[str, Any]:
        return {"model": "fake", "trained": False, "device": "cpu", "feature_s": 9}

    def generate(self, labels, strokes, seed=0, size=256, should_stop=None) -> FakeResult:
        self.calls.append(seed)
        self.started.set()
        while not self.gate.wait(0.01):
            if should_stop is not None and should_stop():
                raise FakeCancelled("stopped")
        first = tuple(int(v) for v in labels[0, 0])
        if first == (255, 0, 0, 255):
            raise FakeInputError("labels", "labels layer is empty")
        if first == (0, 255, 0, 255):
            raise RuntimeError("boom")
        out = labels.copy()
        out[..., 0] = (out[..., 0].astype(int) + seed) % 256
        if strokes is not None:
            out[..., 1] = strokes[..., 1]
        return FakeResult(image=out, seed=seed)


@dataclass
class InprocServer:
    server: Any
    engine: FakeEngine
    endpoint: str

    def client(self, **kw: Any) -> Client:
        kw.setdefault("timeout", 5.0)
        kw.setdefault("retries", 0)
        return Client(self.endpoint, **kw)


@pytest.fixture
def inproc_server() -> Iterator[InprocServer]:
    from paintboard.serving.server import Server

    engine = FakeEngine()
    server = Server(engine, f"tcp://{HOST}:*")
    endpoint = server.bind()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield InprocServer(server, engine, endpoint)
    engine.gate.set()
    server.stop()
    thread.join(10)
    assert not thread.is_alive(), "server did not stop"


# ---- real `paintboard serve` subprocess -------------------------------------------------------


def _weights_path(tmp_factory: pytest.TempPathFactory) -> Path:
    """$PAINTBOARD_WEIGHTS, else the shipped weights, else a tiny untrained model made here."""
    env = os.environ.get("PAINTBOARD_WEIGHTS")
    if env:
        return Path(env)
    shipped = REPO / "weights" / "small.safetensors"
    if shipped.is_file():
        return shipped
    from paintboard.nets.config import PRESETS
    from paintboard.nets.generator import Generator
    from paintboard.weights import save_generator

    cfg = PRESETS["tiny"]
    path = tmp_factory.mktemp("weights") / "tiny.safetensors"
    save_generator(path, Generator(cfg), cfg, {"trained": False})
    return path


@dataclass
class RealServer:
    proc: subprocess.Popen
    port: int
    endpoint: str
    log_path: Path

    def client(self, **kw: Any) -> Client:
        kw.setdefault("timeout", 60.0)
        kw.setdefault("retries", 0)
        return Client(self.endpoint, **kw)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_serve(
    tmp_path: Path,
    weights: Path,
    extra: list[str] = (),  # type: ignore[assignment]
    client_kw: dict[str, Any] | None = None,
    wait: float = 120.0,
) -> RealServer:
    """Start `paintboard serve` on a free port; return once it answers ping (or fail loudly)."""
    for _ in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        log_path = tmp_path / f"serve-{port}.log"
        cmd = protocol.serve_command(sys.executable, port, "--host", HOST, "--weights",
                                     str(weights), "--device", "cpu", "--threads", "1", *extra)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        server = RealServer(proc, port, f"tcp://{HOST}:{port}", log_path)
        deadline = time.monotonic() + wait
        with Client(server.endpoint, timeout=0.5, retries=0, **(client_kw or {})) as c:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    c.ping(timeout=0.5, retries=0)
                    return server
                except ClientError:
                    c.reconnect()
        if proc.poll() is None:
            stop_serve(server)
            raise AssertionError(f"server never answered ping:\n{server.log()}")
        if "Address already in use" not in server.log():
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.log()}")
    raise AssertionError("no free port after 3 tries")


def stop_serve(server: RealServer, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
    if server.proc.poll() is None:
        server.proc.send_signal(sig)
        try:
            server.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
            raise AssertionError(f"server ignored signal {sig}:\n{server.log()}") from None
    return server.proc.returncode


@pytest.fixture
def stop_server() -> Callable[..., int]:
    """:func:`stop_serve` for test modules (conftest is not importable as a module)."""
    return stop_serve


@pytest.fixture(scope="session")
def weights_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _weights_path(tmp_path_factory)


@pytest.fixture(scope="module")
def real_server(
    tmp_path_factory: pytest.TempPathFactory, weights_path: Path
) -> Iterator[RealServer]:
    server = start_serve(tmp_path_factory.mktemp("serve"), weights_path)
    yield server
    assert stop_serve(server) == 0, server.log()


@pytest.fixture
def start_server(tmp_path: Path, weights_path: Path) -> Iterator[Callable[..., RealServer]]:
    """Factory for tests that need their own server process (signals, CURVE)."""
    started: list[RealServer] = []

    def start(extra: list[str] = (), **kw: Any) -> RealServer:  # type: ignore[assignment]
        server = start_serve(tmp_path, weights_path, list(extra), **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
