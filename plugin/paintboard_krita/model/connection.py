"""Connection state machine over one non-blocking DEALER socket.

Why a poll-driven design: Krita's UI thread must never wait on the network, so nothing here
blocks. The owner calls :meth:`Connection.poll` from a short QTimer; it drains replies,
dispatches callbacks by request id, expires requests (Lazy Pirate: reopen the socket, resend,
give up after the retry budget) and sends heartbeat pings whose answers drive the state.
"""

from __future__ import annotations

import enum
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import protocol
from ..signals import Signal
from ..transport import CurveKeys, Transport

log = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any], list[bytes]], None]


class ConnectionState(enum.Enum):
    disconnected = "disconnected"
    starting = "starting"
    connected = "connected"
    error = "error"


@dataclass
class Pending:
    id: str
    header: dict[str, Any]
    buffers: list[bytes]
    callback: Reply | None
    timeout: float
    retries_left: int
    deadline: float = 0.0
    attempts: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


class Connection:
    """Requests, replies, heartbeat and state; every method returns at once."""

    def __init__(self, endpoint: str = protocol.DEFAULT_ENDPOINT, curve: CurveKeys | None = None,
                 clock: Callable[[], float] = time.monotonic, ping_interval: float = 2.0,
                 ping_timeout: float = protocol.PING_TIMEOUT_S,
                 ping_misses: int = protocol.RETRIES + 1) -> None:
        self.endpoint = endpoint
        self.curve = curve
        self.clock = clock
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.ping_misses = ping_misses
        self.state = ConnectionState.disconnected
        self.reason = ""
        self.info: dict[str, Any] | None = None
        self.state_changed = Signal()  # (state, reason)
        self.info_changed = Signal()  # (info)
        self._transport: Transport | None = None
        self._pending: dict[str, Pending] = {}
        self._ids = itertools.count(1)
        self._prefix = f"k{id(self) % 100000}-"
        self._next_ping = 0.0
        self._missed = 0
        self.grace_until = 0.0  # while a local backend boots, silence is not an error
        self.no_answer_reason = ""  # a better explanation of silence, when the owner knows one

    # -- state ----------------------------------------------------------------------------
    def _set_state(self, state: ConnectionState, reason: str = "") -> None:
        if (state, reason) != (self.state, self.reason):
            self.state, self.reason = state, reason
            log.info("connection %s %s", state.value, reason)
            self.state_changed.emit(state, reason)

    def set_error(self, reason: str) -> None:
        """Used by the backend process watcher: a crashed process is known before a timeout."""
        self._set_state(ConnectionState.error, reason)

    def set_starting(self, reason: str = "") -> None:
        self._set_state(ConnectionState.starting, reason)

    @property
    def is_connected(self) -> bool:
        return self.state is ConnectionState.connected

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    # -- lifecycle --------------------------------------------------------------------------
    def connect(self, endpoint: str | None = None, curve: CurveKeys | None = None) -> None:
        self.close(reason="")
        self.endpoint = endpoint or self.endpoint
        self.curve = curve if curve is not None else self.curve
        self._transport = Transport(self.endpoint, self.curve)
        try:
            self._transport.open()
        except Exception as exc:  # zmq.ZMQError: bad address, bad keys
            self._transport = None
            self._set_state(ConnectionState.error, f"cannot open {self.endpoint}: {exc}")
            return
        self._missed = 0
        self._next_ping = 0.0
        self._set_state(ConnectionState.starting, f"connecting to {self.endpoint}")
        self.poll()

    def close(self, reason: str = "disconnected") -> None:
        """Close the socket; pending requests get an error reply so no caller waits forever."""
        pending, self._pending = self._pending, {}
        for p in pending.values():
            self._fail(p, protocol.E_CANCELLED, reason or "connection closed")
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self.info = None
        self._set_state(ConnectionState.disconnected, reason)

    # -- requests ---------------------------------------------------------------------------
    def request(self, op: str, fields: dict[str, Any] | None = None,
                buffers: list[bytes] | None = None, callback: Reply | None = None,
                timeout: float = protocol.REQUEST_TIMEOUT_S, retries: int = protocol.RETRIES,
                ) -> str:
        """Queue a request; ``callback(header, buffers)`` gets the reply or an error header."""
        rid = f"{self._prefix}{next(self._ids)}"
        header = protocol.request(op, rid, **(fields or {}))
        p = Pending(rid, header, list(buffers or []), callback, timeout, retries)
        self._pending[rid] = p
        if self._transport is None:
            del self._pending[rid]
            self._fail(p, protocol.E_TIMEOUT, "not connected to the backend")
            return rid
        self._send(p)
        return rid

    def forget(self, rid: str) -> None:
        """Stop waiting for ``rid`` (its reply, if any, is dropped) and tell the server."""
        if self._pending.pop(rid, None) is not None and self._transport is not None:
            self.request("cancel", {"target": rid}, timeout=self.ping_timeout, retries=0)

    def _send(self, p: Pending) -> None:
        p.attempts += 1
        p.deadline = self.clock() + p.timeout
        if self._transport is not None and not self._transport.send(
                protocol.encode(p.header, p.buffers)):
            log.debug("send of %s deferred: socket full", p.id)

    def _fail(self, p: Pending, code: str, message: str) -> None:
        if p.callback is not None:
            header = protocol.error_reply(p.header, code, message)
            try:
                p.callback(header, [])
            except Exception:
                log.exception("reply handler for %s failed", p.id)

    # -- the pump ---------------------------------------------------------------------------
    def poll(self) -> int:
        """Drain replies, expire requests, heartbeat. Returns the number of replies handled."""
        if self._transport is None:
            return 0
        handled = 0
        for frames in self._transport.receive_all():
            handled += 1
            self._dispatch(frames)
        self._expire()
        self._heartbeat()
        return handled

    def _dispatch(self, frames: list[bytes]) -> None:
        try:
            header = protocol.decode_header(frames[0])
        except protocol.ProtocolError as exc:
            log.warning("dropping a bad reply: %s", exc)
            return
        self._missed = 0
        if self.state is not ConnectionState.connected:
            self._set_state(ConnectionState.connected, self.endpoint)
            if self.info is None:
                self.request("info", callback=self._on_info, timeout=self.ping_timeout * 3)
        p = self._pending.pop(str(header.get("id")), None)
        if p is None:
            return  # a reply to a forgotten or already retried request
        if p.callback is not None:
            try:
                p.callback(header, frames[1:])
            except Exception:
                log.exception("reply handler for %s failed", p.id)

    def _on_info(self, header: dict[str, Any], _buffers: list[bytes]) -> None:
        if header.get("ok"):
            self.info = header
            self.info_changed.emit(header)

    def _expire(self) -> None:
        now = self.clock()
        expired = [p for p in self._pending.values() if now >= p.deadline]
        if not expired:
            return
        resend = []
        for p in expired:
            if p.header["op"] == "ping":
                self._missed += 1
                del self._pending[p.id]
            elif p.retries_left > 0:
                p.retries_left -= 1
                resend.append(p)
            else:
                del self._pending[p.id]
                self._fail(p, protocol.E_TIMEOUT,
                           f"no reply from the backend after {p.attempts} attempt(s)")
                self._set_state(ConnectionState.error,
                                f"backend at {self.endpoint} is not answering")
        if resend and self._transport is not None:
            # Lazy Pirate: a fresh socket drops whatever the old one still queued, then resend
            # everything still wanted.
            self._transport.reopen()
            for p in self._pending.values():
                if p in resend or p.header["op"] != "ping":
                    self._send(p)
        if (self._missed >= self.ping_misses and self.state is not ConnectionState.error
                and now >= self.grace_until):
            self._set_state(ConnectionState.error,
                            self.no_answer_reason or f"no answer from {self.endpoint}")

    def _heartbeat(self) -> None:
        now = self.clock()
        if now < self._next_ping:
            return
        busy = any(p.header["op"] in ("generate", "ping") for p in self._pending.values())
        if busy:
            # A busy single-worker backend answers pings only between images; the generate
            # request's own timeout covers liveness meanwhile.
            self._next_ping = now + self.ping_interval
            return
        self._next_ping = now + self.ping_interval
        self.request("ping", timeout=self.ping_timeout, retries=0)
