"""Connection state machine against the scriptable fake backend: answer, hang, crash."""

from __future__ import annotations

import time

from paintboard_krita import palette, protocol
from paintboard_krita.model.connection import Connection, ConnectionState
from pb_helpers import pump


def test_answering_backend_connects_and_fetches_info(fake_backend):
    fb = fake_backend()
    conn = Connection(fb.endpoint, ping_interval=0.2)
    states = []
    conn.state_changed.connect(lambda s, r: states.append(s))
    conn.connect()
    assert pump(conn, lambda: conn.info is not None)
    assert conn.state is ConnectionState.connected
    assert states[0] is ConnectionState.starting and ConnectionState.connected in states
    assert conn.info["palette"] == palette.palette_as_dicts()
    got = []
    conn.request("generate", {"width": 2, "height": 1, "labels": {"format": "BGRA8"},
                              "out_format": "BGRA8"}, [bytes(8)],
                 callback=lambda h, b: got.append((h, b)))
    assert pump(conn, lambda: got)
    assert got[0][0]["ok"] and len(got[0][1][0]) == 8
    conn.close()


def test_hanging_backend_goes_to_error_and_no_call_blocks(fake_backend, blocking_calls):
    fb = fake_backend(mode="hang")
    conn = Connection(fb.endpoint, ping_interval=0.1, ping_timeout=0.2, ping_misses=2)
    conn.connect()
    replies = []
    conn.request("generate", {"width": 1}, [bytes(4 * 1000 * 1000)], timeout=0.3, retries=1,
                 callback=lambda h, b: replies.append(h))
    end = time.monotonic() + 10
    while time.monotonic() < end and not (replies and conn.state is ConnectionState.error):
        conn.poll()
        time.sleep(0.005)
    assert conn.state is ConnectionState.error and "not answering" in conn.reason
    assert replies[0]["error"]["code"] == protocol.E_TIMEOUT
    assert "2 attempt" in replies[0]["error"]["message"]  # Lazy Pirate resent once
    assert blocking_calls == []  # every send, receive and poll of the plugin returns at once
    conn.close()


def test_crashed_backend_error_then_recovers_on_restart(fake_backend):
    fb = fake_backend()
    conn = Connection(fb.endpoint, ping_interval=0.1, ping_timeout=0.2, ping_misses=2)
    conn.connect()
    assert pump(conn, lambda: conn.is_connected)
    port = fb.port
    fb.crash()
    assert pump(conn, lambda: conn.state is ConnectionState.error)
    assert "no answer" in conn.reason
    fake_backend(port=port)  # the backend comes back on the same port
    assert pump(conn, lambda: conn.is_connected)
    conn.close()


def test_request_when_closed_fails_at_once_and_close_fails_pending(fake_backend):
    conn = Connection("tcp://127.0.0.1:9")
    got = []
    conn.request("ping", callback=lambda h, b: got.append(h))
    assert got and not got[0]["ok"]
    fb = fake_backend(mode="hang")
    conn.connect(fb.endpoint)
    conn.request("generate", {}, [], callback=lambda h, b: got.append(h))
    conn.close()
    assert got[-1]["error"]["code"] == protocol.E_CANCELLED
    assert conn.state is ConnectionState.disconnected


def test_grace_keeps_starting_state(fake_backend):
    fb = fake_backend(mode="hang")
    conn = Connection(fb.endpoint, ping_interval=0.05, ping_timeout=0.05, ping_misses=1)
    conn.connect()
    conn.grace_until = time.monotonic() + 60
    pump(conn, lambda: False, timeout=0.5)
    assert conn.state is ConnectionState.starting
    conn.close()
