"""install.py end to end as a user runs it, against a temporary HOME (never the real one).

The backend venv is the project's existing one (``--skip-backend --venv``) so no 1 GB
environment is built here; the slow test at the bottom does build one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import INSTALLER, PROTOCOL_TEXT, REPO

PROJECT_VENV = REPO / ".venv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(INSTALLER / "install.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its content and mtime: 'changes nothing' must hold for both."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def opts(fake_plugin: Path) -> list[str]:
    return [
        "--skip-backend",
        "--venv",
        str(PROJECT_VENV),
        "--no-smoke",
        "--no-kritarunner",
        "--plugin-src",
        str(fake_plugin),
        "--krita-python",
        sys.executable,
        "--port",
        str(free_port()),
        "--flavour",
        "native",
    ]


def paths(env: dict[str, str]) -> tuple[Path, Path]:
    home = Path(env["HOME"])
    return home / ".local" / "share" / "krita" / "pykrita", home / ".config" / "kritarc"


def test_check_on_empty_home_fails_with_fixes(home_env, opts) -> None:
    res = run(home_env, "--check", *opts)
    assert res.returncode == 1, res.stdout
    assert "✗ plugin files" in res.stdout and "not installed" in res.stdout
    assert "✗ enabled in kritarc" in res.stdout
    assert "fix: python3 " in res.stdout and "install.py" in res.stdout
    assert not any(Path(home_env["HOME"]).iterdir())  # --check changed nothing


def test_install_check_idempotent_uninstall(home_env, opts) -> None:
    pykrita, rc = paths(home_env)
    rc.parent.mkdir(parents=True)
    user_rc = b"[General]\nShowSplash=false\n\n[python]\nenable_foo=true\n\n[Zed]\nx=\xe9\n"
    rc.write_bytes(user_rc)

    first = run(home_env, *opts)
    assert first.returncode == 0, first.stdout + first.stderr
    installed = pykrita / "paintboard_krita" / "protocol.py"
    assert installed.is_file() and not installed.is_symlink()
    assert installed.read_text() == PROTOCOL_TEXT
    text = rc.read_bytes()
    assert text.startswith(b"[General]\nShowSplash=false\n\n[python]\nenable_foo=true\n")
    assert b"enable_paintboard_krita=true\n" in text and text.endswith(b"[Zed]\nx=\xe9\n")

    assert run(home_env, "--check", *opts).returncode == 0

    before = snapshot(Path(home_env["HOME"]))
    second = run(home_env, *opts)
    assert second.returncode == 0, second.stdout
    assert "up to date" in second.stdout and "already enabled" in second.stdout
    assert snapshot(Path(home_env["HOME"])) == before

    gone = run(home_env, "--uninstall", *opts)
    assert gone.returncode == 0, gone.stdout
    assert rc.read_bytes() == user_rc
    assert not (pykrita / "paintboard_krita").exists()
    assert not (pykrita / "paintboard.desktop").exists()
    assert PROJECT_VENV.exists()
    assert run(home_env, "--check", *opts).returncode == 1


def test_settings_merged_not_clobbered(home_env, opts) -> None:
    import json

    pykrita, _ = paths(home_env)
    assert run(home_env, *opts).returncode == 0
    path = pykrita / "paintboard_krita" / "settings.json"
    settings = json.loads(path.read_text())
    assert settings["endpoint"].startswith("tcp://127.0.0.1:")
    assert settings["autostart"] is True and settings["working_size"] == 256
    assert settings["backend_command"][0] == str(PROJECT_VENV / "bin" / "python")
    assert "{port}" in settings["backend_command"]
    settings["working_size"] = 512
    settings["my_own"] = "kept"
    path.write_text(json.dumps(settings))
    assert run(home_env, *opts).returncode == 0
    again = json.loads(path.read_text())
    assert again["working_size"] == 512 and again["my_own"] == "kept"
    assert run(home_env, *opts, "--reset-settings").returncode == 0
    reset = json.loads(path.read_text())
    assert reset["working_size"] == 256 and "my_own" not in reset


def test_check_detects_outdated_plugin(home_env, opts, fake_plugin: Path) -> None:
    assert run(home_env, *opts).returncode == 0
    (fake_plugin / "paintboard_krita" / "ui" / "docker.py").write_text("DOCKER = 99\n")
    res = run(home_env, "--check", *opts)
    assert res.returncode == 1 and "older copy" in res.stdout
    assert run(home_env, *opts).returncode == 0
    assert run(home_env, "--check", *opts).returncode == 0


def test_dry_run_changes_nothing(home_env, opts) -> None:
    res = run(home_env, "--dry-run", *opts)
    assert res.returncode == 0, res.stdout
    assert "would" in res.stdout
    assert not any(Path(home_env["HOME"]).iterdir())


def test_vendors_given_wheel_for_windows_krita(home_env, fake_plugin, tmp_path) -> None:
    wheel = tmp_path / "pyzmq-26.0.0-cp310-cp310-win_amd64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("zmq/__init__.py", "__version__ = 'fake'\n")
    opts = [
        "--platform",
        "windows",
        "--krita-python-version",
        "3.10",
        "--skip-backend",
        "--no-smoke",
        "--plugin-src",
        str(fake_plugin),
        "--port",
        str(free_port()),
        "--venv",
        str(PROJECT_VENV),
    ]
    wrong = tmp_path / "pyzmq-26.0.0-cp311-cp311-win_amd64.whl"
    wrong.write_bytes(wheel.read_bytes())
    bad = run(home_env, *opts, "--pyzmq-wheel", str(wrong))
    assert bad.returncode == 1 and "does not fit Python 3.10" in bad.stdout

    res = run(home_env, *opts, "--pyzmq-wheel", str(wheel))
    assert res.returncode == 0, res.stdout
    home = Path(home_env["HOME"])
    vendor = home / "AppData" / "Roaming" / "krita" / "pykrita" / "paintboard_krita" / "vendor"
    assert (vendor / "zmq" / "__init__.py").read_text() == "__version__ = 'fake'\n"
    assert (home / "AppData" / "Local" / "kritarc").is_file()
    check = run(home_env, "--check", *opts)
    assert check.returncode == 0, check.stdout
    assert "vendored pyzmq-26.0.0-cp310-cp310-win_amd64.whl" in check.stdout
    assert run(home_env, "--uninstall", *opts).returncode == 0
    assert not vendor.exists()


def test_purge_refuses_foreign_venv(home_env, opts, tmp_path) -> None:
    foreign = tmp_path / "someone-elses-venv"
    (foreign / "bin").mkdir(parents=True)
    res = run(home_env, "--uninstall", "--purge", "--venv", str(foreign))
    assert res.returncode == 1 and "not created by this installer" in res.stdout
    assert foreign.exists()


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("PAINTBOARD_SLOW_TESTS"),
    reason="builds a real venv with torch (minutes); set PAINTBOARD_SLOW_TESTS=1",
)
def test_full_install_creates_venv_and_smokes(home_env, tmp_path) -> None:
    venv = tmp_path / "venv"
    args = ["--venv", str(venv), "--no-kritarunner", "--port", str(free_port())]
    res = subprocess.run(
        [sys.executable, str(INSTALLER / "install.py"), *args],
        env=home_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "✓ protocol smoke" in res.stdout
    # The picture the README promises stays where the installer says it is.
    picture = REPO / "examples" / "out.png"
    assert f"✓ smoke generation: wrote {picture}" in res.stdout
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run(home_env, "--check", *args).returncode == 0
    assert run(home_env, "--uninstall", "--purge", *args).returncode == 0
    assert not venv.exists()
