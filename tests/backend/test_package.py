"""Importing the package sets process-wide defaults before torch is loaded."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "import sys, os, paintboard; "
    "assert 'torch' not in sys.modules, 'paintboard must not import torch itself'; "
    "print(os.environ.get('OMP_WAIT_POLICY'))"
)


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_import_sets_passive_omp_wait_policy_unless_set(given, expected) -> None:
    """Spinning OpenMP threads made 2-thread generation 3.5-8.9x slower beside a busy Krita;
    OpenMP reads the variable when torch loads, so `import paintboard` must set it first, and a
    value the user chose must survive."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected
