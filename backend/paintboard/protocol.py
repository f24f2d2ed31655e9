"""Paintboard wire protocol v1: constants, message building and validation.

Stdlib only on purpose: the Krita plugin imports this very file (through a symlink in
``plugin/paintboard_krita``), so client and server can never disagree on a constant.

A message is a ZeroMQ multipart message. Frame 0 is a UTF-8 JSON header; frames 1..n are raw
buffers that the header describes. Every header carries ``"v"`` (protocol version), ``"op"`` and
a client-chosen ``"id"`` that the reply echoes. Replies are ``{"v", "id", "op", "ok": true, ...}``
plus buffers, or ``{"v", "id", "op", "ok": false, "error": {"code", "message"}}``.

``generate`` request header::

    {"v": 1, "op": "generate", "id": "c1-7",
     "width": 1024, "height": 768,            # size of the buffers: width*height*4 each
     "labels": {"format": "BGRA8"},           # frame 1
     "strokes": {"format": "BGRA8"} | null,   # frame 2 when present
     "out_format": "BGRA8",                   # byte order of the reply image
     "seed": 1234, "size": 256,               # working resolution (longest side)
     "model": "small"}                        # optional; default is the server's model

The buffers are the document's layers, or (what the plugin sends for a document larger than
the working size) the layers already reduced to the working size: labels nearest-sampled,
strokes pooled so no dab is lost, long side = ``size``. The reply image has the buffers' size;
the client scales it back to its document (plugin: ``reduce.upscale``). A client that sends
full-size layers gets a full-size image, as before.

``generate`` reply header: ``{..., "ok": true, "width", "height", "format", "seed", "model",
"labels": {"snapped": n, "unknown": [[r, g, b, count], ...]}, "timings": {stage: seconds}}``
and frame 1 holds the image. ``cancel`` carries ``"target"``: the id of the request to cancel.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

PROTOCOL_VERSION = 1
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5557
DEFAULT_ENDPOINT = f"tcp://{DEFAULT_HOST}:{DEFAULT_PORT}"

OP_PING = "ping"
OP_INFO = "info"
OP_GENERATE = "generate"
OP_CANCEL = "cancel"
OPS = (OP_PING, OP_INFO, OP_GENERATE, OP_CANCEL)

# Pixel formats of raw buffers: 4 bytes per pixel, rows top to bottom, no padding.
FORMAT_RGBA8 = "RGBA8"
FORMAT_BGRA8 = "BGRA8"  # Krita's Node.pixelData for RGBA8 documents
PIXEL_FORMATS = (FORMAT_RGBA8, FORMAT_BGRA8)
BYTES_PER_PIXEL = 4

# Limits. A request past them gets an error reply; the server keeps serving.
MAX_SIDE = 8192
MAX_PIXELS = 6000 * 6000
MAX_WORKING_SIZE = 1024
MIN_WORKING_SIZE = 64
DEFAULT_WORKING_SIZE = 256
MAX_HEADER_BYTES = 64 * 1024
# Two full-size layers plus the header; also set as the socket's ZMQ_MAXMSGSIZE.
MAX_MESSAGE_BYTES = 2 * MAX_PIXELS * BYTES_PER_PIXEL + MAX_HEADER_BYTES

# Error codes (error.code in a reply).
E_BAD_MESSAGE = "bad_message"  # not a multipart message with a JSON object header
E_BAD_VERSION = "bad_version"
E_UNKNOWN_OP = "unknown_op"
E_BAD_REQUEST = "bad_request"  # fields missing / wrong type / buffers not matching
E_TOO_LARGE = "too_large"
E_UNKNOWN_MODEL = "unknown_model"
E_BAD_LABELS = "bad_labels"  # e.g. an empty labels layer
E_SUPERSEDED = "superseded"  # a newer generate from the same client replaced this one
E_CANCELLED = "cancelled"
E_INTERNAL = "internal"
E_TIMEOUT = "timeout"  # client side only: no reply in time
ERROR_CODES = (
    E_BAD_MESSAGE,
    E_BAD_VERSION,
    E_UNKNOWN_OP,
    E_BAD_REQUEST,
    E_TOO_LARGE,
    E_UNKNOWN_MODEL,
    E_BAD_LABELS,
    E_SUPERSEDED,
    E_CANCELLED,
    E_INTERNAL,
    E_TIMEOUT,
)

# Client-side defaults (Lazy Pirate).
REQUEST_TIMEOUT_S = 30.0
PING_TIMEOUT_S = 2.0
RETRIES = 2


def is_loopback_host(host: str) -> bool:
    """True only for addresses that cannot be reached from another machine.

    Both sides decide "needs CURVE" with this one rule. Host names other than ``localhost``
    count as non-loopback: they may resolve anywhere.
    """
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_is_local(endpoint: str) -> bool:
    """``tcp://HOST:PORT`` on a loopback host, or an ipc/inproc endpoint (never leaves the machine).

    The one "does this endpoint need CURVE" test: the server refuses to bind a non-local endpoint
    in the clear, and the plugin and the client use the same answer to decide on keys.
    """
    scheme, sep, rest = endpoint.strip().partition("://")
    if not sep:
        return False
    if scheme in ("ipc", "inproc"):
        return True
    if scheme != "tcp":
        return False
    return is_loopback_host(rest.rsplit(":", 1)[0])


# The command line that starts a backend, after the backend environment's python.  Spelled here
# once: the plugin (autostart), the installer (settings, smoke test), benchmarks and tests use it.
CLI_MODULE = "paintboard.cli"  # python -m CLI_MODULE <command>
SERVE_ARGS = ("-m", CLI_MODULE, "serve")


def serve_command(python: str, port: int | str, *extra: str) -> list[str]:
    """``[python, -m, paintboard.cli, serve, --port, PORT, *extra]``; ``port`` may be ``{port}``."""
    return [str(python), *SERVE_ARGS, "--port", str(port), *extra]


def generate_fields(
    width: int,
    height: int,
    fmt: str,
    with_strokes: bool,
    out_format: str = FORMAT_RGBA8,
    seed: int = 0,
    size: int = DEFAULT_WORKING_SIZE,
    model: str | None = None,
) -> dict[str, Any]:
    """The fields of a ``generate`` request header (everything but v/op/id); see the top.

    ``with_strokes`` says whether a strokes frame follows the labels frame. The one builder for
    the client, the plugin and the fuzz script, so a field renamed here is renamed everywhere.
    """
    fields: dict[str, Any] = {
        "width": width,
        "height": height,
        "labels": {"format": fmt},
        "strokes": {"format": fmt} if with_strokes else None,
        "out_format": out_format,
        "seed": seed,
        "size": size,
    }
    if model:
        fields["model"] = model
    return fields


def open_dealer(
    context: Any, endpoint: str, curve: tuple[bytes, bytes, bytes] | None = None
) -> Any:
    """A connected DEALER socket with the options both clients need (plugin and backend client).

    ``curve`` = (server public key, client public key, client secret key). LINGER 0 so a closed
    socket drops whatever it still queued (the Lazy-Pirate reset); MAXMSGSIZE so a bogus peer
    cannot make us buffer gigabytes; a short reconnect interval so a restarted backend is found
    within a second. pyzmq is imported here, not at the top: this module stays stdlib-only for
    everything else (the installer reads its constants with no pyzmq around).
    """
    import zmq

    sock = context.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    sock.setsockopt(zmq.RECONNECT_IVL, 200)
    sock.setsockopt(zmq.RECONNECT_IVL_MAX, 2000)
    if curve is not None:
        sock.curve_serverkey, sock.curve_publickey, sock.curve_secretkey = curve
    sock.connect(endpoint)
    return sock


class ProtocolError(Exception):
    """A message that breaks the protocol; ``code`` is one of the E_* constants."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def encode(header: dict[str, Any], buffers: list[bytes] | tuple[bytes, ...] = ()) -> list[bytes]:
    """Header + buffers → multipart frames."""
    return [json.dumps(header, separators=(",", ":")).encode("utf-8"), *buffers]


def request(op: str, req_id: str, **fields: Any) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "op": op, "id": req_id, **fields}


def ok_reply(req: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"v": PROTOCOL_VERSION, "id": req.get("id"), "op": req.get("op"), "ok": True, **fields}


def error_reply(req: dict[str, Any] | None, code: str, message: str) -> dict[str, Any]:
    req = req or {}
    rid = req.get("id") if isinstance(req.get("id"), (str, int)) else None
    op = req.get("op") if isinstance(req.get("op"), str) else None
    return {
        "v": PROTOCOL_VERSION,
        "id": rid,
        "op": op,
        "ok": False,
        "error": {"code": code, "message": message},
    }


def decode_header(frame: bytes) -> dict[str, Any]:
    """Parse and check frame 0. Raises ProtocolError with a message a person can act on."""
    if len(frame) > MAX_HEADER_BYTES:
        raise ProtocolError(E_TOO_LARGE, f"header is {len(frame)} bytes (max {MAX_HEADER_BYTES})")
    try:
        header = json.loads(frame.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(E_BAD_MESSAGE, f"header is not UTF-8 JSON: {exc}") from None
    except RecursionError:  # e.g. "[[[[…": the C decoder gives up on deep nesting
        raise ProtocolError(E_BAD_MESSAGE, "header JSON is nested too deeply") from None
    if not isinstance(header, dict):
        raise ProtocolError(E_BAD_MESSAGE, "header must be a JSON object")
    return header


def check_request(header: dict[str, Any]) -> None:
    """Version, id and op checks shared by every op."""
    version = header.get("v")
    if isinstance(version, bool) or version != PROTOCOL_VERSION:
        raise ProtocolError(
            E_BAD_VERSION,
            f"protocol version {header.get('v')!r} not supported (this side speaks "
            f"v{PROTOCOL_VERSION}); update the plugin and the backend together",
        )
    rid = header.get("id")
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise ProtocolError(E_BAD_REQUEST, "request needs an 'id' (string or integer)")
    if header.get("op") not in OPS:
        raise ProtocolError(E_UNKNOWN_OP, f"unknown op {header.get('op')!r}; known: {OPS}")


def _int_field(header: dict[str, Any], name: str, lo: int, hi: int, default: int | None) -> int:
    value = header.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(E_BAD_REQUEST, f"'{name}' must be an integer, got {value!r}")
    if not lo <= value <= hi:
        code = E_TOO_LARGE if value > hi else E_BAD_REQUEST
        raise ProtocolError(code, f"'{name}' = {value} is outside {lo}..{hi}")
    return value


def _layer_format(header: dict[str, Any], name: str, required: bool) -> str | None:
    spec = header.get(name)
    if spec is None and not required:
        return None
    if not isinstance(spec, dict) or spec.get("format") not in PIXEL_FORMATS:
        raise ProtocolError(
            E_BAD_REQUEST, f"'{name}' must be {{\"format\": one of {PIXEL_FORMATS}}}, got {spec!r}"
        )
    return spec["format"]


def check_generate(header: dict[str, Any], buffers: list[bytes]) -> dict[str, Any]:
    """Validate a generate request against its buffers; return the normalised fields.

    The checks are ordered so that the cheapest, most telling message comes first: a 20000×20000
    canvas is "too large", not "buffer size mismatch".
    """
    width = _int_field(header, "width", 1, MAX_SIDE, None)
    height = _int_field(header, "height", 1, MAX_SIDE, None)
    if width * height > MAX_PIXELS:
        raise ProtocolError(
            E_TOO_LARGE, f"{width}×{height} is {width * height} pixels (max {MAX_PIXELS})"
        )
    labels_fmt = _layer_format(header, "labels", required=True)
    strokes_fmt = _layer_format(header, "strokes", required=False)
    out_fmt = header.get("out_format", FORMAT_RGBA8)
    if out_fmt not in PIXEL_FORMATS:
        raise ProtocolError(E_BAD_REQUEST, f"'out_format' must be one of {PIXEL_FORMATS}")
    seed = _int_field(header, "seed", 0, 2**31 - 1, 0)
    size = _int_field(header, "size", MIN_WORKING_SIZE, MAX_WORKING_SIZE, DEFAULT_WORKING_SIZE)
    model = header.get("model")
    if model is not None and not isinstance(model, str):
        raise ProtocolError(E_BAD_REQUEST, "'model' must be a string")
    expected = 1 + (strokes_fmt is not None)
    if len(buffers) != expected:
        raise ProtocolError(
            E_BAD_REQUEST,
            f"expected {expected} buffer frame(s) after the header, got {len(buffers)}",
        )
    need = width * height * BYTES_PER_PIXEL
    for name, buf in zip(("labels", "strokes"), buffers):  # noqa: B905 (no strict= in old Krita Pythons)
        if len(buf) != need:
            raise ProtocolError(
                E_BAD_REQUEST,
                f"'{name}' buffer has {len(buf)} bytes; "
                f"{width}×{height}×{BYTES_PER_PIXEL} = {need}",
            )
    return {
        "width": width,
        "height": height,
        "labels_format": labels_fmt,
        "strokes_format": strokes_fmt,
        "out_format": out_fmt,
        "seed": seed,
        "size": size,
        "model": model,
    }
