"""Shared helpers for the plugin tests."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest


def pump(conn, cond, timeout: float = 10.0, step: float = 0.005) -> bool:
    """Poll like the UI timer does, until ``cond()`` or the timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        conn.poll()
        if cond():
            return True
        time.sleep(step)
    return False


def system_python() -> str:
    """The system Python, the one Krita embeds on Debian (PyQt5 and zmq, no numpy); skips the
    test where it lacks those (CI installs them and marks such tests required)."""
    system = shutil.which("python3", path="/usr/bin")
    probe = [system or "python3", "-c", "import PyQt5.QtWidgets, zmq"]
    if system is None or subprocess.run(probe, capture_output=True).returncode:
        pytest.skip("no system Python with PyQt5 and zmq")
    return system
