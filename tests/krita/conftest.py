"""Real-Krita fixtures: backends on free loopback ports, always stopped afterwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from krita_helpers import KRITARUNNER, free_port, wait_ping  # noqa: E402


@pytest.fixture
def backend_process():
    """Start a backend command on a free port; yields (endpoint, Popen); always stopped."""
    procs: list[subprocess.Popen] = []

    def start(argv_for_port, timeout: float = 180) -> tuple[str, subprocess.Popen]:
        port = free_port()
        proc = subprocess.Popen(argv_for_port(port), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(proc)
        endpoint = f"tcp://127.0.0.1:{port}"
        wait_ping(endpoint, proc, timeout)
        return endpoint, proc

    yield start
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)


def pytest_collection_modifyitems(config, items):
    if KRITARUNNER is None:
        skip = pytest.mark.skip(reason="kritarunner (Krita) is not installed")
        for item in items:
            if "tests/krita" in str(item.fspath):
                item.add_marker(skip)
