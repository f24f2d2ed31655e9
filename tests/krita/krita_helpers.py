"""Helpers for the real-Krita tests: kritarunner runs, backend commands, ping readiness."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KRITARUNNER = shutil.which("kritarunner")
SERVE = os.environ.get("PAINTBOARD_SERVE", str(ROOT / ".venv" / "bin" / "paintboard"))



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_kritarunner(out: Path, endpoint: str, phase: str, extra_env: dict | None = None,
                    timeout: float = 420, script: str = "krita_script") -> dict:
    """Run tests/krita/<script>.py in Krita; return its JSON result (the only verdict)."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'plugin'}{os.pathsep}{Path(__file__).parent}",
               PAINTBOARD_NO_REGISTER="1", PB_OUT=str(out), PB_ENDPOINT=endpoint, PB_PHASE=phase,
               QT_QPA_PLATFORM="offscreen", **(extra_env or {}))
    proc = subprocess.run([KRITARUNNER, "-s", script, "-f", "run"], env=env,
                          capture_output=True, timeout=timeout, cwd=out)
    result = out / "result.json"
    assert result.exists(), f"no result file; kritarunner said:\n{proc.stderr.decode()[-3000:]}"
    data = json.loads(result.read_text())
    assert data.get("ok"), data.get("error")
    return data


def wait_ping(endpoint: str, proc: subprocess.Popen, timeout: float) -> None:
    import zmq

    sys.path.insert(0, str(ROOT / "backend"))
    from paintboard import protocol

    ctx = zmq.Context.instance()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, "backend exited during start-up"
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(endpoint)
        s.send_multipart(protocol.encode(protocol.request("ping", "t")))
        if s.poll(1000):
            s.close()
            return
        s.close()
    raise AssertionError(f"backend at {endpoint} did not answer a ping in {timeout} s")


def fake_backend_argv(port: int) -> list[str]:
    return [sys.executable, str(ROOT / "tests" / "mock" / "fake_backend.py"), "--port", str(port)]


def real_backend_argv(port: int) -> list[str]:
    return [SERVE, "serve", "--port", str(port)]


