"""A ZeroMQ DEALER socket that never blocks the caller.

Every send and receive uses ``zmq.NOBLOCK``; the owner drains replies from a timer (or a
QSocketNotifier on :meth:`fileno`). ``reopen`` is the Lazy-Pirate move: drop the socket with
``LINGER=0`` so stale queued requests die with it, then connect afresh.
"""

from __future__ import annotations

import logging
from pathlib import Path

import zmq

from . import protocol

log = logging.getLogger(__name__)

_Z85 = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 ".-:+=^!/*?&<>()[]{}@%$#")


class CurveKeys:
    """CURVE keys for a remote backend: the server's public key and this client's key pair."""

    def __init__(self, server_public: bytes, client_public: bytes, client_secret: bytes) -> None:
        self.server_public = server_public
        self.client_public = client_public
        self.client_secret = client_secret

    @classmethod
    def load(cls, server_key: str, client_key_file: str) -> CurveKeys:
        """``server_key``: a key file or Z85 text; ``client_key_file``: a zmq.auth secret file.

        Raises ValueError naming the file and the fix: these messages are shown as they are in
        the settings dialog and the status line, so "Invalid certificate file" is not enough.
        """
        import zmq.auth

        server_key, client_key_file = server_key.strip(), client_key_file.strip()
        if not server_key or not client_key_file:
            raise ValueError("both the server public key and the client key file are needed")
        if Path(server_key).is_file():
            try:
                server_public, _ = zmq.auth.load_certificate(server_key)
            except (OSError, ValueError) as exc:
                raise ValueError(f"{server_key} is not a CURVE key file: {exc}") from None
        else:
            server_public = server_key.encode("ascii", "replace")
            if len(server_key) != 40 or any(c not in _Z85 for c in server_key):
                raise ValueError(
                    f"server key {server_key!r} is neither an existing file nor a 40-character "
                    "Z85 key; pick the server's server.key file")
        if not Path(client_key_file).is_file():
            raise ValueError(f"client key file {client_key_file} not found")
        try:
            client_public, client_secret = zmq.auth.load_certificate(client_key_file)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{client_key_file} is not a CURVE key file: {exc}") from None
        if not client_secret:
            raise ValueError(f"{client_key_file} holds no secret key; pick the client's "
                             "*.key_secret file, not the public *.key")
        if not server_public:
            raise ValueError(f"{server_key} holds no public key")
        return cls(server_public, client_public, client_secret)


def is_loopback(endpoint: str) -> bool:
    """ipc, or tcp to a loopback host: the backend's own rule (``protocol.endpoint_is_local``)."""
    return protocol.endpoint_is_local(endpoint)


def endpoint_port(endpoint: str) -> int:
    try:
        return int(endpoint.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return protocol.DEFAULT_PORT


class Transport:
    """Owns one DEALER socket; all calls return at once."""

    def __init__(self, endpoint: str, curve: CurveKeys | None = None,
                 context: zmq.Context | None = None) -> None:
        self.endpoint = endpoint
        self.curve = curve
        self._context = context or zmq.Context.instance()
        self._socket: zmq.Socket | None = None

    @property
    def is_open(self) -> bool:
        return self._socket is not None

    def open(self) -> None:
        if self._socket is not None:
            return
        keys = None
        if self.curve is not None:
            keys = (self.curve.server_public, self.curve.client_public, self.curve.client_secret)
        self._socket = protocol.open_dealer(self._context, self.endpoint, keys)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def reopen(self) -> None:
        self.close()
        self.open()

    def send(self, frames: list[bytes]) -> bool:
        """Queue a multipart message; False when zmq cannot take it right now."""
        if self._socket is None:
            return False
        try:
            # copy=False: big layer buffers are handed to zmq without another Python copy.
            self._socket.send_multipart(frames, flags=zmq.NOBLOCK, copy=False)
            return True
        except zmq.Again:
            return False

    def receive_all(self, limit: int = 64) -> list[list[bytes]]:
        """Every message that is already waiting (at most ``limit``), without waiting."""
        out: list[list[bytes]] = []
        if self._socket is None:
            return out
        while len(out) < limit:
            try:
                out.append(self._socket.recv_multipart(flags=zmq.NOBLOCK))
            except zmq.Again:
                break
        return out

    def fileno(self) -> int | None:
        return None if self._socket is None else self._socket.getsockopt(zmq.FD)
