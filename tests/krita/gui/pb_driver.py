"""Shared by the test-only GUI driver plugins (pb_first_draw, pb_shot, pb_shot_local, pb_session).

Installed next to them in the throw-away pykrita folder (Krita puts that folder on sys.path), so
each plugin imports it as ``pb_driver``.  A driver is a generator of steps run on Qt's timer —
never a blocking loop, which would freeze the very GUI it drives — and it ends by writing its
verdict file (Krita's exit code says nothing) and quitting without a save prompt.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from krita import Extension, Krita
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QDockWidget, QMainWindow

Steps = Generator[Any, Any, None]


def window() -> QMainWindow:
    return Krita.instance().activeWindow().qwindow()


def paintboard_docker() -> QDockWidget:
    """The Paintboard docker of the active window."""
    return window().findChild(QDockWidget, "paintboard_krita")


def quit_with(state: dict, path: Path) -> None:
    """Write ``state`` to ``path``, mark every document unmodified (no save dialog) and quit."""
    path.write_text(json.dumps(state, indent=1, default=str))
    for doc in Krita.instance().documents():
        doc.setModified(False)
    Krita.instance().action("file_quit").trigger()


def screenshot_window(title: str, width: int, height: int) -> Generator[Any, Any, tuple]:
    """Steps: a new document in a maximised window that shows only the Paintboard docker (and
    Layers); returns (document, docker)."""
    k = Krita.instance()
    doc = k.createDocument(width, height, title, "RGBA", "U8", "", 72.0)
    k.activeWindow().addView(doc)
    win = window()
    win.setGeometry(0, 0, 1600, 1000)  # no window manager under Xvfb to maximise it
    win.showMaximized()
    yield 1500
    dock = paintboard_docker()
    for other in win.findChildren(QDockWidget):
        if other.objectName() not in {"paintboard_krita", "KisLayerBox"}:
            other.hide()
    dock.show()
    dock.raise_()
    win.resizeDocks([dock], [380], 1)
    return doc, dock


def wait_for_backend(tries: int = 600) -> Generator[Any, Any, bool]:
    """Steps until the auto-started backend answered (or failed); returns whether it is up."""
    from paintboard_krita import app

    for _ in range(tries):
        conn = app.instance().root.connection
        if conn.is_connected or conn.state.value == "error":
            break
        yield 200
    return app.instance().root.connection.is_connected


class StepDriver(Extension):
    """Runs ``steps()`` on Qt's timer, ``start_ms`` after the window's actions exist.

    Each step yields the milliseconds to wait before the next one.  At the end — the generator
    done, or a step raised — ``finish(error)`` is called with "" or the traceback.  ``ready``
    (optional) is written as soon as Python plugins run, so a caller can tell "Krita never ran
    them" (retry the start) from a failure.
    """

    def __init__(
        self,
        steps: Callable[[], Steps],
        finish: Callable[[str], None],
        start_ms: int = 3000,
        ready: Path | None = None,
    ) -> None:
        super().__init__(Krita.instance())
        self.steps, self.finish, self.start_ms, self.ready = steps, finish, start_ms, ready
        self.gen: Steps | None = None

    def setup(self) -> None:
        if self.ready is not None:
            self.ready.write_text("python plugins run\n")

    def createActions(self, window) -> None:  # noqa: N802
        QTimer.singleShot(self.start_ms, self._run)

    def _run(self) -> None:
        self.gen = self.steps()
        self.advance()

    def advance(self) -> None:
        """Run the steps to their next yield and act on what it says."""
        assert self.gen is not None
        try:
            step = next(self.gen)
        except StopIteration:
            self.finish("")
            return
        except Exception:
            self.finish(traceback.format_exc())
            return
        self.on_step(step)

    def on_step(self, step: Any) -> None:
        """A delay in ms; subclasses may understand more (pb_session: xdotool commands)."""
        QTimer.singleShot(step, self.advance)
