"""CURVE key files: the only way the backend may listen beyond loopback.

Which endpoints need CURVE is decided by :func:`paintboard.protocol.endpoint_is_local`, the rule
the plugin shares.

A key directory made by :func:`make_keys` looks like this::

    DIR/server.key           server public key   (give to every client)
    DIR/server.key_secret    server key pair     (stays on the server, mode 0600)
    DIR/client.key           client public key
    DIR/client.key_secret    client key pair     (give to the one client, mode 0600)
    DIR/clients/client.key   authorised client public keys: one ``*.key`` file per client

The server authenticates clients against ``DIR/clients/`` through ZAP, so a client whose public
key is not there gets no answer at all (the handshake is dropped), which is exactly what we want
for an exposed port. Revoking a client = deleting its file in ``clients/`` and restarting.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth

SERVER_NAME = "server"
CLIENT_NAME = "client"
CLIENTS_DIR = "clients"


class CurveError(ValueError):
    """Missing or unreadable keys; the message names the file and what to do."""


@dataclass(frozen=True)
class CurveConfig:
    """What a CURVE server needs: its key pair and the folder of authorised client keys."""

    public_key: bytes
    secret_key: bytes
    clients_dir: Path


@dataclass(frozen=True)
class ClientKeys:
    """What a CURVE client needs: the server's public key and its own key pair."""

    server_public: bytes
    public_key: bytes
    secret_key: bytes


def require_curve() -> None:
    if not zmq.has("curve"):
        raise CurveError("this libzmq was built without CURVE support; cannot secure the socket")


def make_keys(directory: str | Path, client_name: str = CLIENT_NAME) -> Path:
    """Write a server key pair and one client key pair (authorised) into ``directory``."""
    require_curve()
    directory = Path(directory)
    clients = directory / CLIENTS_DIR
    clients.mkdir(parents=True, exist_ok=True)
    for name in (SERVER_NAME, client_name):
        public, secret = zmq.auth.create_certificates(str(directory), name)
        os.chmod(secret, 0o600)
    shutil.copyfile(directory / f"{client_name}.key", clients / f"{client_name}.key")
    return directory


def _load(path: Path, secret: bool) -> tuple[bytes, bytes | None]:
    if not path.is_file():
        hint = "run `paintboard serve --make-keys DIR` to create keys"
        raise CurveError(f"CURVE key file {path} not found; {hint}")
    try:
        public, secret_key = zmq.auth.load_certificate(str(path))
    except (ValueError, OSError) as exc:
        raise CurveError(f"CURVE key file {path} is unreadable: {exc}") from None
    if secret and secret_key is None:
        raise CurveError(f"{path} holds no secret key; pass the *.key_secret file's folder")
    return public, secret_key


def load_server(directory: str | Path) -> CurveConfig:
    """Server side of :func:`make_keys`' layout; refuses a missing or empty ``clients/``."""
    require_curve()
    directory = Path(directory)
    public, secret = _load(directory / f"{SERVER_NAME}.key_secret", secret=True)
    clients = directory / CLIENTS_DIR
    if not clients.is_dir() or not any(clients.glob("*.key")):
        raise CurveError(
            f"no authorised client keys in {clients}; copy each client's public *.key there"
        )
    assert secret is not None
    return CurveConfig(public_key=public, secret_key=secret, clients_dir=clients)


def load_client(directory: str | Path, client_name: str = CLIENT_NAME) -> ClientKeys:
    """Client side of :func:`make_keys`' layout: server public key + own key pair."""
    require_curve()
    directory = Path(directory)
    server_public, _ = _load(directory / f"{SERVER_NAME}.key", secret=False)
    public, secret = _load(directory / f"{client_name}.key_secret", secret=True)
    assert secret is not None
    return ClientKeys(server_public=server_public, public_key=public, secret_key=secret)

