"""Test-only Krita plugin: walks labels → strokes → Draw! → Back in the real GUI and saves
window grabs. Run by tests/krita/gui/shoot.sh under Xvfb; writes PB_SHOT_OUT/shot.json."""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

from krita import Extension, Krita
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QDockWidget

OUT = Path(os.environ.get("PB_SHOT_OUT", "/tmp/pb_shot"))
W, H = 900, 560
STATE: dict = {"log": []}


def _win():
    return Krita.instance().activeWindow().qwindow()


def _grab(name: str) -> None:
    _win().grab().save(str(OUT / name))
    STATE["log"].append(f"saved {name}")


def _dock():
    return _win().findChild(QDockWidget, "paintboard_krita")


def _dabs() -> bytes:
    """A few round colour dabs (BGRA): orange sky, teal lake, dark-green trees."""
    dabs = [(160, 70, 26, (40, 140, 255)), (600, 90, 22, (60, 110, 250)),
            (300, 420, 26, (170, 160, 20)), (700, 300, 18, (30, 90, 20))]
    rows = []
    for y in range(H):
        row = bytearray(W * 4)
        for cx, cy, r, (b, g, rr) in dabs:
            dy = y - cy
            if abs(dy) < r:
                half = int((r * r - dy * dy) ** 0.5)
                row[(cx - half) * 4:(cx + half) * 4] = bytes((b, g, rr, 255)) * (2 * half)
        rows.append(bytes(row))
    return b"".join(rows)


def _finish(error: str = "") -> None:
    STATE["error"] = error
    (OUT / "shot.json").write_text(json.dumps(STATE, indent=1))
    doc = Krita.instance().activeDocument()
    if doc is not None:
        doc.setModified(False)
    Krita.instance().action("file_quit").trigger()


def _steps():
    from paintboard_krita import app
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    doc = k.createDocument(W, H, "Paintboard walkthrough", "RGBA", "U8", "", 72.0)
    k.activeWindow().addView(doc)
    _win().setGeometry(0, 0, 1600, 1000)
    _win().showMaximized()
    yield 1500
    dock = _dock()
    keep = {"paintboard_krita", "KisLayerBox"}
    for other in _win().findChildren(QDockWidget):
        if other.objectName() not in keep:
            other.hide()
    dock.show()
    dock.raise_()
    _win().resizeDocks([dock], [380], 1)
    layers = _win().findChild(QDockWidget, "KisLayerBox")
    if layers is not None:
        _win().resizeDocks([layers, dock], [170, 820], 2)
    docker = dock
    docker._setup()
    yield 500
    docker._apply_template(BUILTIN[0])
    for name in ("zoom_to_fit", "view_zoom_to_fit", "zoom_to_page"):
        if k.action(name) is not None:
            k.action(name).trigger()
            break
    else:
        k.activeWindow().activeView().canvas().setZoomLevel(1.0)
    yield 1500
    _grab("walkthrough-1-labels.png")
    model = app.instance().active_model()
    strokes = model.doc.node(model.doc.meta["layers"]["color strokes"])
    strokes.setPixelData(_dabs(), 0, 0, W, H)
    docker._colour_mode()
    model.doc.refresh()
    yield 1500
    _grab("walkthrough-2-strokes.png")
    for _ in range(600):  # wait for the auto-started backend
        conn = app.instance().root.connection
        if conn.is_connected or conn.state.value == "error":
            break
        yield 200
    STATE["connected"] = app.instance().root.connection.is_connected
    for seed in (7, 2024):
        n = len(model.history.entries)
        model.draw(seed=seed)
        for _ in range(600):
            if len(model.history.entries) > n or "Backend" in model.status:
                break
            yield 200
    STATE["entries"] = len(model.history.entries)
    STATE["status"] = model.status
    yield 1500
    _grab("walkthrough-3-draw.png")
    _grab("docker.png")
    dock.grab().save(str(OUT / "docker-panel.png"))
    model.back()
    yield 1500
    _grab("walkthrough-4-back.png")


class ShotExtension(Extension):
    def setup(self) -> None:
        pass

    def createActions(self, window) -> None:  # noqa: N802
        QTimer.singleShot(6000, self._run)

    def _run(self) -> None:
        self._gen = _steps()
        self._next()

    def _next(self) -> None:
        try:
            delay = next(self._gen)
        except StopIteration:
            _finish()
            return
        except Exception:
            _finish(traceback.format_exc())
            return
        QTimer.singleShot(delay, self._next)


Krita.instance().addExtension(ShotExtension(Krita.instance()))
