"""A CURVE-secured backend through the plugin's own Transport/Connection/Root, for real.

One ``paintboard serve --force-curve --curve-keys DIR`` process on a free 127.0.0.1 port stands
in for a remote backend (``--force-curve`` makes loopback behave like an exposed port: no key,
no answer). Loopback only; nothing here binds or dials another address. Readiness is an
answered ping on the socket, never a log line.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zmq
from paintboard_krita.model.connection import Connection, ConnectionState
from paintboard_krita.model.root import Root
from paintboard_krita.settings import Settings
from paintboard_krita.transport import CurveKeys

REPO = Path(__file__).resolve().parents[2]
PAINTBOARD = REPO / ".venv" / "bin" / "paintboard"
HOST = "127.0.0.1"

pytestmark = [
    pytest.mark.required_in_ci,
    pytest.mark.skipif(not zmq.has("curve"), reason="libzmq without CURVE"),
    pytest.mark.skipif(not PAINTBOARD.is_file(), reason="backend venv not installed"),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _weights() -> Path:
    env = os.environ.get("PAINTBOARD_WEIGHTS")
    path = Path(env) if env else REPO / "weights" / "small.safetensors"
    if not path.is_file():
        pytest.skip(f"no weights at {path}")
    return path


@dataclass
class CurveServer:
    proc: subprocess.Popen
    endpoint: str
    keys: Path
    log_path: Path

    def good_keys(self) -> CurveKeys:
        return CurveKeys.load(str(self.keys / "server.key"),
                              str(self.keys / "client.key_secret"))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def pump_bounded(step, cond, timeout: float) -> None:
    """Call ``step`` like the UI timer until ``cond()`` (or the timeout)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not cond():
        step()
        time.sleep(0.01)


@pytest.fixture(scope="module")
def curve_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CurveServer]:
    tmp = tmp_path_factory.mktemp("curve")
    keys = tmp / "keys"
    made = subprocess.run([str(PAINTBOARD), "serve", "--make-keys", str(keys)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    weights = _weights()
    for _ in range(3):  # a free port can be taken between probing and binding
        port = _free_port()
        log_path = tmp / f"serve-{port}.log"
        cmd = [str(PAINTBOARD), "serve", "--host", HOST, "--port", str(port),
               "--force-curve", "--curve-keys", str(keys), "--weights", str(weights),
               "--device", "cpu", "--threads", "1"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        server = CurveServer(proc, f"tcp://{HOST}:{port}", keys, log_path)
        probe = Connection(server.endpoint, server.good_keys(), ping_interval=0.2,
                           ping_timeout=0.5)
        probe.grace_until = float("inf")  # booting (torch import) is slow on a busy machine
        probe.connect()
        pump_bounded(probe.poll,
                     lambda c=probe, p=proc: c.is_connected or p.poll() is not None, 180)
        ready = probe.is_connected
        probe.close()
        if ready:
            break
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            raise AssertionError(f"CURVE server never answered:\n{server.log()}")
        if "Address already in use" not in server.log():
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.log()}")
    else:
        raise AssertionError("no free port after 3 tries")
    yield server
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_connection_with_keys_connects_and_gets_info(curve_server: CurveServer,
                                                     blocking_calls) -> None:
    conn = Connection(curve_server.endpoint, curve_server.good_keys(), ping_interval=0.2)
    conn.connect()
    pump_bounded(conn.poll, lambda: conn.info is not None, 30)
    assert conn.state is ConnectionState.connected, conn.reason
    assert conn.info is not None and conn.info["ok"] and conn.info.get("curve") is True
    assert conn.info.get("palette")
    assert blocking_calls == []
    conn.close()


def _refused(conn: Connection, blocking_calls: list[str]) -> None:
    states: list[ConnectionState] = []
    conn.state_changed.connect(lambda s, _r: states.append(s))
    conn.connect()
    pump_bounded(conn.poll, lambda: conn.state is ConnectionState.error, 20)
    assert conn.state is ConnectionState.error and conn.reason, conn.reason
    assert ConnectionState.connected not in states and conn.info is None
    assert blocking_calls == []
    conn.close()


def test_no_keys_never_connects_and_ends_in_error(curve_server: CurveServer,
                                                  blocking_calls) -> None:
    _refused(Connection(curve_server.endpoint, None, ping_interval=0.1, ping_timeout=0.3,
                        ping_misses=2), blocking_calls)


def test_wrong_server_key_never_connects_and_ends_in_error(curve_server: CurveServer,
                                                           blocking_calls) -> None:
    good = curve_server.good_keys()
    wrong = CurveKeys(zmq.curve_keypair()[0], good.client_public, good.client_secret)
    _refused(Connection(curve_server.endpoint, wrong, ping_interval=0.1, ping_timeout=0.3,
                        ping_misses=2), blocking_calls)


def test_unauthorised_client_key_never_connects(curve_server: CurveServer,
                                                blocking_calls) -> None:
    good = curve_server.good_keys()
    stranger = CurveKeys(good.server_public, *zmq.curve_keypair())
    _refused(Connection(curve_server.endpoint, stranger, ping_interval=0.1, ping_timeout=0.3,
                        ping_misses=2), blocking_calls)


def _root(tmp_path: Path, server: CurveServer, server_key: str) -> Root:
    settings = Settings(tmp_path / "user.json", [])
    settings.update({"endpoint": server.endpoint, "autostart": False,
                     "curve_server_key": server_key,
                     "curve_client_key": str(server.keys / "client.key_secret")})
    root = Root(settings, tmp_path)
    root.connection.ping_interval = 0.1
    root.connection.ping_timeout = 0.3
    root.connection.ping_misses = 2
    return root


def test_root_from_saved_settings_uses_the_keys(tmp_path: Path, curve_server: CurveServer,
                                                 blocking_calls):
    """What the Backend… dialog leads to: settings → Root.start → a CURVE socket."""
    root = _root(tmp_path, curve_server, str(curve_server.keys / "server.key"))
    root.start()
    pump_bounded(root.tick, lambda: root.connection.info is not None, 30)
    assert root.connection.is_connected, root.connection.reason
    assert root.backend is None  # a given address: nothing was started locally
    assert blocking_calls == []
    root.shutdown()


def test_root_with_a_wrong_server_key_says_why(tmp_path: Path, curve_server: CurveServer,
                                                blocking_calls):
    wrong = zmq.curve_keypair()[0].decode()  # Z85 text is accepted as well as a file
    root = _root(tmp_path, curve_server, wrong)
    root.start()
    pump_bounded(root.tick, lambda: root.connection.state is ConnectionState.error, 20)
    assert root.connection.state is ConnectionState.error
    assert "CURVE keys" in root.connection.reason
    assert blocking_calls == []
    root.shutdown()
