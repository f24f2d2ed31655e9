#!/usr/bin/env bash
# One prepared training round for a lent GPU (issue 13 §5): one call of the `device` tool
# continues the shipped run on the GPU and brings back what the next step needs.
#
#   run(command="bash scripts/gpu_train.sh", timeout_s=590)     # from the repository root
#
# Why a script: a lent machine gives ~15 minutes in all, start-up included, and nothing may be
# installed or fetched there; every minute of it should train.  In order, each step under its
# own time limit (scripts/device_lib.sh), about 8 minutes together:
#   1. device torch sees the device (device_lib.require_device); env: the backend imports
#             (numpy, scipy, Pillow, safetensors).
#   2. synth  the training scenes (the same seeds as data/synth512 here, so the same data).
#   3. train  resumes weights/train_state/small_r3 (the state of the shipped weights) at batch
#             16, in GPU_TRAIN_CHUNKS chunks of GPU_TRAIN_MINUTES; each chunk's end exports
#             the EMA generator (later exports drift: the noise gain is picked per export).
#   4. sweep  scripts/noise_sweep.py on every export, on the *validation* scenes.
#   5. state  the newest checkpoint, split into parts under 15 MiB (the device returns files of
#             at most 16 MiB), with the run's config and log.
# Back here (files_at: the fetched $OUT), pick an export and gain from sweep_*.jsonl, then the
# README's "promote, eval" lines; to keep training later, put the state back together:
#   mkdir -p runs/gpu/checkpoints && cp OUT/state/{config.json,log.jsonl} runs/gpu/
#   for f in OUT/state/*.part00; do cat "${f%.part00}".part* > runs/gpu/checkpoints/$(basename "${f%.part00}"); done
#
# Dry run on a CPU (tiny, figures meaningless; tests/backend/test_gpu_train.py runs it):
#   GPU_TRAIN_DEVICE=cpu GPU_TRAIN_SCENES=12 GPU_TRAIN_SCENE_SIZE=96 GPU_TRAIN_CHUNKS=1 \
#   GPU_TRAIN_STEPS=2 GPU_TRAIN_BATCH=2 GPU_TRAIN_SET='size=64 shapes=[[64,64]] num_workers=0' \
#   GPU_TRAIN_SWEEP='--count 3 --size 64 --gains 1.0' bash scripts/gpu_train.sh
set -u
source "$(dirname "$0")/device_lib.sh" gpu_train_out
DEVICE="${GPU_TRAIN_DEVICE:-cuda}"
DATA="${GPU_TRAIN_DATA:-data/synth512}"
RUN="${GPU_TRAIN_RUN:-runs/gpu}"
SCENES="${GPU_TRAIN_SCENES:-2400}"
SCENE_SIZE="${GPU_TRAIN_SCENE_SIZE:-512}"
WORKERS="${GPU_TRAIN_WORKERS:-$(nproc)}"
CHUNKS="${GPU_TRAIN_CHUNKS:-2}"
MINUTES="${GPU_TRAIN_MINUTES:-2}"  # per chunk
STEPS="${GPU_TRAIN_STEPS:-0}"  # per chunk; 0: by minutes only
BATCH="${GPU_TRAIN_BATCH:-16}"
EXTRA="${GPU_TRAIN_SET:-num_workers=8}"  # more --set KEY=VALUE, space-separated
SWEEP="${GPU_TRAIN_SWEEP:---gains 0.65 0.75 0.85 1.0}"
STATE=weights/train_state/small_r3

begin "GPU training round"
require_device "$DEVICE"

if ! step env 60 "$PY" - <<'EOF'
import numpy, PIL, safetensors, scipy, torch  # noqa: F401  (what training imports)
from paintboard.train.trainer import Trainer  # noqa: F401
print("ok")
EOF
then
  say "environment not usable: see $OUT/env.log (nothing else was run)"; exit 3
fi

step synth 150 "$PY" -m paintboard.cli synth "$DATA" --count "$SCENES" --size "$SCENE_SIZE" \
  --workers "$WORKERS" --no-progress || exit 1

rm -rf "$RUN" && mkdir -p "$(dirname "$RUN")" && cp -r "$STATE" "$RUN"
sets=(--set "device=$DEVICE" --set "data=$DATA" --set "batch_size=$BATCH" --set threads=0
      --set ckpt_every=1000 --set export_every=0 --set sample_every=0 --set "max_minutes=$MINUTES")
set -f  # GPU_TRAIN_SET may hold JSON lists: no globbing
for kv in $EXTRA; do sets+=(--set "$kv"); done
set +f
mkdir -p "$OUT/exports"
for chunk in $(seq 1 "$CHUNKS"); do
  at=$(ls "$RUN/checkpoints" | sed -n 's/^step_0*\([0-9]*\)\.pt$/\1/p' | sort -n | tail -1)
  limit=()
  [ "$STEPS" -gt 0 ] && limit=(--set "steps=$((at + STEPS))")
  [ "$STEPS" -gt 0 ] || limit=(--set steps=100000000)
  step "train$chunk" 200 "$PY" -m paintboard.cli train --run "$RUN" --resume --no-progress \
    "${sets[@]}" "${limit[@]}" || break
  now=$(ls "$RUN/checkpoints" | sed -n 's/^step_0*\([0-9]*\)\.pt$/\1/p' | sort -n | tail -1)
  cp "$RUN/weights/small.safetensors" "$OUT/exports/step_$now.safetensors"
  cp "$RUN/weights/small.json" "$OUT/exports/step_$now.json"
  say "   chunk $chunk: steps $at -> $now; $(tail -n 1 "$RUN/log.jsonl" | cut -c1-160)"
done

for w in "$OUT"/exports/step_*.safetensors; do
  [ -e "$w" ] || continue
  name=$(basename "$w" .safetensors)
  # shellcheck disable=SC2086  # SWEEP is a list of arguments
  step "sweep_$name" 120 "$PY" scripts/noise_sweep.py "$w" --level 4 $SWEEP || continue
  grep '^{' "$OUT/sweep_$name.log" > "$OUT/sweep_$name.jsonl"  # the rows; logging went beside
  sed 's/^/   /' "$OUT/sweep_$name.jsonl" | tee -a "$SUMMARY"
done

mkdir -p "$OUT/state"
cp "$RUN/config.json" "$RUN/log.jsonl" "$OUT/state/"
last=$(ls "$RUN/checkpoints" | sed -n 's/^\(step_[0-9]*\)\.pt$/\1/p' | sort | tail -1)
for f in "$RUN/checkpoints/$last".*; do  # the newest checkpoint only: .pt and .safetensors
  split -b 15M -d "$f" "$OUT/state/$(basename "$f").part"
done
say "== done: $([ $FAILED -eq 0 ] && echo ALL PASS || echo SOME FAILED) (exports, sweeps and the \
split state in $OUT)"
exit $FAILED
