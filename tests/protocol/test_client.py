"""Lazy-Pirate client against scripted raw ROUTER peers (loopback, random ports)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import zmq
from paintboard import protocol as P
from paintboard.serving.client import Client, ClientError

Script = Callable[[int, dict], list[dict] | None]  # (request number, header) → replies to send


class ScriptedRouter:
    """A ROUTER that answers each request with whatever ``script`` says (or nothing)."""

    def __init__(self, script: Script, port: int | None = None) -> None:
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if port is None:
            self.port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        else:
            self.port = port
            self.sock.bind(f"tcp://127.0.0.1:{port}")
        self.endpoint = f"tcp://127.0.0.1:{self.port}"
        self.script = script
        self.seen: list[tuple[bytes, dict]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.sock.poll(20):
                continue
            identity, frame, *_ = self.sock.recv_multipart()
            header = json.loads(frame)
            self.seen.append((identity, header))
            for reply in self.script(len(self.seen), header) or []:
                self.sock.send_multipart([identity, json.dumps(reply).encode()])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close(0)
        self.ctx.term()


@pytest.fixture
def router() -> Iterator[Callable[..., ScriptedRouter]]:
    made: list[ScriptedRouter] = []

    def make(script: Script, port: int | None = None) -> ScriptedRouter:
        r = ScriptedRouter(script, port)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def pong(header: dict, **extra) -> dict:
    return {**P.ok_reply(header, pong=True), **extra}


def test_times_out_after_retries_with_fresh_ids(router) -> None:
    r = router(lambda n, h: None)  # never answers
    with Client(r.endpoint, timeout=0.2, retries=2) as c, pytest.raises(ClientError) as info:
        c.ping(timeout=0.2)
    assert info.value.code == P.E_TIMEOUT
    assert r.endpoint in info.value.message and "did not answer" in info.value.message
    time.sleep(0.1)
    ids = [h["id"] for _, h in r.seen]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert len({identity for identity, _ in r.seen}) == 3  # a fresh socket for every retry


def test_retry_succeeds_after_silence(router) -> None:
    r = router(lambda n, h: None if n == 1 else [pong(h)])
    with Client(r.endpoint, timeout=0.3, retries=2) as c:
        assert c.ping(timeout=0.3)["id"] == r.seen[-1][1]["id"]
    assert len(r.seen) == 2


def test_stale_and_foreign_replies_are_dropped(router) -> None:
    def script(n: int, h: dict) -> list[dict]:
        stale = {**pong(h), "id": h["id"] + "-old", "stale": True}
        return [stale, pong(h, right=True)]

    r = router(script)
    with Client(r.endpoint, timeout=2, retries=0) as c:
        reply = c.ping()
    assert reply.get("right") is True and "stale" not in reply


def test_error_reply_raises_client_error(router) -> None:
    r = router(lambda n, h: [P.error_reply(h, P.E_BAD_LABELS, "labels layer is empty")])
    with Client(r.endpoint, timeout=2, retries=0) as c, pytest.raises(ClientError) as info:
        c.generate(b"\0" * 4, None, 1, 1)
    assert (info.value.code, info.value.message) == (P.E_BAD_LABELS, "labels layer is empty")
    assert r.seen[0][1]["op"] == "generate" and r.seen[0][1]["strokes"] is None


def test_reconnects_to_a_server_that_starts_late(router) -> None:
    """Backend restarted: the first attempts go nowhere, a later one reaches the new process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    timer = threading.Timer(0.5, lambda: router(lambda n, h: [pong(h)], port=port))
    timer.start()
    try:
        with Client(f"tcp://127.0.0.1:{port}", timeout=0.3, retries=10) as c:
            assert c.ping(timeout=0.3)["ok"] is True
    finally:
        timer.join()


def test_async_send_recv(router) -> None:
    r = router(lambda n, h: [pong(h)] if h["op"] == "ping" else [])
    with Client(r.endpoint, timeout=2, retries=0) as c:
        a = c.send(P.OP_PING)
        b = c.send(P.OP_PING)
        assert c.pending == {a, b}
        got = [c.recv(2), c.recv(2)]
        assert {g[0]["id"] for g in got if g} == {a, b}
        assert c.recv(0.1) is None  # nothing more: None, not an exception
        silent = c.send(P.OP_INFO)
        assert c.recv(0.2) is None and silent in c.pending


def test_sync_request_keeps_async_replies_for_recv(router) -> None:
    # the server answers the async ping only after the sync ping arrives (reversed order)
    held: list[dict] = []

    def script(n: int, h: dict) -> list[dict]:
        if n == 1:
            held.append(h)
            return []
        return [pong(held[0], first=True), pong(h)]

    r = router(script)
    with Client(r.endpoint, timeout=2, retries=0) as c:
        first = c.send(P.OP_PING)
        assert c.ping()["id"] != first
        got = c.recv(1)
        assert got is not None and got[0]["id"] == first and got[0]["first"] is True


def test_timed_out_request_is_not_delivered_to_a_restarted_backend(router) -> None:
    """Backend dead: the client's last attempt waits in its DEALER queue.  After the timeout a
    backend started on the same port must not receive that stale request (it would compute it
    for nobody before the user's next one), only the next request."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = f"tcp://127.0.0.1:{port}"
    with Client(endpoint, timeout=0.2, retries=1) as c:
        with pytest.raises(ClientError) as info:
            c.ping(timeout=0.2)
        assert info.value.code == P.E_TIMEOUT
        r = router(lambda n, h: [pong(h)], port=port)
        time.sleep(1.0)  # ample time for a queued message to be flushed to the new peer
        assert r.seen == []
        reply = c.ping(timeout=2, retries=0)
    assert [h["id"] for _, h in r.seen] == [reply["id"]]
