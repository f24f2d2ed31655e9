"""CURVE: key files, loopback rules, refusal of open off-loopback ports, and a real secured server
that answers only clients with an authorised key. Nothing here binds a non-loopback address."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
import zmq
from paintboard import protocol as P
from paintboard.serving import curve
from paintboard.serving.client import Client, ClientError
from paintboard.serving.server import Server

pytestmark = pytest.mark.skipif(not zmq.has("curve"), reason="libzmq without CURVE")


class _Engine:
    def info(self) -> dict:
        return {"model": "x"}

    def generate(self, *a, **kw):  # pragma: no cover - never called here
        raise AssertionError


def test_make_and_load_keys(tmp_path: Path) -> None:
    curve.make_keys(tmp_path)
    for name in ("server.key", "server.key_secret", "client.key", "client.key_secret"):
        assert (tmp_path / name).is_file()
    assert (tmp_path / "clients" / "client.key").is_file()
    assert not (tmp_path / "clients" / "client.key_secret").exists()
    for secret in tmp_path.glob("*.key_secret"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    server = curve.load_server(tmp_path)
    client = curve.load_client(tmp_path)
    assert client.server_public == server.public_key
    assert len(server.secret_key) == 40 and len(client.secret_key) == 40
    assert server.clients_dir == tmp_path / "clients"


def test_missing_keys_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(curve.CurveError, match="server.key_secret"):
        curve.load_server(tmp_path)
    curve.make_keys(tmp_path)
    (tmp_path / "clients" / "client.key").unlink()
    with pytest.raises(curve.CurveError, match="no authorised client keys"):
        curve.load_server(tmp_path)
    with pytest.raises(curve.CurveError, match="other.key_secret"):
        curve.load_client(tmp_path, "other")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("*", False),
        ("192.168.1.5", False),
        ("::", False),
        ("example.org", False),
        ("eth0", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert P.is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("tcp://127.0.0.1:5557", True),
        ("tcp://127.0.0.1:*", True),
        ("tcp://[::1]:5557", True),
        ("ipc:///tmp/pb.sock", True),
        ("tcp://0.0.0.0:5557", False),
        ("tcp://*:5557", False),
        ("tcp://10.0.0.2:5557", False),
        ("udp://127.0.0.1:5557", False),
    ],
)
def test_endpoint_is_local(endpoint: str, local: bool) -> None:
    assert P.endpoint_is_local(endpoint) is local


def test_server_class_refuses_open_non_loopback() -> None:
    # the check is in the constructor: nothing is bound before it
    with pytest.raises(ValueError, match="CURVE"):
        Server(_Engine(), "tcp://0.0.0.0:5557")
    with pytest.raises(ValueError, match="CURVE"):
        Server(_Engine(), "tcp://*:5557")


def _serve(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, *P.SERVE_ARGS, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_cli_refuses_non_loopback_host_before_anything_else() -> None:
    # 192.0.2.1 is TEST-NET-1 (never local), and the weights path does not exist: the refusal
    # must come first, before loading weights and long before binding
    out = _serve("--host", "192.0.2.1", "--port", "1", "--weights", "/nonexistent.safetensors")
    assert out.returncode == 2
    assert "refusing to listen" in out.stderr and "--curve-keys" in out.stderr
    out = _serve("--listen", "0.0.0.0", "--weights", "/nonexistent.safetensors")
    assert out.returncode == 2 and "refusing to listen" in out.stderr


def test_cli_force_curve_needs_keys(tmp_path: Path) -> None:
    out = _serve("--force-curve", "--weights", "/nonexistent.safetensors")
    assert out.returncode == 2 and "--curve-keys" in out.stderr
    out = _serve("--force-curve", "--curve-keys", str(tmp_path), "--weights", "/x.safetensors")
    assert out.returncode == 2 and "server.key_secret" in out.stderr


def test_cli_make_keys(tmp_path: Path) -> None:
    out = _serve("--make-keys", str(tmp_path / "keys"))
    assert out.returncode == 0, out.stderr
    curve.load_server(tmp_path / "keys")
    curve.load_client(tmp_path / "keys")


def test_real_curve_server_answers_only_authorised_clients(tmp_path: Path, start_server) -> None:
    keys = tmp_path / "keys"
    curve.make_keys(keys)
    good = curve.load_client(keys)
    good_kw = {
        "curve_server_key": good.server_public,
        "curve_client_keys": (good.public_key, good.secret_key),
    }
    server = start_server(["--force-curve", "--curve-keys", str(keys)], client_kw=good_kw)

    with server.client(timeout=5, **good_kw) as c:
        assert c.ping(timeout=5)["pong"] is True
        assert c.info()["curve"] is True

    def silent(**kw) -> None:
        with Client(server.endpoint, timeout=1.0, retries=1, **kw) as c:
            with pytest.raises(ClientError) as info:
                c.ping(timeout=1.0)
            assert info.value.code == P.E_TIMEOUT

    def pings_logged() -> int:
        return sum("op=ping" in ln for ln in server.log().splitlines())

    before = pings_logged()
    silent()  # plain client: no CURVE handshake at all
    stranger = zmq.curve_keypair()  # a valid key pair that is not in clients/
    silent(curve_server_key=good.server_public, curve_client_keys=stranger)
    wrong_server = zmq.curve_keypair()[0]  # right client keys, wrong server key
    silent(curve_server_key=wrong_server, curve_client_keys=good_kw["curve_client_keys"])

    assert pings_logged() == before  # the rejected pings never reached the server loop
    with server.client(timeout=5, **good_kw) as c:  # still serving the right client
        assert c.ping(timeout=5)["ok"] is True
