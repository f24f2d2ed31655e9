"""Plugin copy (symlinks dereferenced, local state kept), hashing, settings merge + atomic write."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import PROTOCOL_TEXT
from paintboard_installer import plugin_files


def test_copy_dereferences_symlinks_and_skips_caches(fake_plugin: Path, tmp_path: Path) -> None:
    pykrita = tmp_path / "pykrita"
    plugin_files.install_copy(fake_plugin, pykrita)
    installed = pykrita / "paintboard_krita" / "protocol.py"
    assert installed.is_file() and not installed.is_symlink()
    assert installed.read_text() == PROTOCOL_TEXT
    assert (pykrita / "paintboard.desktop").read_text().startswith("[Desktop Entry]")
    # Krita reads default shortcuts only from the actions/ folder beside pykrita.
    action = tmp_path / "actions" / "paintboard_krita.action"
    assert action.read_text() == "<ActionCollection/>\n"
    assert not (pykrita / "paintboard_krita" / "__pycache__").exists()
    assert plugin_files.tree_hash(pykrita) == plugin_files.tree_hash(fake_plugin)
    assert not list(pykrita.glob(".paintboard_krita.*"))  # staging folders cleaned up


def test_reinstall_replaces_code_but_keeps_settings_and_vendor(
    fake_plugin: Path, tmp_path: Path
) -> None:
    pykrita = tmp_path / "pykrita"
    plugin_files.install_copy(fake_plugin, pykrita)
    pkg = pykrita / "paintboard_krita"
    (pkg / "settings.json").write_text('{"endpoint": "tcp://127.0.0.1:6000"}\n')
    (pkg / "vendor" / "zmq").mkdir(parents=True)
    (pkg / "stale.py").write_text("removed upstream\n")
    assert plugin_files.tree_hash(pykrita) != plugin_files.tree_hash(fake_plugin)

    (fake_plugin / "paintboard_krita" / "ui" / "docker.py").write_text("DOCKER = 2\n")
    plugin_files.install_copy(fake_plugin, pykrita)
    assert (pkg / "ui" / "docker.py").read_text() == "DOCKER = 2\n"
    assert not (pkg / "stale.py").exists()
    assert json.loads((pkg / "settings.json").read_text())["endpoint"].endswith(":6000")
    assert (pkg / "vendor" / "zmq").is_dir()
    assert plugin_files.tree_hash(pykrita) == plugin_files.tree_hash(fake_plugin)


def test_hash_sees_content_changes(fake_plugin: Path, tmp_path: Path) -> None:
    pykrita = tmp_path / "pykrita"
    assert plugin_files.tree_hash(pykrita) is None
    plugin_files.install_copy(fake_plugin, pykrita)
    (pykrita / "paintboard_krita" / "ui" / "docker.py").write_text("DOCKER = 3\n")
    assert plugin_files.tree_hash(pykrita) != plugin_files.tree_hash(fake_plugin)


def test_dev_link_and_uninstall(fake_plugin: Path, tmp_path: Path) -> None:
    pykrita = tmp_path / "pykrita"
    plugin_files.install_link(fake_plugin, pykrita)
    assert plugin_files.is_dev_link(pykrita)
    assert (pykrita / "paintboard_krita" / "protocol.py").read_text() == PROTOCOL_TEXT
    action = tmp_path / "actions" / "paintboard_krita.action"
    assert action.is_symlink() and action.read_text() == "<ActionCollection/>\n"
    plugin_files.install_link(fake_plugin, pykrita)  # idempotent
    removed = plugin_files.uninstall(pykrita)
    assert len(removed) == 3
    assert not any(pykrita.iterdir()) and not action.exists()
    assert (fake_plugin / "paintboard_krita" / "__init__.py").exists()  # source untouched


def test_merge_keeps_user_values_and_refreshes_installer_keys() -> None:
    existing = {
        "endpoint": "tcp://127.0.0.1:6000",
        "working_size": 512,
        "model": "x",
        "backend_command": ["/old/python"],
    }
    fresh = {
        "endpoint": "tcp://127.0.0.1:5557",
        "working_size": 256,
        "autostart": True,
        "backend_command": ["/new/python"],
    }
    merged = plugin_files.merge_settings(existing, fresh, reset=False)
    assert merged == {
        "endpoint": "tcp://127.0.0.1:6000",
        "working_size": 512,
        "model": "x",
        "autostart": True,
        "backend_command": ["/new/python"],
    }
    assert plugin_files.merge_settings(existing, fresh, reset=True) == fresh


def test_write_settings_atomic_and_idempotent(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "pkg" / "settings.json"
    assert plugin_files.write_settings(path, {"a": 1}) is True
    assert json.loads(path.read_text()) == {"a": 1}
    assert plugin_files.write_settings(path, {"a": 1}) is False
    mtime = path.stat().st_mtime_ns

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        plugin_files.write_settings(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 1}  # old file intact, whole
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp left


def test_read_settings_rejects_broken_json(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="reset-settings"):
        plugin_files.read_settings(path)
