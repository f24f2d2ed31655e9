"""protocol.py on its own: every validation branch, and a property test that no input crashes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paintboard import protocol as P
from paintboard.protocol import ProtocolError


def gen(**over: Any) -> dict[str, Any]:
    h = P.request(P.OP_GENERATE, "r1", width=4, height=3, labels={"format": "BGRA8"})
    h.update(over)
    return h


def buf(w: int = 4, h: int = 3) -> bytes:
    return bytes(w * h * 4)


def code_of(fn, *args) -> str:
    with pytest.raises(ProtocolError) as info:
        fn(*args)
    assert info.value.message  # every error says something a person can act on
    return info.value.code


def test_encode_decode_round_trip() -> None:
    header = P.request(P.OP_PING, "x", extra={"a": [1, 2]})
    frames = P.encode(header, [b"ab", b"c"])
    assert frames[1:] == [b"ab", b"c"]
    assert P.decode_header(frames[0]) == header
    assert header["v"] == P.PROTOCOL_VERSION


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\xff\xfe", P.E_BAD_MESSAGE),
        (b"{not json", P.E_BAD_MESSAGE),
        (b"", P.E_BAD_MESSAGE),
        (b"[1, 2]", P.E_BAD_MESSAGE),
        (b'"a string"', P.E_BAD_MESSAGE),
        (b"[" * 100_000 + b"]" * 100_000, P.E_TOO_LARGE),
        (b"[" * 30_000, P.E_BAD_MESSAGE),  # deep nesting: RecursionError inside json
        (b'{"a": "' + b"x" * P.MAX_HEADER_BYTES + b'"}', P.E_TOO_LARGE),
    ],
)
def test_decode_header_errors(frame: bytes, code: str) -> None:
    assert code_of(P.decode_header, frame) == code


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ({"op": "ping", "id": 1}, P.E_BAD_VERSION),
        ({"v": 2, "op": "ping", "id": 1}, P.E_BAD_VERSION),
        ({"v": True, "op": "ping", "id": 1}, P.E_BAD_VERSION),
        ({"v": "1", "op": "ping", "id": 1}, P.E_BAD_VERSION),
        ({"v": 1, "op": "ping"}, P.E_BAD_REQUEST),
        ({"v": 1, "op": "ping", "id": None}, P.E_BAD_REQUEST),
        ({"v": 1, "op": "ping", "id": True}, P.E_BAD_REQUEST),
        ({"v": 1, "op": "ping", "id": [1]}, P.E_BAD_REQUEST),
        ({"v": 1, "op": "fly", "id": 1}, P.E_UNKNOWN_OP),
        ({"v": 1, "id": 1}, P.E_UNKNOWN_OP),
        ({"v": 1, "op": ["ping"], "id": 1}, P.E_UNKNOWN_OP),
    ],
)
def test_check_request_errors(header: dict, code: str) -> None:
    assert code_of(P.check_request, header) == code


@pytest.mark.parametrize("op", P.OPS)
def test_check_request_accepts_every_op(op: str) -> None:
    P.check_request(P.request(op, "a"))
    P.check_request(P.request(op, 7))


def test_check_generate_normalises_defaults() -> None:
    out = P.check_generate(gen(), [buf()])
    assert out == {
        "width": 4,
        "height": 3,
        "labels_format": "BGRA8",
        "strokes_format": None,
        "out_format": "RGBA8",
        "seed": 0,
        "size": P.DEFAULT_WORKING_SIZE,
        "model": None,
    }
    out = P.check_generate(
        gen(strokes={"format": "RGBA8"}, out_format="BGRA8", seed=5, size=64, model="small"),
        [buf(), buf()],
    )
    assert (out["strokes_format"], out["out_format"], out["seed"], out["size"], out["model"]) == (
        "RGBA8",
        "BGRA8",
        5,
        64,
        "small",
    )


@pytest.mark.parametrize(
    ("over", "buffers", "code"),
    [
        ({"width": None}, 1, P.E_BAD_REQUEST),
        ({"width": "4"}, 1, P.E_BAD_REQUEST),
        ({"width": 4.0}, 1, P.E_BAD_REQUEST),
        ({"width": True}, 1, P.E_BAD_REQUEST),
        ({"width": 0}, 1, P.E_BAD_REQUEST),
        ({"height": -1}, 1, P.E_BAD_REQUEST),
        ({"width": P.MAX_SIDE + 1}, 1, P.E_TOO_LARGE),
        ({"height": 10**30}, 1, P.E_TOO_LARGE),
        ({"width": P.MAX_SIDE, "height": P.MAX_SIDE}, 1, P.E_TOO_LARGE),  # over MAX_PIXELS
        ({"labels": None}, 1, P.E_BAD_REQUEST),
        ({"labels": "BGRA8"}, 1, P.E_BAD_REQUEST),
        ({"labels": {"format": "RGB8"}}, 1, P.E_BAD_REQUEST),
        ({"labels": {"format": ["BGRA8"]}}, 1, P.E_BAD_REQUEST),
        ({"strokes": {"format": "CMYK"}}, 2, P.E_BAD_REQUEST),
        ({"strokes": []}, 2, P.E_BAD_REQUEST),
        ({"out_format": "ARGB8"}, 1, P.E_BAD_REQUEST),
        ({"seed": -1}, 1, P.E_BAD_REQUEST),
        ({"seed": 2**31}, 1, P.E_TOO_LARGE),
        ({"seed": 1.5}, 1, P.E_BAD_REQUEST),
        ({"size": P.MIN_WORKING_SIZE - 1}, 1, P.E_BAD_REQUEST),
        ({"size": P.MAX_WORKING_SIZE + 1}, 1, P.E_TOO_LARGE),
        ({"model": 3}, 1, P.E_BAD_REQUEST),
        ({}, 0, P.E_BAD_REQUEST),  # labels frame missing
        ({}, 2, P.E_BAD_REQUEST),  # an extra frame
        ({"strokes": {"format": "BGRA8"}}, 1, P.E_BAD_REQUEST),  # strokes frame missing
    ],
)
def test_check_generate_errors(over: dict, buffers: int, code: str) -> None:
    assert code_of(P.check_generate, gen(**over), [buf()] * buffers) == code


@pytest.mark.parametrize("sizes", [(47, 48), (48, 47), (0, 48), (48 * 2, 48)])
def test_check_generate_buffer_size_mismatch(sizes: tuple[int, int]) -> None:
    header = gen(strokes={"format": "RGBA8"})
    bufs = [bytes(n) for n in sizes]
    assert code_of(P.check_generate, header, bufs) == P.E_BAD_REQUEST


def test_too_large_comes_before_buffer_mismatch() -> None:
    # a 20000-wide canvas is "too large", not "buffer size mismatch"
    assert code_of(P.check_generate, gen(width=20000), [b""]) == P.E_TOO_LARGE


def test_replies_echo_id_and_op() -> None:
    req = P.request(P.OP_INFO, "q")
    assert P.ok_reply(req, a=1) == {"v": 1, "id": "q", "op": "info", "ok": True, "a": 1}
    err = P.error_reply(req, P.E_INTERNAL, "x")
    assert (err["id"], err["op"], err["ok"], err["error"]) == (
        "q",
        "info",
        False,
        {"code": P.E_INTERNAL, "message": "x"},
    )
    # unusable ids/ops from a malformed request do not leak into the reply
    err = P.error_reply({"id": {"x": 1}, "op": 5}, P.E_BAD_REQUEST, "m")
    assert (err["id"], err["op"]) == (None, None)
    assert P.error_reply(None, P.E_BAD_MESSAGE, "m")["id"] is None
    json.dumps(err)


def test_error_codes_are_distinct_and_complete() -> None:
    codes = [v for k, v in vars(P).items() if k.startswith("E_")]
    assert sorted(codes) == sorted(P.ERROR_CODES)
    assert len(set(P.ERROR_CODES)) == len(P.ERROR_CODES)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(
    ["v", "op", "id", "width", "height", "labels", "strokes", "out_format", "seed", "size", "model"]
)
field_values = (
    json_values
    | st.sampled_from([*P.OPS, *P.PIXEL_FORMATS, P.PROTOCOL_VERSION])
    | st.integers(-3, 70)
    | st.fixed_dictionaries({"format": st.sampled_from([*P.PIXEL_FORMATS, "x"])})
)


@settings(max_examples=400, deadline=None)
@given(
    header=st.dictionaries(keys | st.text(max_size=4), field_values, max_size=11),
    buffers=st.lists(st.binary(max_size=300), max_size=3),
)
def test_random_headers_only_raise_protocol_error(header: dict, buffers: list[bytes]) -> None:
    for frame in (json.dumps(header).encode(), json.dumps(header)[:-1].encode()):
        try:
            decoded = P.decode_header(frame)
            P.check_request(decoded)
            out = P.check_generate(decoded, buffers)
        except ProtocolError as exc:
            assert exc.code in P.ERROR_CODES
            continue
        # whatever passes is consistent with its buffers
        assert len(buffers[0]) == out["width"] * out["height"] * 4


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_protocol_error(frame: bytes) -> None:
    try:
        P.check_request(P.decode_header(frame))
    except ProtocolError as exc:
        assert exc.code in P.ERROR_CODES


# ---- the shared builders ----------------------------------------------------------------------


@pytest.mark.parametrize("with_strokes", [False, True])
def test_generate_fields_pass_check_generate(with_strokes: bool) -> None:
    fields = P.generate_fields(5, 3, P.FORMAT_BGRA8, with_strokes, P.FORMAT_RGBA8, 7, 128, "m")
    header = P.request(P.OP_GENERATE, "g1", **fields)
    buffers = [bytes(5 * 3 * 4)] * (2 if with_strokes else 1)
    P.check_request(header)
    got = P.check_generate(header, buffers)
    assert got == {"width": 5, "height": 3, "labels_format": "BGRA8",
                   "strokes_format": "BGRA8" if with_strokes else None, "out_format": "RGBA8",
                   "seed": 7, "size": 128, "model": "m"}  # fmt: skip
    assert "model" not in P.generate_fields(5, 3, P.FORMAT_RGBA8, False)


def test_serve_command_is_the_cli_module() -> None:
    cmd = P.serve_command("/venv/bin/python", "{port}", "--weights", "w.safetensors")
    assert cmd == ["/venv/bin/python", "-m", "paintboard.cli", "serve", "--port", "{port}",
                   "--weights", "w.safetensors"]  # fmt: skip


def test_open_dealer_sets_the_shared_options() -> None:
    zmq = pytest.importorskip("zmq")
    ctx = zmq.Context()
    try:
        sock = P.open_dealer(ctx, "tcp://127.0.0.1:1")
        assert sock.socket_type == zmq.DEALER
        assert sock.getsockopt(zmq.LINGER) == 0
        assert sock.getsockopt(zmq.MAXMSGSIZE) == P.MAX_MESSAGE_BYTES
        assert sock.getsockopt(zmq.RECONNECT_IVL) == 200
        sock.close(0)
        if zmq.has("curve"):
            server_pub, _ = zmq.curve_keypair()
            pub, secret = zmq.curve_keypair()
            sock = P.open_dealer(ctx, "tcp://127.0.0.1:1", (server_pub, pub, secret))
            assert sock.getsockopt(zmq.MECHANISM) == zmq.CURVE
            sock.close(0)
    finally:
        ctx.destroy(linger=0)  # closes a socket an assertion left open
