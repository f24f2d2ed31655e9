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
WATCH_EVERY = 6  # ticks between checks of the active / closed documents (0.3 s)

_app: App | None = None


class App(QObject):
    """Owns the Root and pumps it; emits ``changed`` when the UI should refresh."""

    changed = pyqtSignal()
    active_changed = pyqtSignal()  # another document became active, or none is open

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
        self._ticks = 0
        self._active: Any = None

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
            self._ticks += 1
            if self._ticks % WATCH_EVERY == 0:
                self.watch_documents()
        except Exception:  # a bug must not kill the timer, or the UI would freeze silently
            log.exception("Paintboard tick failed")

    def watch_documents(self) -> None:
        """Forget models of closed documents; tell the docker when the active one changed.

        Polled (cheap) rather than trusting one notifier signal: Krita has no single signal
        for "the active document changed", and closing the last view emits before it is gone.
        """
        self.root.forget_closed()
        active = Krita.instance().activeDocument()
        same = (active is None and self._active is None) or (
            active is not None and self._active is not None and active == self._active)
        if not same:
            self._active = active
            self.active_changed.emit()

    def model_for_doc(self, doc: Any, create: bool = True) -> DocumentModel | None:
        if doc is None:
            return None
        key = PaintboardDocument.key_of(doc)
        if key is None and not create:
            return None
        if key is not None and key in self.root.models:
            model = self.root.models[key]
            if not model.doc.is_same(doc):  # reopened (the old wrapper is a closed document)
                model.rebind(PaintboardDocument(doc))
            return model
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
