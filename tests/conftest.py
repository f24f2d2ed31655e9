"""Suite-wide rules.

In CI (``PAINTBOARD_REQUIRE_KRITA=1``) a test marked ``krita`` that skips is turned into a failure:
the real-Krita tests are the only proof that the plugin works, so they must never silently vanish.
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
        and item.get_closest_marker("krita") is not None
        and report.skipped
    ):
        report.outcome = "failed"
        report.longrepr = f"krita test skipped but PAINTBOARD_REQUIRE_KRITA=1: {report.longrepr}"
