"""Backend process lifecycle: clear messages for not installed, port busy, crashed; bounded stop."""

from __future__ import annotations

import socket
import sys
import time

import pytest
from paintboard_krita.model.backend_process import BackendError, BackendProcess, BackendState


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_not_configured_and_missing_executable(tmp_path):
    with pytest.raises(BackendError, match="not installed"):
        BackendProcess(None, _port(), tmp_path / "log").start()
    with pytest.raises(BackendError, match="not installed.*does not exist"):
        BackendProcess(["/nonexistent/paintboard", "serve"], _port(), tmp_path / "log").start()


def test_port_busy(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(BackendError, match=f"Port {port} is busy"):
            BackendProcess([sys.executable, "-c", "pass"], port, tmp_path / "log").start()


def test_crash_is_reported_with_the_last_log_line(tmp_path):
    code = "import sys; print('loading'); print('weights file is corrupt'); sys.exit(3)"
    bp = BackendProcess([sys.executable, "-c", code], _port(), tmp_path / "log")
    bp.start()
    end = time.monotonic() + 20
    msg = None
    while msg is None and time.monotonic() < end:
        msg = bp.poll()
        time.sleep(0.02)
    assert bp.state is BackendState.crashed
    assert msg == "Backend crashed (exit code 3): weights file is corrupt"


def test_address_in_use_in_log_means_port_busy(tmp_path):
    code = "import sys; print('zmq.error.ZMQError: Address already in use'); sys.exit(1)"
    bp = BackendProcess([sys.executable, "-c", code], _port(), tmp_path / "log")
    bp.start()
    end = time.monotonic() + 20
    while bp.poll() is None and time.monotonic() < end:
        time.sleep(0.02)
    assert "is busy" in bp.message


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path):
    code = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")
    bp = BackendProcess([sys.executable, "-c", code], _port(), tmp_path / "log")
    bp.start()
    end = time.monotonic() + 20
    while "ready" not in bp.log_tail() and time.monotonic() < end:
        time.sleep(0.02)
    proc = bp._proc
    bp.stop(timeout=0.5)
    assert proc.poll() is not None and bp.state is BackendState.stopped


def test_child_env_drops_krita_pythonpath(monkeypatch):
    from paintboard_krita.model.backend_process import _child_env

    monkeypatch.setenv("PYTHONPATH", "/usr/lib/krita-python-libs")
    assert "PYTHONPATH" not in _child_env()
