"""Suite-wide rules.

In CI (``PAINTBOARD_REQUIRE_KRITA=1``) a test marked ``krita`` or ``required_in_ci`` that skips is
turned into a failure: the real-Krita tests and the checks in Krita's own Python (PyQt5 + zmq,
no numpy) are the only proof that the plugin works, so they must never silently vanish.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[type-arg]
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("PAINTBOARD_REQUIRE_KRITA") == "1"
        and any(item.get_closest_marker(m) is not None for m in ("krita", "required_in_ci"))
        and report.skipped
    ):
        report.outcome = "failed"
        report.longrepr = f"required test skipped but PAINTBOARD_REQUIRE_KRITA=1: {report.longrepr}"
