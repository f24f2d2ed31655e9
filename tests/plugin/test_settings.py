from __future__ import annotations

import json

from paintboard_krita import protocol
from paintboard_krita.settings import Settings, write_json_atomic


def test_defaults_without_files(tmp_path):
    s = Settings(tmp_path / "user.json", [tmp_path / "none.json"])
    assert s.get("endpoint") == protocol.DEFAULT_ENDPOINT
    assert s.get("autostart") is True
    assert s.backend_command(5557) is None


def test_layers_installer_then_user_and_bad_values(tmp_path):
    inst = tmp_path / "paintboard_krita" / "settings.json"
    write_json_atomic(inst, {"backend_python": "/venv/bin/python", "working_size": 384,
                             "autostart": "yes", "unknown_key": 1})
    user = tmp_path / "data" / "paintboard" / "settings.json"
    s = Settings(user, [inst])
    assert s.get("working_size") == 384
    assert s.get("autostart") is True  # bad type → default, not an exception
    assert s.backend_command(6000) == ["/venv/bin/python", "-m", "paintboard.cli", "serve",
                                       "--port", "6000"]
    s.set("working_size", 512)
    s.save()
    assert json.loads(user.read_text()) == {"working_size": 512}
    assert [p.name for p in user.parent.iterdir()] == ["settings.json"]  # no temp file left
    assert Settings(user, [inst]).get("working_size") == 512


def test_backend_command_forms(tmp_path):
    f = tmp_path / "s.json"
    write_json_atomic(f, {"backend_command": "/opt/pb/bin/paintboard serve --port {port}"})
    assert Settings(tmp_path / "u.json", [f]).backend_command(7) == [
        "/opt/pb/bin/paintboard", "serve", "--port", "7"]
    write_json_atomic(f, {"backend_command": ["pb", "serve", "--port={port}"]})
    assert Settings(tmp_path / "u.json", [f]).backend_command(8) == ["pb", "serve", "--port=8"]


def test_broken_json_is_ignored(tmp_path):
    f = tmp_path / "s.json"
    f.write_text("{not json")
    assert Settings(tmp_path / "u.json", [f]).get("working_size") == protocol.DEFAULT_WORKING_SIZE


def test_set_rejects_wrong_type(tmp_path):
    s = Settings(tmp_path / "u.json", [])
    try:
        s.set("working_size", "big")
    except ValueError as exc:
        assert "Working size" in str(exc)
    else:
        raise AssertionError("accepted a string")
