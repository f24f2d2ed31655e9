#!/bin/sh
# Local-redraw screenshots (issue #12) in real Krita under Xvfb: PNG grabs into $1 (default
# /tmp/pb_shot_local); docs/images/local-*.jpg are cut from them (see docs/plugin.md).
# Uses a throw-away HOME so the user's Krita set-up is untouched; autostarts the real backend.
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${1:-/tmp/pb_shot_local}
TMPH=$(mktemp -d)
PORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
mkdir -p "$TMPH/data/krita/pykrita" "$TMPH/config" "$TMPH/data/krita/paintboard" "$OUT"
ln -s "$ROOT/plugin/paintboard_krita" "$TMPH/data/krita/pykrita/paintboard_krita"
cp "$ROOT/plugin/paintboard.desktop" "$TMPH/data/krita/pykrita/"
ln -s "$ROOT/tests/krita/gui/pb_shot_local" "$TMPH/data/krita/pykrita/pb_shot_local"
cp "$ROOT/tests/krita/gui/pb_shot_local.desktop" "$TMPH/data/krita/pykrita/"
printf '[python]\nenable_paintboard_krita=true\nenable_pb_shot_local=true\n' > "$TMPH/config/kritarc"
cat > "$TMPH/data/krita/paintboard/settings.json" <<JSON
{"backend_command": ["${PAINTBOARD:-$ROOT/.venv/bin/paintboard}", "serve", "--port", "{port}"],
 "endpoint": "tcp://127.0.0.1:$PORT", "working_size": 256}
JSON
HOME=$TMPH XDG_DATA_HOME=$TMPH/data XDG_CONFIG_HOME=$TMPH/config PB_SHOT_OUT=$OUT \
  timeout 400 xvfb-run -a -s "-screen 0 1600x1000x24" krita --nosplash || true
cat "$OUT/shot.json"
rm -rf "$TMPH"
