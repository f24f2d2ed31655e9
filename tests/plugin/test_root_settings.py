"""Root.apply_settings: what the Backend… dialog's OK does to the connection and the child."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from paintboard_krita.model.backend_process import BackendState
from paintboard_krita.model.connection import ConnectionState
from paintboard_krita.model.root import Root
from paintboard_krita.settings import Settings
from paintboard_krita.transport import CurveKeys


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tick_until(root: Root, cond, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        root.tick()
        if cond():
            return True
        time.sleep(0.005)
    return False


def _root(tmp_path: Path, **values) -> Root:
    settings = Settings(tmp_path / "user.json", [])
    settings.update(values)
    return Root(settings, tmp_path)


def test_new_address_reconnects_and_stale_keys_are_dropped(tmp_path, fake_backend):
    a, b = fake_backend(), fake_backend()
    root = _root(tmp_path, endpoint=a.endpoint, autostart=False)
    root.connection.curve = CurveKeys(b"s" * 40, b"p" * 40, b"k" * 40)  # from a remote setup
    root.start()
    assert root.connection.curve is None  # loopback without keys: plain socket
    assert _tick_until(root, lambda: root.connection.info is not None)
    changed = root.settings.update({"endpoint": b.endpoint})
    root.apply_settings(changed)
    assert root.connection.endpoint == b.endpoint
    assert _tick_until(root, lambda: root.connection.info is not None)
    assert root.connection.is_connected
    root.shutdown()


def test_settings_read_live_need_no_reconnect(tmp_path, fake_backend):
    fb = fake_backend()
    root = _root(tmp_path, endpoint=fb.endpoint, autostart=False)
    root.start()
    assert _tick_until(root, lambda: root.connection.is_connected)
    states = []
    root.connection.state_changed.connect(lambda s, r: states.append(s))
    root.apply_settings(root.settings.update({"working_size": 512}))
    assert states == [] and root.connection.is_connected
    root.shutdown()


def test_remote_without_keys_is_an_error_not_a_plain_socket(tmp_path):
    root = _root(tmp_path, endpoint="tcp://192.0.2.7:5557", autostart=False)
    root.start()  # TEST-NET-1, but nothing is dialled: the keys are checked first
    assert root.connection.state is ConnectionState.error
    assert "CURVE keys" in root.connection.reason and root.connection._transport is None
    root.shutdown()


def test_local_backend_kept_for_key_changes_restarted_for_address_stopped_for_no_autostart(
        tmp_path):
    silent = [sys.executable, "-c", "import time; time.sleep(60)"]  # starts, never answers
    port = _port()
    root = _root(tmp_path, endpoint=f"tcp://127.0.0.1:{port}", autostart=True,
                 backend_command=silent)
    root.start()
    first = root.backend
    assert first is not None and first.state is BackendState.running
    assert root.connection.state is ConnectionState.starting
    # keys only (unused on an auto-started loopback backend): a new socket, the same child
    root.apply_settings({"curve_server_key"})
    assert root.backend is first and first.state is BackendState.running
    assert root.connection.state is ConnectionState.starting  # still within its startup grace
    # a new port: the old child stops, a new one starts there
    new_port = _port()
    root.apply_settings(root.settings.update({"endpoint": f"tcp://127.0.0.1:{new_port}"}))
    assert first.state is BackendState.stopped and first.pid is None
    assert root.backend is not None and root.backend is not first and root.backend.port == new_port
    second = root.backend
    # autostart off: nothing local keeps running
    root.apply_settings(root.settings.update({"autostart": False}))
    assert root.backend is None and second.state is BackendState.stopped
    root.shutdown()
