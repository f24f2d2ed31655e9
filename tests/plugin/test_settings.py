from __future__ import annotations

import json
from pathlib import Path

import pytest
from paintboard_krita import protocol
from paintboard_krita.settings import (
    DECLARATIONS,
    Settings,
    uses_curve,
    validate,
    write_json_atomic,
)
from paintboard_krita.transport import is_loopback


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


# -- the Backend settings dialog's rules (pure; the widget itself is in test_settings_dialog) --
def _values(**kw):
    from paintboard_krita.settings import DECLARATIONS

    values = {d.key: d.default for d in DECLARATIONS}
    values.update(kw)
    return values


@pytest.mark.parametrize("endpoint", ["tcp://127.0.0.1:5557", "tcp://localhost:1",
                                      "tcp://[::1]:65535", "tcp://127.0.0.2:6000"])
def test_loopback_endpoints_are_valid_without_keys(endpoint):
    assert validate(_values(endpoint=endpoint)) == {}


@pytest.mark.parametrize(("endpoint", "words"), [
    ("127.0.0.1:5557", "tcp://host:port"), ("http://127.0.0.1:5557", "tcp://host:port"),
    ("tcp://127.0.0.1", "port"), ("tcp://:5557", "host"), ("tcp://127.0.0.1:0", "between"),
    ("tcp://127.0.0.1:70000", "between"), ("tcp://127.0.0.1:abc", "port"),
    ("tcp://*:5557", "not a host"), ("tcp://::1:5557", "brackets"), ("", "tcp://host:port"),
])
def test_malformed_endpoints_are_refused_with_a_reason(endpoint, words):
    errors = validate(_values(endpoint=endpoint))
    assert list(errors) == ["endpoint"] and words in errors["endpoint"]


@pytest.mark.parametrize("host", ["192.0.2.7", "0.0.0.0", "example.org", "[2001:db8::1]"])
def test_remote_without_both_keys_is_refused(host):
    for keys in ({}, {"curve_server_key": "x"}, {"curve_client_key": "y"}):
        errors = validate(_values(endpoint=f"tcp://{host}:5557", **keys),
                          check_keys=_never)
        assert "CURVE" in errors["endpoint"] and "--make-keys" in errors["endpoint"]


def _never(server: str, client: str) -> None:
    raise AssertionError("keys must not be loaded before the address is acceptable")


def test_remote_keys_are_checked_by_curve_keys_load(tmp_path):
    import zmq.auth

    pub, secret = zmq.auth.create_certificates(str(tmp_path), "client")
    server_pub, _ = zmq.auth.create_certificates(str(tmp_path), "server")
    remote = {"endpoint": "tcp://192.0.2.7:5557", "curve_server_key": server_pub}
    assert validate(_values(curve_client_key=secret, **remote)) == {}
    # the public half instead of the secret file: a clear message, not a zmq traceback
    errors = validate(_values(curve_client_key=pub, **remote))
    assert "no secret key" in errors["curve_client_key"]
    errors = validate(_values(curve_client_key=str(tmp_path / "nope"), **remote))
    assert "not found" in errors["curve_client_key"]
    errors = validate(_values(curve_client_key=secret, endpoint=remote["endpoint"],
                              curve_server_key="not a key"))
    assert "40-character" in errors["curve_client_key"]
    z85 = Path(server_pub).read_text().split('public-key = "')[1].split('"')[0]
    assert validate(_values(curve_client_key=secret, endpoint=remote["endpoint"],
                            curve_server_key=z85)) == {}


def test_one_key_field_alone_is_refused_on_loopback_too():
    errors = validate(_values(curve_server_key="/k/server.key", autostart=False),
                      check_keys=_never)
    assert "curve_client_key" in errors and "together" in errors["curve_client_key"]


def test_uses_curve_rules():
    assert not uses_curve(_values())
    assert uses_curve(_values(endpoint="tcp://192.0.2.7:5557"))
    keys = {"curve_server_key": "s", "curve_client_key": "c"}
    assert not uses_curve(_values(autostart=True, **keys))  # the local backend is unencrypted
    assert uses_curve(_values(autostart=False, **keys))  # an SSH tunnel / --force-curve
    assert is_loopback("tcp://127.0.0.5:1") and not is_loopback("tcp://10.0.0.1:1")


def test_bounds_and_types_are_checked():
    errors = validate(_values(working_size=8, generate_retries=-1, request_timeout="soon"))
    assert set(errors) == {"working_size", "generate_retries", "request_timeout"}
    assert "64" in errors["working_size"]


def test_update_returns_changed_keys_and_unpins_defaults(tmp_path):
    inst = tmp_path / "settings.json"
    write_json_atomic(inst, {"backend_python": "/venv/bin/python"})
    user = tmp_path / "user" / "settings.json"
    s = Settings(user, [inst])
    assert s.default("backend_python") == "/venv/bin/python"  # installer beats the declaration
    assert s.default("working_size") == protocol.DEFAULT_WORKING_SIZE
    changed = s.update({"working_size": 512, "autostart": True, "endpoint":
                        "tcp://127.0.0.1:6000"})
    assert changed == {"working_size", "endpoint"}
    s.save()
    assert json.loads(user.read_text()) == {"working_size": 512,
                                            "endpoint": "tcp://127.0.0.1:6000"}
    # going back to a default removes the override, so a later installer run still counts
    assert s.update({"working_size": protocol.DEFAULT_WORKING_SIZE}) == {"working_size"}
    s.save()
    assert json.loads(user.read_text()) == {"endpoint": "tcp://127.0.0.1:6000"}
    with pytest.raises(ValueError, match="Working size"):
        s.update({"working_size": "big"})
    assert s.get("working_size") == protocol.DEFAULT_WORKING_SIZE  # nothing half-applied


def test_every_declaration_is_valid_at_its_default():
    assert validate(_values()) == {}
    for decl in DECLARATIONS:
        assert decl.accepts(decl.default) and decl.in_bounds(decl.default), decl.key
