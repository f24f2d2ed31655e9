"""The plugin's single application object inside Krita: Root + the UI timer + active document.

Actions and dockers both go through here, so a shortcut and a button do exactly the same thing.
"""

from __future__ import annotations

import logging
from typing import Any

from krita import Krita
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from .document import PaintboardDocument
from .model.jobs import DocumentModel
from .model.root import Root
from .settings import Settings, user_data_dir

log = logging.getLogger(__name__)

TICK_MS = 50

_app: App | None = None


class App(QObject):
    """Owns the Root and pumps it; emits ``changed`` when the UI should refresh."""

    changed = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.settings = Settings()
        self.root = Root(self.settings, user_data_dir() / "paintboard")
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.root.connection.state_changed.connect(lambda *_: self.changed.emit())
        self.root.connection.info_changed.connect(lambda *_: self.changed.emit())
        self.started = False

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.root.start()
        self.timer.start()

    def shutdown(self) -> None:
        self.timer.stop()
        self.root.shutdown()

    def _tick(self) -> None:
        try:
            self.root.tick()
        except Exception:  # a bug must not kill the timer, or the UI would freeze silently
            log.exception("Paintboard tick failed")

    def model_for_doc(self, doc: Any, create: bool = True) -> DocumentModel | None:
        if doc is None:
            return None
        key = PaintboardDocument.key_of(doc)
        if key is None and not create:
            return None
        if key is not None and key in self.root.models:
            return self.root.models[key]
        pdoc = PaintboardDocument(doc)
        if key is None:
            pdoc.ensure_layers()
        return self.root.model_for(pdoc.key, lambda: pdoc)

    def active_model(self, create: bool = True) -> DocumentModel | None:
        return self.model_for_doc(Krita.instance().activeDocument(), create)


def instance() -> App:
    global _app
    if _app is None:
        _app = App()
    return _app
