"""The backend environment: create the venv, install the package, ask it about itself.

Everything that needs torch or the ``paintboard`` package runs *inside* the venv as a
subprocess; the installer itself stays stdlib-only and works with any Python >= 3.10.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import venv
from pathlib import Path

from . import VENV_MARKER, protocol

HERE = Path(__file__).resolve().parent


def venv_python(env_dir: Path) -> Path:
    """The venv's interpreter (Scripts\\python.exe on Windows, bin/python elsewhere)."""
    if os.name == "nt":
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


def create_venv(env_dir: Path) -> None:
    """A plain venv with pip; marked so that ``--purge`` only ever deletes what we created."""
    venv.EnvBuilder(with_pip=True, upgrade_deps=False).create(env_dir)
    (env_dir / VENV_MARKER).write_text("created by installer/install.py\n")


def pyproject_dependencies(repo: Path) -> list[str]:
    """``[project].dependencies`` of the repo's pyproject (tomllib when there, else a regex)."""
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib

        return list(tomllib.loads(text)["project"]["dependencies"])
    except ImportError:  # Python 3.10
        m = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
        return re.findall(r'"([^"]+)"', m[1]) if m else []


def torch_pin(repo: Path) -> str | None:
    """The exact torch version the pyproject pins (never let pip pick a bare ``torch``)."""
    for dep in pyproject_dependencies(repo):
        m = re.fullmatch(r"torch\s*==\s*([\w.+]+)", dep.strip())
        if m:
            return m[1]
    return None


_STATE = """
import json, sys
out = {"python": "%d.%d.%d" % sys.version_info[:3]}
try:
    import paintboard
    out["paintboard"] = paintboard.__file__
    from importlib import metadata
    out["requires"] = [r for r in (metadata.requires("paintboard") or []) if "extra ==" not in r]
except Exception as exc:
    out["paintboard_error"] = repr(exc)
try:
    import torch
    out["torch"] = torch.__version__
except Exception as exc:
    out["torch_error"] = repr(exc)
print(json.dumps(out))
"""


def backend_state(python: Path, timeout: float = 120.0) -> dict:
    """What the venv has: paintboard location, its declared requirements, torch version."""
    if not python.exists():
        return {"error": f"{python} does not exist"}
    try:
        proc = subprocess.run(
            [str(python), "-c", _STATE], capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return {"error": str(exc)}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _norm_req(req: str) -> str:
    """Canonical form: metadata reorders specifiers (``numpy<3,>=1.26`` for ``>=1.26,<3``)."""
    req = re.sub(r"\s+", "", req).lower()
    req, _, marker = req.partition(";")
    m = re.match(r"[a-z0-9_.\-]+(\[[^\]]*\])?", req)
    name = re.sub(r"[-_.]+", "-", m[0]) if m else req
    specs = ",".join(sorted(filter(None, req[len(m[0]) if m else len(req) :].split(","))))
    return f"{name}{specs};{marker}"


def backend_up_to_date(state: dict, repo: Path) -> tuple[bool, str]:
    """Installed editable from this repo, requirements as in the pyproject, torch as pinned."""
    if "paintboard" not in state:
        return False, "paintboard is not importable in the venv"
    where = Path(state["paintboard"]).resolve().parent
    if where != (repo / "backend" / "paintboard").resolve():
        return False, f"paintboard in the venv comes from {where}, not this checkout"
    want = sorted(_norm_req(r) for r in pyproject_dependencies(repo))
    have = sorted(_norm_req(r) for r in state.get("requires", []))
    if want != have:
        return False, "dependencies in pyproject.toml changed since the last install"
    pin = torch_pin(repo)
    if pin and not str(state.get("torch", "")).startswith(pin):
        return False, f"torch {state.get('torch', 'missing')} installed, pyproject pins {pin}"
    return True, f"paintboard from {where}, torch {state.get('torch')}"


def pip_install(python: Path, repo: Path) -> int:
    """``pip install -e <repo>``, output streamed so the user sees pip's progress."""
    cmd = [str(python), "-m", "pip", "install", "--progress-bar", "on", "-e", str(repo)]
    print("    $ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, stdout=sys.stdout, stderr=sys.stderr).returncode


_LOAD_WEIGHTS = """
import json, sys
from paintboard.weights import load_generator
net, cfg, card = load_generator(sys.argv[1])
print(json.dumps({"model": card.get("model"), "trained": card.get("trained")}))
"""


def weights_loadable(python: Path, weights: Path, timeout: float = 300.0) -> tuple[bool, str]:
    """Load the generator with the backend's own loader (catches corrupt/mismatched files)."""
    if not weights.is_file():
        return False, f"{weights} is missing"
    try:
        proc = subprocess.run(
            [str(python), "-c", _LOAD_WEIGHTS, str(weights)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return False, lines[-1] if lines else "failed to load"
    return True, proc.stdout.strip().splitlines()[-1]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on host:port (we only ever look at loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) != 0


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral loopback port for the smoke server (never the user's 5557)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_json_script(python: Path, args: list[str], timeout: float) -> dict:
    """Run one of our helper scripts in the venv; its last stdout line is a JSON verdict."""
    try:
        proc = subprocess.run([str(python), *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
    except OSError as exc:
        return {"ok": False, "error": str(exc)}
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        err = proc.stderr.strip().splitlines()
        return {"ok": False, "error": err[-1] if err else f"exit {proc.returncode}"}


def ping(python: Path, port: int, timeout: float = 3.0) -> dict:
    """Ping a backend on loopback through paintboard.serving.client, from inside the venv."""
    script = str(HERE / "smoke_protocol.py")
    return run_json_script(
        python, [script, "--ping-only", "--port", str(port)], timeout=timeout + 20
    )


def smoke_protocol(python: Path, weights: Path | None, timeout: float = 300.0) -> dict:
    """Start ``paintboard serve`` on a free loopback port, ping + generate, stop it."""
    args = [str(HERE / "smoke_protocol.py"), "--port", str(free_port())]
    if weights is not None:
        args += ["--weights", str(weights)]
    return run_json_script(python, args, timeout=timeout)


def smoke_generate(
    python: Path, repo: Path, out: Path, weights: Path | None, timeout: float = 300.0
) -> tuple[bool, str]:
    """``paintboard generate examples/labels.png --strokes examples/strokes.png -o out``."""
    labels = repo / "examples" / "labels.png"
    strokes = repo / "examples" / "strokes.png"
    if not labels.is_file():
        return False, f"{labels} is missing (examples/ not in this checkout yet)"
    cmd = [str(python), "-m", protocol.CLI_MODULE, "generate", str(labels), "-o", str(out)]
    if strokes.is_file():
        cmd[5:5] = ["--strokes", str(strokes)]
    if weights is not None:
        cmd += ["--weights", str(weights)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if proc.returncode != 0 or not out.is_file():
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return False, lines[-1] if lines else f"exit {proc.returncode}"
    return True, f"wrote {out}"
