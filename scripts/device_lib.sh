# Shared by the prepared device scripts (gpu_check.sh, gpu_train.sh); source it, do not run it.
#
# Sets OUT (where everything that must come back goes: the device tool returns $OUT), PY (the
# Python to use: $PYTHON, else .venv/bin/python, else python3), SUMMARY and FAILED, and defines
# `begin`, `require_device`, `say` and `step`: every step runs under its own time limit, logs to $OUT/NAME.log
# and prints PASS or FAIL with the log's tail, so one short call on a lent machine tells what
# happened.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-$PWD/$1}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD/backend${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
FAILED=0
say() { echo "$*" | tee -a "$SUMMARY"; }
step() {  # step NAME SECONDS CMD...: run with a time limit, log to $OUT/NAME.log, PASS/FAIL
  local name="$1" limit="$2"; shift 2
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  if [ $rc -eq 0 ]; then say "PASS $name ($((SECONDS - t0)) s)"
  else say "FAIL $name (exit $rc after $((SECONDS - t0)) s; tail of $OUT/$name.log:)"
       tail -n 15 "$OUT/$name.log" | sed 's/^/    /' | tee -a "$SUMMARY"; FAILED=1; fi
  return $rc
}
begin() {  # begin TITLE: the run's first lines, which machine and which GPU
  say "== paintboard $1 $(date -u +%FT%TZ) on $(hostname)"
  { nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null \
    || echo "no nvidia-smi"; } | sed 's/^/gpu: /' | tee -a "$SUMMARY"
}
require_device() {  # require_device DEVICE: torch sees it, or the run stops here (exit 3)
  if ! step device 60 "$PY" - "$1" <<'EOF'
import sys
import torch
if sys.argv[1] == "cuda":
    assert torch.cuda.is_available(), "torch.cuda.is_available() is False: no CUDA torch here"
    print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))
EOF
  then
    say "no $1 for torch here: see $OUT/device.log (nothing else was run)"; exit 3
  fi
}
