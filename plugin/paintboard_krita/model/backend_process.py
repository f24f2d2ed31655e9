"""Start and stop the local backend process, and say clearly why it did not work.

Why ``subprocess.Popen`` and not QProcess: ``Popen.poll`` never blocks, so the watcher runs from
the same UI timer as the socket, and the logic is testable without Qt. Output goes to a log
file (not a pipe that could fill up and stall the backend); its tail explains a crash.
Readiness is an answered ``ping`` on the socket (the connection's job), not a stdout line.
"""

from __future__ import annotations

import enum
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

STARTUP_GRACE_S = 90.0  # importing torch and loading weights on a slow CPU


class BackendState(enum.Enum):
    not_configured = "not_configured"
    stopped = "stopped"
    running = "running"
    crashed = "crashed"


class BackendError(Exception):
    """A start failure with a message a person can act on."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _child_env() -> dict[str, str]:
    """Krita's PYTHONPATH/PYTHONHOME would make the backend's venv Python load Krita's modules."""
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(key, None)
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the backend gets SIGTERM if Krita dies without a clean quit."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class BackendProcess:
    """One backend child process; every method returns promptly (``stop`` is bounded)."""

    def __init__(self, command: list[str] | None, port: int, log_path: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.command = command
        self.port = port
        self.log_path = log_path
        self.clock = clock
        self.state = BackendState.not_configured if not command else BackendState.stopped
        self.message = ""
        self.started_at = 0.0
        self._proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self) -> None:
        """Start the backend. Raises BackendError for 'not installed' and 'port busy'."""
        if self._proc is not None and self._proc.poll() is None:
            return
        if not self.command:
            self.state = BackendState.not_configured
            raise BackendError(
                "Backend not installed: no backend command in the settings. Run the Paintboard "
                "installer (python installer/install.py), or connect to a running backend.")
        exe = self.command[0]
        if shutil.which(exe) is None and not Path(exe).is_file():
            self.state = BackendState.not_configured
            raise BackendError(
                f"Backend not installed: '{exe}' does not exist. Run the Paintboard installer "
                "again (python installer/install.py --check tells what is missing).")
        if not port_is_free(self.port):
            raise BackendError(
                f"Port {self.port} is busy: another program listens there and does not answer "
                "as a Paintboard backend. Close it or choose another port in the settings.")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logf = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child
        kwargs: dict = {}
        if sys.platform.startswith("linux"):
            kwargs["preexec_fn"] = _die_with_parent
        elif sys.platform == "win32":
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        try:
            self._proc = subprocess.Popen(self.command, stdout=logf, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, env=_child_env(), **kwargs)
        except OSError as exc:
            self.state = BackendState.crashed
            raise BackendError(f"Backend could not start: {exc}") from exc
        finally:
            logf.close()
        self.started_at = self.clock()
        self.state = BackendState.running
        self.message = f"backend started (pid {self._proc.pid}, port {self.port})"
        log.info("%s: %s", self.message, " ".join(self.command))

    def poll(self) -> str | None:
        """None while fine; a message once when the process has exited on its own."""
        if self._proc is None or self.state is not BackendState.running:
            return None
        code = self._proc.poll()
        if code is None:
            return None
        self.state = BackendState.crashed
        tail = self.log_tail()
        if "Address already in use" in tail or "address in use" in tail.lower():
            self.message = (f"Port {self.port} is busy: the backend could not listen there. "
                            "Choose another port in the settings and retry.")
        else:
            last = tail.strip().splitlines()[-1] if tail.strip() else "no output"
            self.message = f"Backend crashed (exit code {code}): {last}"
        return self.message

    def log_tail(self, limit: int = 4000) -> str:
        try:
            data = self.log_path.read_bytes()[-limit:]
        except OSError:
            return ""
        return data.decode("utf-8", "replace")

    def stop(self, timeout: float = 3.0) -> None:
        """terminate → wait (bounded) → kill: Krita's quit never hangs on the backend."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    log.error("backend pid %s did not die", proc.pid)
        if self.state is BackendState.running:
            self.state = BackendState.stopped
