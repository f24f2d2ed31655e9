"""Lazy-Pirate ZeroMQ client for the Paintboard backend (CLI, tests, benchmarks).

Blocking calls (:meth:`Client.ping`, :meth:`Client.info`, :meth:`Client.generate`,
:meth:`Client.cancel`) follow the ZeroMQ guide's Lazy Pirate pattern: send, poll with a timeout,
and on silence close the socket with LINGER 0, open a fresh one and resend, up to ``retries``
times. A DEALER socket would reconnect by itself, but a fresh socket also throws away whatever the
dead connection still had queued, so a restarted backend never sees a stale burst.

Every attempt carries its own request id, so a late reply to an earlier attempt is recognised and
dropped instead of being taken for the answer.

For live mode and benchmarks there is a non-blocking pair: :meth:`Client.send_generate` returns
the id, :meth:`Client.recv` returns the next reply to an asynchronously sent request (or None).
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

import zmq

from paintboard import protocol
from paintboard.protocol import ProtocolError


class ClientError(Exception):
    """The backend answered ``ok: false``, or did not answer (``code == E_TIMEOUT``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def check_reply(header: dict[str, Any]) -> dict[str, Any]:
    """Return ``header`` when ok, raise ClientError(code, message) otherwise."""
    if header.get("ok") is True:
        return header
    error = header.get("error")
    if not isinstance(error, dict):
        raise ClientError(protocol.E_BAD_MESSAGE, f"reply without ok/error: {header!r}")
    return _raise(error)


def _raise(error: dict[str, Any]) -> dict[str, Any]:
    raise ClientError(str(error.get("code", protocol.E_INTERNAL)), str(error.get("message", "")))


class Client:
    """One DEALER connection to a backend, with Lazy-Pirate retries.

    CURVE: pass ``curve_server_key`` (the server's public key) and ``curve_client_keys``
    ``(public, secret)``; without a client pair an ephemeral one is made, which an authenticating
    server rejects — handy to prove that it does.
    """

    def __init__(
        self,
        endpoint: str = protocol.DEFAULT_ENDPOINT,
        timeout: float = protocol.REQUEST_TIMEOUT_S,
        retries: int = protocol.RETRIES,
        curve_server_key: bytes | None = None,
        curve_client_keys: tuple[bytes, bytes] | None = None,
        context: zmq.Context | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = float(timeout)
        self.retries = int(retries)
        self._curve_server_key = curve_server_key
        self._curve_client_keys = curve_client_keys
        if curve_server_key is not None and curve_client_keys is None:
            self._curve_client_keys = zmq.curve_keypair()
        self._ctx = context or zmq.Context.instance()
        self._prefix = uuid.uuid4().hex[:8]
        self._seq = itertools.count(1)
        self._pending: set[str] = set()  # ids sent with send()/send_generate(), not yet answered
        self._inbox: list[tuple[dict[str, Any], list[bytes]]] = []
        self._sock: zmq.Socket | None = None
        self._open()

    # ---- socket ------------------------------------------------------------------------------

    def _open(self) -> None:
        curve = None
        if self._curve_server_key is not None:
            assert self._curve_client_keys is not None
            curve = (self._curve_server_key, *self._curve_client_keys)
        self._sock = protocol.open_dealer(self._ctx, self.endpoint, curve)

    def reconnect(self) -> None:
        """Drop the socket (and anything queued on it) and open a fresh one."""
        if self._sock is not None:
            self._sock.close(linger=0)
        self._pending.clear()  # their replies would go to the old socket's identity
        self._inbox.clear()
        self._open()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(linger=0)
            self._sock = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_id(self) -> str:
        return f"{self._prefix}-{next(self._seq)}"

    def _read(self, timeout: float) -> tuple[dict[str, Any], list[bytes]] | None:
        """One reply from the socket within ``timeout`` seconds, or None."""
        assert self._sock is not None
        if not self._sock.poll(max(0, int(timeout * 1000)), zmq.POLLIN):
            return None
        frames = self._sock.recv_multipart()
        try:
            header = protocol.decode_header(frames[0])
        except ProtocolError as exc:
            raise ClientError(exc.code, f"unreadable reply from {self.endpoint}: {exc}") from None
        return header, frames[1:]

    # ---- blocking requests -------------------------------------------------------------------

    def request(
        self,
        op: str,
        buffers: list[bytes] | tuple[bytes, ...] = (),
        timeout: float | None = None,
        retries: int | None = None,
        **fields: Any,
    ) -> tuple[dict[str, Any], list[bytes]]:
        """Send one request Lazy-Pirate style; return (ok header, buffers) or raise ClientError.

        On the final timeout the socket is replaced (see :meth:`reconnect`), so nothing of this
        request, nor any async request still pending, reaches a backend that comes back later.
        """
        timeout = self.timeout if timeout is None else float(timeout)
        retries = self.retries if retries is None else int(retries)
        for attempt in range(retries + 1):
            if attempt:
                self.reconnect()
            rid = self._next_id()
            assert self._sock is not None
            self._sock.send_multipart(protocol.encode(protocol.request(op, rid, **fields), buffers))
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                got = self._read(left)
                if got is None:
                    break
                header, frames = got
                reply_id = header.get("id")
                if reply_id == rid or (reply_id is None and header.get("ok") is False):
                    check_reply(header)
                    return header, frames
                if reply_id in self._pending:  # an async reply: keep it for recv()
                    self._inbox.append(got)
                # anything else is a stale reply to an earlier attempt: drop it
        # The last attempt is still queued in the DEALER when no backend took it (backend dead):
        # a backend restarted on the same port would get it first and compute a request nobody
        # waits for any more.  A fresh socket (the old one closed with LINGER 0) drops it.
        self.reconnect()
        raise ClientError(
            protocol.E_TIMEOUT,
            f"backend at {self.endpoint} did not answer within {timeout:g}s "
            f"({retries + 1} attempt{'s' if retries else ''}); is `paintboard serve` running?",
        )

    def ping(self, timeout: float = protocol.PING_TIMEOUT_S, retries: int | None = None) -> dict:
        return self.request(protocol.OP_PING, timeout=timeout, retries=retries)[0]

    def info(self, timeout: float | None = None) -> dict:
        return self.request(protocol.OP_INFO, timeout=timeout)[0]

    def cancel(self, target: str | int, timeout: float | None = None) -> dict:
        return self.request(protocol.OP_CANCEL, timeout=timeout, target=target)[0]

    def generate(
        self,
        labels: bytes,
        strokes: bytes | None,
        width: int,
        height: int,
        fmt: str = protocol.FORMAT_RGBA8,
        out_format: str = protocol.FORMAT_RGBA8,
        seed: int = 0,
        size: int = protocol.DEFAULT_WORKING_SIZE,
        model: str | None = None,
        timeout: float | None = None,
    ) -> tuple[dict[str, Any], bytes]:
        """Labels (+ strokes) raw bytes in, (reply header, image bytes in ``out_format``) out."""
        fields = protocol.generate_fields(
            width, height, fmt, strokes is not None, out_format, seed, size, model
        )
        buffers = [labels] if strokes is None else [labels, strokes]
        header, frames = self.request(protocol.OP_GENERATE, buffers, timeout=timeout, **fields)
        if len(frames) != 1:
            raise ClientError(protocol.E_BAD_MESSAGE, f"expected 1 image frame, got {len(frames)}")
        return header, frames[0]

    # ---- asynchronous use (live mode, benchmarks) --------------------------------------------

    def send(self, op: str, buffers: list[bytes] | tuple[bytes, ...] = (), **fields: Any) -> str:
        """Send without waiting; the reply comes from :meth:`recv`. No retries here."""
        rid = self._next_id()
        assert self._sock is not None
        self._sock.send_multipart(protocol.encode(protocol.request(op, rid, **fields), buffers))
        self._pending.add(rid)
        return rid

    def send_generate(
        self,
        labels: bytes,
        strokes: bytes | None,
        width: int,
        height: int,
        fmt: str = protocol.FORMAT_RGBA8,
        out_format: str = protocol.FORMAT_RGBA8,
        seed: int = 0,
        size: int = protocol.DEFAULT_WORKING_SIZE,
        model: str | None = None,
    ) -> str:
        fields = protocol.generate_fields(
            width, height, fmt, strokes is not None, out_format, seed, size, model
        )
        buffers = [labels] if strokes is None else [labels, strokes]
        return self.send(protocol.OP_GENERATE, buffers, **fields)

    def recv(self, timeout: float) -> tuple[dict[str, Any], list[bytes]] | None:
        """Next reply to a :meth:`send` request (ok or not; see :func:`check_reply`), or None."""
        if self._inbox:
            got = self._inbox.pop(0)
            self._pending.discard(got[0].get("id"))
            return got
        deadline = time.monotonic() + timeout
        while True:
            got = self._read(max(0.0, deadline - time.monotonic()))
            if got is None:
                return None
            if got[0].get("id") in self._pending:
                self._pending.discard(got[0]["id"])
                return got
            if time.monotonic() >= deadline:
                return None

    @property
    def pending(self) -> frozenset[str]:
        """Ids sent asynchronously that have not been answered yet."""
        return frozenset(self._pending)
