#!/bin/sh
# A user's first Draw! in real Krita under Xvfb, with the REAL backend, saved as JPEGs (<= 150 KB):
#   first-window.jpg / first-result.jpg    A4 page, Set up layers, "Lake and mountains", Draw!
#   second-window.jpg / second-result.jpg  + one orange stroke in the sky, Draw! again
# into $1 (default /tmp/first_draw), with shot.json (what happened, timings) and the logs.
# The plugin is installed into a throw-away HOME by the installer's own code (copy, .action
# file, settings.json with an autostarted `paintboard serve`); the user's Krita is untouched.
# Env: PAINTBOARD_WEIGHTS (default weights/small.safetensors), PAINTBOARD_VENV (default the
# checkout's .venv, else the main worktree's), PB_SEED (default 7: the same Draw! seeds for any
# weights, so two weights files are compared fairly). Everything is killed after 290 s at most.
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=$(mkdir -p "${1:-/tmp/first_draw}" && cd "${1:-/tmp/first_draw}" && pwd)
WEIGHTS=$(realpath "${PAINTBOARD_WEIGHTS:-$ROOT/weights/small.safetensors}")
VENV=${PAINTBOARD_VENV:-$ROOT/.venv}
if [ ! -x "$VENV/bin/python" ]; then  # a linked worktree: the main checkout's environment
  VENV=$(cd "$(git -C "$ROOT" rev-parse --git-common-dir)/.." && pwd)/.venv
fi
[ -f "$WEIGHTS" ] || { echo "no weights at $WEIGHTS" >&2; exit 2; }
[ -x "$VENV/bin/python" ] || { echo "no backend environment at $VENV" >&2; exit 2; }
rm -f "$OUT"/first-*.jpg "$OUT"/second-*.jpg "$OUT/shot.json" "$OUT/ready"
TMPH=$(mktemp -d)
trap 'rm -rf "$TMPH"' EXIT
chmod 700 "$TMPH"
GUI=$ROOT/tests/krita/gui
python3 - "$ROOT" "$TMPH" "$VENV/bin/python" "$WEIGHTS" <<'PY'
import socket, sys
from pathlib import Path

root, home, python, weights = (Path(a) for a in sys.argv[1:])
sys.path.insert(0, str(root / "installer"))
from paintboard_installer import KRITARC_KEY, PLUGIN_NAME, SETTINGS_FILE, plugin_files, protocol

pykrita = home / "data" / "krita" / "pykrita"
plugin_files.install_copy(root / "plugin", pykrita)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
plugin_files.write_settings(pykrita / PLUGIN_NAME / SETTINGS_FILE, {
    "endpoint": f"tcp://127.0.0.1:{port}", "autostart": True, "working_size_auto": True,
    "backend_command": protocol.serve_command(str(python), "{port}", "--weights", str(weights)),
    "backend_python": str(python), "request_timeout": 180.0,  # 2 loaded cores, 512 px
    "weights": str(weights), "installed_from": str(root)})
gui = root / "tests" / "krita" / "gui"
(pykrita / "pb_first_draw").symlink_to(gui / "pb_first_draw", target_is_directory=True)
(pykrita / "pb_driver.py").symlink_to(gui / "pb_driver.py")
(pykrita / "pb_first_draw.desktop").write_bytes((gui / "pb_first_draw.desktop").read_bytes())
(home / "config").mkdir()
(home / "config" / "kritarc").write_text(
    f"[python]\n{KRITARC_KEY}=true\nenable_pb_first_draw=true\n")
PY
echo "weights: $WEIGHTS"
# timeout kills its whole process group (Xvfb, Krita, the autostarted backend) after 290 s.
HOME=$TMPH XDG_DATA_HOME=$TMPH/data XDG_CONFIG_HOME=$TMPH/config XDG_RUNTIME_DIR=$TMPH \
  PYTHONDONTWRITEBYTECODE=1 PB_SHOT_OUT=$OUT PB_WEIGHTS=$WEIGHTS PB_SEED=${PB_SEED:-7} \
  PB_DEADLINE_S=${PB_DEADLINE_S:-250} \
  timeout -k 5 290 xvfb-run -a -s "-screen 0 1600x1000x24" krita --nosplash \
  >"$OUT/krita.log" 2>&1 || echo "krita ended with $? (124: the 290 s timeout)"
find "$TMPH" -name paintboard-backend.log -exec cp {} "$OUT/backend.log" \; 2>/dev/null || true
if [ -f "$OUT/shot.json" ]; then cat "$OUT/shot.json"; else
  echo "no shot.json: the driver never finished; see $OUT/krita.log" >&2; exit 1; fi
ls -l "$OUT"/*.jpg
grep -q '"error": ""' "$OUT/shot.json"
