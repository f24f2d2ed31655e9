"""Server behaviour: scheduling with a scriptable engine in-process, then round trips and abuse
against a REAL ``paintboard serve`` process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import zmq
from paintboard import palette
from paintboard import protocol as P
from paintboard.serving.client import Client, ClientError, check_reply
from paintboard.serving.scheduler import Job, Scheduler

W, H = 40, 24


def layer(first: tuple[int, int, int, int] = (10, 20, 30, 255), w: int = W, h: int = H) -> bytes:
    arr = np.zeros((h, w, 4), np.uint8)
    arr[...] = (124, 200, 0, 255)  # grass
    arr[: h // 2] = (135, 206, 235, 255)  # sky
    arr[0, 0] = first
    return arr.tobytes()


def error_code(fn, *args, **kw) -> str:
    with pytest.raises(ClientError) as info:
        fn(*args, **kw)
    return info.value.code


def recv_all(client: Client, n: int, timeout: float = 10.0) -> dict[str, dict]:
    out: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        got = client.recv(0.2)
        if got is not None:
            out[got[0]["id"]] = got[0]
    return out


# ---- in-process: scheduling, cancel, engine errors --------------------------------------------


def test_scheduler_round_robin_and_supersede() -> None:
    def job(client: bytes, rid: str) -> Job:
        return Job(envelope=[client], header={"id": rid}, params={}, buffers=[])

    s = Scheduler()
    assert s.submit(job(b"A", "a1")) is None
    assert s.submit(job(b"B", "b1")) is None
    old = s.submit(job(b"A", "a2"))
    assert old is not None and old.id == "a1"
    assert s.take().id == "a2"  # A keeps its place in the round
    s.submit(job(b"A", "a3"))
    assert s.take().id == "b1"  # B is not starved by A's stream
    assert s.take().id == "a3"
    assert s.close() == []
    assert s.take() is None


def test_ping_answered_while_generating(inproc_server) -> None:
    inproc_server.engine.gate.clear()
    with inproc_server.client() as c:
        rid = c.send_generate(layer(), None, W, H, seed=1)
        assert inproc_server.engine.started.wait(5)
        assert c.ping(timeout=2)["ok"] is True  # heartbeat is not stuck behind the engine
        inproc_server.engine.gate.set()
        got = c.recv(5)
        assert got is not None and got[0]["id"] == rid and got[0]["ok"] is True


def test_supersede_exact(inproc_server) -> None:
    engine = inproc_server.engine
    engine.gate.clear()
    with inproc_server.client() as c:
        first = c.send_generate(layer(), None, W, H, seed=1)
        assert engine.started.wait(5)
        second = c.send_generate(layer(), None, W, H, seed=2)
        third = c.send_generate(layer(), None, W, H, seed=3)
        got = recv_all(c, 1)
        assert got[second]["error"]["code"] == P.E_SUPERSEDED  # answered, not dropped
        engine.gate.set()
        got = recv_all(c, 2)
        assert got[first]["ok"] and got[third]["ok"]
        assert got[third]["seed"] == 3
    assert engine.calls == [1, 3]


def test_round_robin_between_clients(inproc_server) -> None:
    engine = inproc_server.engine
    engine.gate.clear()
    with inproc_server.client() as a, inproc_server.client() as b:
        a.send_generate(layer(), None, W, H, seed=100)
        assert engine.started.wait(5)
        b.send_generate(layer(), None, W, H, seed=200)
        assert b.ping()["queue"] == 1  # b's job is queued (ping is answered in order)
        a.send_generate(layer(), None, W, H, seed=101)
        a.send_generate(layer(), None, W, H, seed=102)
        assert a.ping()["queue"] == 2
        engine.gate.set()
        ra, rb = recv_all(a, 3), recv_all(b, 1)
    assert sorted(h.get("seed", -1) for h in ra.values()) == [-1, 100, 102]
    assert [h["seed"] for h in rb.values()] == [200]
    assert engine.calls == [100, 200, 102]


def test_cancel_queued_running_and_unknown(inproc_server) -> None:
    engine = inproc_server.engine
    engine.gate.clear()
    with inproc_server.client() as c, inproc_server.client() as other:
        running = c.send_generate(layer(), None, W, H, seed=1)
        assert engine.started.wait(5)
        queued = c.send_generate(layer(), None, W, H, seed=2)
        c.ping()  # makes sure `queued` has arrived before the cancels
        assert other.cancel(queued)["cancelled"] is None  # not other's request
        assert c.cancel(queued)["cancelled"] == "queued"
        assert c.cancel(running)["cancelled"] == "running"
        assert c.cancel("no-such-id")["cancelled"] is None
        got = recv_all(c, 2)
        assert got[queued]["error"]["code"] == P.E_CANCELLED
        assert got[running]["error"]["code"] == P.E_CANCELLED
        engine.gate.set()
        assert c.generate(layer(), None, W, H, seed=5)[0]["ok"]  # still serving
    assert error_code(inproc_server.client().cancel, {"not": "an id"}) == P.E_BAD_REQUEST


def test_engine_errors_become_replies(inproc_server) -> None:
    with inproc_server.client() as c:
        assert error_code(c.generate, layer((255, 0, 0, 255)), None, W, H) == P.E_BAD_LABELS
        assert error_code(c.generate, layer((0, 255, 0, 255)), None, W, H) == P.E_INTERNAL
        assert error_code(c.generate, layer(), None, W, H, model="nope") == P.E_UNKNOWN_MODEL
        header, image = c.generate(layer(), None, W, H, seed=4)
        assert header["labels"] == {"snapped": 3, "unknown": [[1, 2, 3, 7]], "unknown_pixels": 0}
        assert len(image) == W * H * 4


def test_stop_answers_running_and_queued_jobs(inproc_server) -> None:
    inproc_server.engine.gate.clear()
    with inproc_server.client() as a, inproc_server.client() as b:
        ra = a.send_generate(layer(), None, W, H)
        assert inproc_server.engine.started.wait(5)
        rb = b.send_generate(layer(), None, W, H)
        b.ping()
        inproc_server.server.stop()  # fixture teardown asserts the thread ends
        got_a, got_b = recv_all(a, 1), recv_all(b, 1)
    assert got_a[ra]["error"]["code"] == P.E_CANCELLED
    assert got_b[rb]["error"]["code"] == P.E_CANCELLED


def test_weights_error_exits_2_with_a_clear_message() -> None:
    cmd = [sys.executable, *P.SERVE_ARGS, "--weights", "/nonexistent.safetensors"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "/nonexistent.safetensors" in out.stderr and "Traceback" not in out.stderr


# ---- real `paintboard serve` process -----------------------------------------------------------


def test_ping_and_info(real_server) -> None:
    with real_server.client() as c:
        assert c.ping()["pong"] is True
        info = c.info()
    assert info["palette"] == palette.palette_as_dicts()
    assert info["protocol"] == P.PROTOCOL_VERSION
    assert info["model"] in info["models"]
    assert isinstance(info["trained"], bool)
    assert info["device"] == "cpu"
    assert info["limits"]["max_side"] == P.MAX_SIDE
    assert info["limits"]["max_message_bytes"] == P.MAX_MESSAGE_BYTES


def test_generate_formats_and_determinism(real_server) -> None:
    w, h = 70, 45  # odd sizes: not a multiple of anything the net likes
    rgba = layer(w=w, h=h)
    strokes = np.zeros((h, w, 4), np.uint8)
    strokes[5:9, 5:9] = (200, 40, 40, 255)
    with real_server.client() as c:
        hdr, out_rgba = c.generate(rgba, strokes.tobytes(), w, h, seed=11, size=64)
        bgra = np.frombuffer(rgba, np.uint8).reshape(h, w, 4)[..., [2, 1, 0, 3]].tobytes()
        bgra_strokes = strokes[..., [2, 1, 0, 3]].tobytes()
        hdr2, out_bgra = c.generate(bgra, bgra_strokes, w, h, "BGRA8", "BGRA8", seed=11, size=64)
        _, again = c.generate(rgba, strokes.tobytes(), w, h, seed=11, size=64)
    assert (hdr["width"], hdr["height"], hdr["format"], hdr2["format"]) == (w, h, "RGBA8", "BGRA8")
    assert len(out_rgba) == w * h * 4
    a = np.frombuffer(out_rgba, np.uint8).reshape(h, w, 4)
    b = np.frombuffer(out_bgra, np.uint8).reshape(h, w, 4)
    assert np.array_equal(a, b[..., [2, 1, 0, 3]])
    assert again == out_rgba
    assert hdr["seed"] == 11 and set(hdr["labels"]) >= {"snapped", "unknown"}
    assert "generate" in hdr["timings"] and "queue_wait" in hdr["timings"]


def test_empty_labels_are_a_clear_error(real_server) -> None:
    with real_server.client() as c:
        with pytest.raises(ClientError) as info:
            c.generate(bytes(W * H * 4), None, W, H)
        assert info.value.code == P.E_BAD_LABELS and info.value.message
        assert c.ping()["ok"]


def _raw_request(sock: zmq.Socket, frames: list[bytes], timeout: float = 10.0) -> list[bytes]:
    sock.send_multipart(frames)
    assert sock.poll(int(timeout * 1000)), f"no reply to {frames[:1]!r}"
    return sock.recv_multipart()


GOOD_PING = json.dumps({"v": 1, "op": "ping", "id": "ok"}).encode()
GEN = {"v": 1, "op": "generate", "id": "g", "width": 4, "height": 4, "labels": {"format": "RGBA8"}}


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([b"\x00\xffrandom\x13"], P.E_BAD_MESSAGE),
        ([b"not json"], P.E_BAD_MESSAGE),
        ([b"[1,2,3]"], P.E_BAD_MESSAGE),
        ([b"[" * 40_000], P.E_BAD_MESSAGE),
        ([b""], P.E_BAD_MESSAGE),
        ([b"{" + b" " * (P.MAX_HEADER_BYTES + 1) + b"}"], P.E_TOO_LARGE),
        ([json.dumps({"op": "ping", "id": 1}).encode()], P.E_BAD_VERSION),
        ([json.dumps({"v": 9, "op": "ping", "id": 1}).encode()], P.E_BAD_VERSION),
        ([json.dumps({"v": 1, "op": "ping"}).encode()], P.E_BAD_REQUEST),
        ([json.dumps({"v": 1, "op": "explode", "id": 1}).encode()], P.E_UNKNOWN_OP),
        ([GOOD_PING, b"extra frame"], P.E_BAD_REQUEST),
        ([json.dumps(GEN).encode()], P.E_BAD_REQUEST),  # labels frame missing
        ([json.dumps(GEN).encode(), bytes(63)], P.E_BAD_REQUEST),  # wrong size
        ([json.dumps(GEN).encode(), bytes(64), bytes(64)], P.E_BAD_REQUEST),  # extra frame
        ([json.dumps({**GEN, "width": 0}).encode(), b""], P.E_BAD_REQUEST),
        ([json.dumps({**GEN, "width": 10**6}).encode(), bytes(64)], P.E_TOO_LARGE),
        ([json.dumps({**GEN, "size": 4096}).encode(), bytes(64)], P.E_TOO_LARGE),
        ([json.dumps({**GEN, "model": "nope"}).encode(), bytes(64)], P.E_UNKNOWN_MODEL),
        ([json.dumps({"v": 1, "op": "cancel", "id": 1}).encode()], P.E_BAD_REQUEST),
    ],
)
def test_malformed_message_gets_error_and_server_survives(
    real_server, frames: list[bytes], code: str
) -> None:
    ctx = zmq.Context.instance()
    with ctx.socket(zmq.DEALER) as sock:
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(real_server.endpoint)
        reply = _raw_request(sock, frames)
        assert len(reply) == 1
        header = json.loads(reply[0])
        assert header["ok"] is False and header["error"]["code"] == code, header
        assert header["error"]["message"]
        ok = json.loads(_raw_request(sock, [GOOD_PING])[0])
        assert ok["ok"] is True and ok["id"] == "ok"


def test_req_style_envelope_is_echoed(real_server) -> None:
    """A REQ socket adds an empty delimiter; the reply must carry it back or REQ drops it."""
    with zmq.Context.instance().socket(zmq.REQ) as sock:
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(real_server.endpoint)
        reply = _raw_request(sock, [GOOD_PING])
        assert json.loads(reply[0])["ok"] is True
        reply = _raw_request(sock, [b"garbage"])
        assert json.loads(reply[0])["error"]["code"] == P.E_BAD_MESSAGE


def test_three_quick_generates_none_lost(real_server) -> None:
    with real_server.client() as c:
        ids = [c.send_generate(layer(), None, W, H, seed=s, size=64) for s in (1, 2, 3)]
        got = recv_all(c, 3, timeout=60)
    assert set(got) == set(ids)
    assert got[ids[-1]]["ok"] is True and got[ids[-1]]["seed"] == 3
    for rid in ids[:-1]:
        assert got[rid]["ok"] is True or got[rid]["error"]["code"] == P.E_SUPERSEDED


def test_concurrent_clients_get_their_own_replies(real_server) -> None:
    results: dict[int, list] = {}

    def worker(k: int) -> None:
        with real_server.client() as c:
            out = []
            for i in range(3):
                seed = k * 10 + i
                hdr, img = c.generate(layer(w=32 + k, h=20), None, 32 + k, 20, seed=seed, size=64)
                out.append((hdr["seed"], hdr["width"], len(img)))
            results[k] = out

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for k in range(3):
        assert results[k] == [(k * 10 + i, 32 + k, (32 + k) * 20 * 4) for i in range(3)]


def test_cancel_unknown_target_on_real_server(real_server) -> None:
    with real_server.client() as c:
        reply = c.cancel("never-sent")
    assert reply["ok"] is True and reply["cancelled"] is None and reply["target"] == "never-sent"


def test_log_line_per_request(real_server) -> None:
    with real_server.client() as c:
        c.ping()
        rid = c.send_generate(layer(), None, W, H, seed=9, size=64)
        check_reply(recv_all(c, 1, timeout=60)[rid])
    deadline = time.monotonic() + 5
    while rid not in real_server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(ln for ln in real_server.log().splitlines() if rid in ln)
    for part in ("op=generate", "status=ok", f"{W}x{H}", "wait=", "generate="):
        assert part in line, line


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_zero_quickly(start_server, stop_server, sig: int) -> None:
    server = start_server()
    with server.client() as c:
        assert c.ping()["ok"]
    t0 = time.monotonic()
    assert stop_server(server, sig, timeout=15) == 0, server.log()
    assert time.monotonic() - t0 < 15
    assert "server stopped" in server.log()
