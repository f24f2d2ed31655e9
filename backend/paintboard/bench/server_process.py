"""A real ``paintboard serve`` child on a free loopback port, shared by the e2e benchmark and the
reliability scripts and tests, plus a client-independent ``ping``."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paintboard import protocol
from paintboard.bench.measure import proc_rss_kb

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A currently free TCP port on loopback (the OS picks it; small race, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """A real ``paintboard serve`` child process on a loopback port (tests, e2e, load, fuzz).

    Started with ``python -m paintboard.cli`` from this interpreter so it runs exactly the code
    under test.  ``extra`` is passed through (e.g. ``["--weights", path]``).
    """

    port: int = 0
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def endpoint(self) -> str:
        return f"tcp://{LOOPBACK}:{self.port}"

    def start(self, ready_timeout: float = 60.0) -> ServerProcess:
        """Start and wait until it answers ``ping`` (model loading can take a few seconds)."""
        if not self.port:
            self.port = free_port()
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = protocol.serve_command(sys.executable, self.port, *self.extra)
        import tempfile

        fd, name = tempfile.mkstemp(prefix="paintboard-serve-", suffix=".log")
        self.log_path = Path(name)
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            if raw_ping(self.endpoint, timeout=0.5):
                return self
        self.kill()
        raise RuntimeError(f"server did not answer ping within {ready_timeout} s:\n{self.log()}")

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_kb(self) -> tuple[int, int]:
        assert self.proc is not None
        return proc_rss_kb(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL (the fault tests' 'backend crashed') and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it does not go."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def cleanup(self) -> None:
        self.stop()
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


@contextlib.contextmanager
def server_or_endpoint(
    endpoint: str | None, server_args: str = "", log: Callable[[str], None] = print
) -> Iterator[tuple[str, ServerProcess | None]]:
    """``(endpoint, None)`` for a running server the user named, else a fresh loopback one for
    the duration (``(its endpoint, it)``), cleaned up after: the reliability scripts' set-up."""
    if endpoint is not None:
        yield endpoint, None
        return
    server = ServerProcess(extra=server_args.split()).start()
    assert server.proc is not None
    log(f"server pid {server.proc.pid} on {server.endpoint}")
    try:
        yield server.endpoint, server
    finally:
        server.cleanup()


def raw_ping(endpoint: str, timeout: float = 1.0) -> dict[str, Any] | None:
    """One ping on a throw-away DEALER socket; the reply header, or None.

    Independent of ``paintboard.serving.client`` on purpose: the harness must be able to tell
    "server down" from "client bug".
    """
    import zmq

    ctx = zmq.Context.instance()
    sock = protocol.open_dealer(ctx, endpoint)
    try:
        sock.send_multipart(protocol.encode(protocol.request(protocol.OP_PING, "raw-ping")))
        if sock.poll(int(timeout * 1000)):
            frames = sock.recv_multipart()
            return json.loads(frames[0])
        return None
    finally:
        sock.close(0)
