#!/usr/bin/env bash
# One prepared GPU check for the `device` tool (issue #10): one short call on a lent GPU machine.
#
#   run(command="bash scripts/gpu_check.sh", timeout_s=540)     # from the repository root
#
# It needs a Python with torch (CUDA build), numpy, scipy, pillow, pyzmq and safetensors on the
# machine (nothing can be downloaded there): $PYTHON if set, else .venv/bin/python, else python3.
# Every step has its own time limit so the whole run stays under ~8 minutes of device time, and
# every step is checked: the script prints PASS/FAIL per step, writes everything under $OUT
# (or ./gpu_check_out), and exits non-zero when a step failed. Figures to copy into
# docs/performance.md: $OUT/summary.txt (and the JSON reports beside it).
set -u
source "$(dirname "$0")/device_lib.sh" gpu_check_out
# Dry run of the script's own logic on a machine without a GPU (figures meaningless):
#   GPU_CHECK_DEVICE=cpu GPU_CHECK_SIZES=256 GPU_CHECK_E2E_SIZES=256 bash scripts/gpu_check.sh
DEVICE="${GPU_CHECK_DEVICE:-cuda}"
SIZES="${GPU_CHECK_SIZES:-256,512,1024}"
E2E_SIZES="${GPU_CHECK_E2E_SIZES:-256,1024}"
export GPU_CHECK_DEVICE="$DEVICE"
begin "GPU check"
require_device "$DEVICE"

# 1. The environment: the backend imports, the shipped weights load on the device.
if ! step env 120 "$PY" - <<'EOF'
import os
device = os.environ["GPU_CHECK_DEVICE"]
import numpy as np
from paintboard.inference import Engine
e = Engine(device=device)
print("engine", e.info()["device"], e.info()["precision"])
img = np.zeros((300, 200, 4), np.uint8); img[..., :3] = (135, 206, 235); img[..., 3] = 255
r = e.generate(img, None, seed=1, size=256)
assert r.image.shape == (300, 200, 4) and r.image.dtype == np.uint8, r.image.shape
print("generate ok", {k: round(v * 1000, 1) for k, v in r.timings.items()})
EOF
then
  say "environment not usable: see $OUT/env.log (nothing else was run)"; exit 3
fi

# 2. The tests that touch the device (CUDA paths of the engine) and the exact-feature tests.
step tests 150 "$PY" -m pytest -q -x -p no:cacheprovider tests/backend/test_inference.py \
  tests/backend/test_features.py

# 3. Generator precision on CUDA, batch 1, the fixed working sizes, interleaved in one run.
step bench_generator 180 "$PY" -m paintboard.cli bench --device "$DEVICE" --models shipped \
  --sizes "$SIZES" --batch 1 --variants engine,channels_last,fp16,bf16 --repeats 20 \
  --cell-budget-s 8 --json "$OUT/bench_generator.json"

# 4. End to end through a real server on cuda: full-size transfer vs the plugin's reduced one.
step bench_e2e 180 "$PY" -m paintboard.cli bench --device "$DEVICE" --e2e-only \
  --e2e-sizes "$E2E_SIZES" --e2e-repeats 5 --e2e-modes full,reduced --json "$OUT/bench_e2e.json"

# 5. The figures, checked: every cell measured, ratios printed for docs/performance.md.
step summary 30 "$PY" - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
gen = json.loads((out / "bench_generator.json").read_text())
e2e = json.loads((out / "bench_e2e.json").read_text())["e2e"]
g = gen["generator"]
print("machine:", g["machine"], "| engine precision:",
      {m: v.get("engine_precision") for m, v in g["models"].items()})
cells = g["cells"]
assert cells and all(c.get("n", 0) > 0 for c in cells), "a generator cell was not measured"
for c in cells:
    print(f"generator {c['variant']:>13} {c['size']:>4}²: median {c['ms_per_image_median']:.2f} "
          f"ms, p95 {c['ms_per_image_p95']:.2f} ms, peak RSS {c['peak_rss_mb']:.0f} MB")
for r in g["ratios"]:
    print(f"ratio {r['what']} at {r['size']}²: {r['ratio']:.2f}")
runs = e2e["runs"]
assert runs, "no e2e runs"
for key, r in runs.items():
    med = r["median_s"]
    print(f"e2e {key}: total {med['total'] * 1000:.1f} ms, bare {r['bare_generator_s'] * 1000:.1f}"
          f" ms, ratio {r['ratio_total_to_bare']:.2f}x (goal <= 2x on a GPU)  "
          + " ".join(f"{k}={v * 1000:.1f}" for k, v in med.items()))
assert "256-reduced" in runs and "256" in runs, sorted(runs)
EOF
cat "$OUT/summary.log" >> "$SUMMARY" 2>/dev/null
say "== done: $([ $FAILED -eq 0 ] && echo ALL PASS || echo SOME FAILED) (logs and JSON in $OUT)"
exit $FAILED
