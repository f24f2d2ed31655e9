"""Parent side of a benchmark worker: parse a model spec, start its process, send commands."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from typing import Any


def parse_spec(spec: str, threads: int | None) -> tuple[str, int | None, dict[str, str]]:
    """``MODEL[@tN][+passive|+active]`` → (model, threads, environment for the worker).

    ``@tN`` runs that worker with N torch threads; ``+passive`` sets ``OMP_WAIT_POLICY=PASSIVE``
    (OpenMP threads sleep instead of spinning at barriers) and ``+active`` sets ``ACTIVE`` (they
    spin: OpenMP's own default), which has to be in the environment before torch is imported,
    hence a separate process.  Without either the worker inherits this process's value, which
    ``import paintboard`` defaults to PASSIVE (what the Engine runs with).  So thread settings can
    be compared interleaved in one run: ``--models shipped@t1,shipped@t2+active,shipped@t2``.
    """
    env = dict(os.environ)
    model = spec
    for suffix, policy in (("+passive", "PASSIVE"), ("+active", "ACTIVE")):
        if suffix in model:
            model = model.replace(suffix, "")
            env["OMP_WAIT_POLICY"] = policy
    if "@t" in model:
        model, _, n = model.partition("@t")
        threads = int(n)
    return model, threads, env


class Worker:
    """Parent side of one model's worker process."""

    def __init__(self, spec: str, device: str, threads: int | None) -> None:
        self.spec = spec
        model, threads, env = parse_spec(spec, threads)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "paintboard.bench.worker",
                "--worker",
                model,
                device,
                str(threads or 0),
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.hello = self._read()
        if "error" in self.hello:
            raise RuntimeError(f"model {spec!r}: {self.hello['error']}")

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker for {self.spec!r} died (rc {self.proc.wait()})")
        return json.loads(line)

    def run(self, size: int, batch: int, variant: str, n: int = 1) -> dict[str, Any]:
        assert self.proc.stdin is not None
        cmd = {"size": size, "batch": batch, "variant": variant, "n": n}
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
