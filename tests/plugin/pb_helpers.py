"""Shared helpers for the plugin tests."""

from __future__ import annotations

import time


def pump(conn, cond, timeout: float = 10.0, step: float = 0.005) -> bool:
    """Poll like the UI timer does, until ``cond()`` or the timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        conn.poll()
        if cond():
            return True
        time.sleep(step)
    return False
