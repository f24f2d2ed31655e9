"""The one owner of settings, backend process, connection and per-document models.

Widgets and Krita actions call methods here; the UI timer calls :meth:`Root.tick`. Keeping it
free of Qt and Krita lets the whole lifecycle be tested against a fake backend.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..settings import BACKEND_KEYS, CONNECTION_KEYS, Settings, uses_curve
from ..signals import Signal
from ..transport import CurveKeys, endpoint_port, is_loopback
from .backend_process import (
    STARTUP_GRACE_S,
    BackendError,
    BackendProcess,
    BackendState,
    port_is_free,
)
from .connection import Connection
from .jobs import DocumentModel

log = logging.getLogger(__name__)


class Root:
    def __init__(self, settings: Settings, log_dir: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.clock = clock
        self.connection = Connection(settings.get("endpoint"), clock=clock)
        self.backend: BackendProcess | None = None
        self.models: dict[str, DocumentModel] = {}
        self.models_changed = Signal()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Auto-start the local backend (when configured) and connect; never raises.

        A backend process that is already running is kept (``apply_settings`` reconnects
        without paying the model-loading time again when only the keys changed).
        """
        endpoint = self.settings.get("endpoint")
        curve = None
        values = {key: self.settings.get(key) for key in CONNECTION_KEYS}
        if uses_curve(values) or not is_loopback(endpoint):
            try:
                curve = CurveKeys.load(self.settings.get("curve_server_key"),
                                       self.settings.get("curve_client_key"))
            except Exception as exc:
                self.connection.endpoint = endpoint
                self.connection.set_error(
                    f"{endpoint} needs CURVE keys (Backend… settings): {exc}")
                return
        self.connection.no_answer_reason = ""
        if curve is not None:
            self.connection.no_answer_reason = (
                f"No answer from {endpoint}: the backend is down or unreachable, or it does not "
                "accept these CURVE keys (check the server key, and that this client's public "
                "key is in the server's clients/ folder).")
        grace = 0.0
        if self.settings.get("autostart") and is_loopback(endpoint):
            port = endpoint_port(endpoint)
            running = self.backend is not None and self.backend.state is BackendState.running
            if running and self.backend is not None and self.backend.port == port:
                grace = max(0.0, self.backend.started_at + STARTUP_GRACE_S - self.clock())
            elif not port_is_free(port):
                # Perhaps our own backend from an earlier session: ping decides.
                self.connection.no_answer_reason = (
                    f"Port {port} is busy but nothing answers as a Paintboard backend there; "
                    "close that program or change the port.")
            else:
                self.backend = BackendProcess(self.settings.backend_command(port), port,
                                              self.log_dir / "paintboard-backend.log", self.clock)
                try:
                    self.backend.start()
                    grace = STARTUP_GRACE_S
                except BackendError as exc:
                    self.connection.endpoint = endpoint
                    self.connection.set_error(str(exc))
                    return
        # Set explicitly: Connection.connect keeps its old keys when given None, and a switch
        # from a remote backend back to the local one must drop them.
        self.connection.curve = curve
        self.connection.connect(endpoint, curve)
        self.connection.grace_until = self.clock() + grace
        if grace:
            self.connection.set_starting("starting the local backend…")

    def retry(self) -> None:
        self.stop_backend()
        self.connection.close(reason="")
        self.start()

    def apply_settings(self, changed: set[str]) -> None:
        """The settings dialog saved: act on what changed, and on nothing else.

        Address, autostart or backend command → stop the local backend and start over (a new
        port or a remote backend must not leave the old child running). Only the CURVE keys →
        a fresh socket with the running backend kept. Anything else (working size, timeouts)
        is read live through ``settings.get`` and needs no restart.
        """
        if changed & BACKEND_KEYS:
            self.retry()
        elif changed & CONNECTION_KEYS:
            self.connection.close(reason="")
            self.start()

    def stop_backend(self) -> None:
        if self.backend is not None:
            self.backend.stop()
            self.backend = None

    def shutdown(self) -> None:
        """Krita is closing: the socket first (no callbacks into dead widgets), then the child."""
        self.connection.close(reason="Krita is closing")
        self.stop_backend()

    # -- the pump ---------------------------------------------------------------------------------
    def tick(self) -> None:
        self.connection.poll()
        if self.backend is not None:
            crash = self.backend.poll()
            if crash:
                self.connection.grace_until = 0.0
                self.connection.set_error(crash)
        for model in list(self.models.values()):
            try:
                model.tick()
            except Exception:
                log.exception("document tick failed")

    # -- documents ---------------------------------------------------------------------------------
    def model_for(self, key: str, make_doc: Callable[[], Any]) -> DocumentModel:
        model = self.models.get(key)
        if model is None:
            model = DocumentModel(make_doc(), self.connection, self.settings.get, self.clock)
            self.models[key] = model
            self.models_changed.emit()
        return model

    def forget_closed(self) -> None:
        """Drop the models of closed documents (a reopened one gets a fresh model)."""
        for key, model in list(self.models.items()):
            if not model.doc.is_open():
                self.models.pop(key)
                model.set_live(False, quiet=True)
                self.models_changed.emit()
