"""Fixtures for the installer tests: a throw-away HOME and a small fake plugin source tree.

The fake plugin mirrors the real layout (desktop file, package, ``protocol.py`` as a relative
symlink into a "backend") so the tests do not depend on the plugin being finished, and so that
a concurrently edited real plugin cannot make them flaky.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"
sys.path.insert(0, str(INSTALLER))

PROTOCOL_TEXT = "PROTOCOL_VERSION = 1\n"


@pytest.fixture
def fake_plugin(tmp_path: Path) -> Path:
    """<tmp>/src/plugin with paintboard.desktop, paintboard_krita/ and symlinked protocol.py."""
    root = tmp_path / "src"
    backend = root / "backend" / "paintboard"
    backend.mkdir(parents=True)
    (backend / "protocol.py").write_text(PROTOCOL_TEXT)
    plugin = root / "plugin"
    pkg = plugin / "paintboard_krita"
    (pkg / "ui").mkdir(parents=True)
    (plugin / "paintboard.desktop").write_text(
        "[Desktop Entry]\nType=Service\nServiceTypes=Krita/PythonPlugin\n"
        "X-KDE-Library=paintboard_krita\nName=Paintboard\n"
    )
    (plugin / "paintboard_krita.action").write_text("<ActionCollection/>\n")
    (pkg / "__init__.py").write_text("# fake plugin\n")
    (pkg / "ui" / "docker.py").write_text("DOCKER = 1\n")
    (pkg / "protocol.py").symlink_to(Path("..", "..", "backend", "paintboard", "protocol.py"))
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    return plugin


@pytest.fixture
def home_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running install.py with every user folder inside tmp_path/home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("XDG_") and k not in ("APPDATA", "LOCALAPPDATA", "PYTHONPATH")
    }
    env["HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir()
    return env
