#!/bin/sh
# Screenshots of the Paintboard docker in real Krita under Xvfb, taken by a test-only driver:
#   shoot.sh [OUT] [pb_shot]       the walkthrough grabs (OUT default docs/images)
#   shoot.sh OUT pb_shot_local     local redraw (issue #12): PNG grabs into OUT; docs/images/
#                                  local-*.jpg are cut from them (see docs/plugin.md)
# Uses a throw-away HOME so the user's Krita set-up is untouched; autostarts the real backend
# ($PAINTBOARD, default the checkout's .venv/bin/paintboard).
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${1:-$ROOT/docs/images}
PLUGIN=${2:-pb_shot}
GUI=$ROOT/tests/krita/gui
[ -d "$GUI/$PLUGIN" ] || { echo "no driver plugin $GUI/$PLUGIN" >&2; exit 2; }
TMPH=$(mktemp -d)
PYKRITA=$TMPH/data/krita/pykrita
PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
mkdir -p "$PYKRITA" "$TMPH/config" "$TMPH/data/krita/paintboard" "$OUT"
ln -s "$ROOT/plugin/paintboard_krita" "$PYKRITA/paintboard_krita"
cp "$ROOT/plugin/paintboard.desktop" "$PYKRITA/"
ln -s "$GUI/$PLUGIN" "$PYKRITA/$PLUGIN"
ln -s "$GUI/pb_driver.py" "$PYKRITA/pb_driver.py"
cp "$GUI/$PLUGIN.desktop" "$PYKRITA/"
printf '[python]\nenable_paintboard_krita=true\nenable_%s=true\n' "$PLUGIN" > "$TMPH/config/kritarc"
cat > "$TMPH/data/krita/paintboard/settings.json" <<JSON
{"backend_command": ["${PAINTBOARD:-$ROOT/.venv/bin/paintboard}", "serve", "--port", "{port}"],
 "endpoint": "tcp://127.0.0.1:$PORT", "working_size": 256}
JSON
HOME=$TMPH XDG_DATA_HOME=$TMPH/data XDG_CONFIG_HOME=$TMPH/config PB_SHOT_OUT=$OUT \
  timeout 400 xvfb-run -a -s "-screen 0 1600x1000x24" krita --nosplash || true
cat "$OUT/shot.json"
case $OUT in "$ROOT"/docs/*) rm -f "$OUT/shot.json" ;; esac  # not a picture for the docs
rm -rf "$TMPH"
