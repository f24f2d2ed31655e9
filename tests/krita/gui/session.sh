#!/bin/sh
# Runs INSIDE xvfb-run: starts Krita, executes the xdotool commands that the test plugin
# (pb_session) asks for, one file at a time, until Krita exits. Arguments: OUT folder.
OUT=$1
krita --nosplash >"$OUT/krita.log" 2>&1 &
KRITA=$!
i=0
grace=0
while kill -0 "$KRITA" 2>/dev/null; do
  if [ -f "$OUT/session.json" ]; then  # the verdict is written: quit, or be stopped
    grace=$((grace + 1))
    [ "$grace" -gt 150 ] && kill "$KRITA"
  fi
  if [ -f "$OUT/xdo.$i" ]; then
    # shellcheck disable=SC2046 # the command is a list of xdotool words on purpose
    xdotool $(cat "$OUT/xdo.$i") >>"$OUT/xdo.log" 2>&1
    touch "$OUT/xdo.$i.done"
    i=$((i + 1))
  fi
  sleep 0.1
done
wait "$KRITA"
