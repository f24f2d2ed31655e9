"""Benchmark (issue #12): local redraw of part of an A4 document vs a full Draw!, in real Krita.

Starts ``paintboard serve`` on a free loopback port and runs tests/krita/krita_bench_local.py
under kritarunner (headless), which times press → result layer through the plugin's own code.
A benchmark, not a test: nothing is asserted about time.

    PYTHONPATH=backend .venv/bin/python scripts/bench_local_redraw.py [--size 2480x3508]
        [--fraction 0.1] [--reps 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "krita"))
from krita_helpers import SERVE, free_port, run_kritarunner, wait_ping  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="2480x3508")
    ap.add_argument("--fraction", type=float, default=0.1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--serve", default=SERVE, help="the paintboard command")
    args = ap.parse_args()
    port = free_port()
    proc = subprocess.Popen([args.serve, "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"tcp://127.0.0.1:{port}"
        wait_ping(endpoint, proc, 180)
        with tempfile.TemporaryDirectory() as tmp:
            res = run_kritarunner(Path(tmp), endpoint, "bench",
                                  {"PB_SIZE": args.size, "PB_FRACTION": str(args.fraction),
                                   "PB_REPS": str(args.reps)},
                                  timeout=1800, script="krita_bench_local")
    finally:
        proc.terminate()
        proc.wait(10)
    w, h = res["size"]
    print(f"document {w}×{h}, selection/edit {res['rect']} ({args.fraction:.0%}), "
          f"{args.reps} runs each, median (all) in s:")
    for key, name in (("full_s", "full Draw!"), ("selection_s", "Draw! with a selection"),
                      ("auto_local_s", "auto-local label edit")):
        vals = res[key]
        print(f"  {name:24s} {statistics.median(vals):6.2f}  "
              f"({', '.join(f'{v:.2f}' for v in vals)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
