"""Test-only Krita plugin: local redraw in the real GUI (issue #12), saving window grabs.

Draws a lake-and-mountains scene with a footpath, then (1) selects the lake and presses the
docker's Draw! (a new lake, the rest kept), (2) deselects, repaints the path as grass and presses
Draw! (only the path redrawn). Run by tests/krita/gui/shoot_local.sh under Xvfb; writes
PB_SHOT_OUT/shot.json and PNG grabs that the script turns into JPEGs.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

from krita import Extension, Krita, Selection
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QDockWidget

OUT = Path(os.environ.get("PB_SHOT_OUT", "/tmp/pb_shot_local"))
W, H = 900, 560
STATE: dict = {"log": []}


def _win():
    return Krita.instance().activeWindow().qwindow()


def _grab(name: str) -> None:
    _win().grab().save(str(OUT / name))
    STATE["log"].append(f"saved {name}")


def _bgra(name: str) -> bytes:
    from paintboard_krita.palette import BY_NAME

    r, g, b = BY_NAME[name].rgb
    return bytes((b, g, r, 255))


def _path(labels: bytes, colour: bytes, on: bytes) -> bytes:
    """A footpath (a slanted band 26 px wide) painted over the pixels of class ``on`` only."""
    out = bytearray(labels)
    for y in range(int(H * 0.8), H):
        cx = int(560 - (y - H * 0.8) * 1.6)
        for x in range(max(0, cx - 13), min(W, cx + 13)):
            o = (y * W + x) * 4
            if out[o:o + 4] == on:
                out[o:o + 4] = colour
    return bytes(out)


def _finish(error: str = "") -> None:
    STATE["error"] = error
    (OUT / "shot.json").write_text(json.dumps(STATE, indent=1))
    doc = Krita.instance().activeDocument()
    if doc is not None:
        doc.setModified(False)
    Krita.instance().action("file_quit").trigger()


def _wait_entries(model, n: int):
    for _ in range(600):
        if len(model.history.entries) >= n or "Backend" in model.status \
                or "Nothing" in model.status:
            return
        yield 200


def _steps():
    from paintboard_krita import app
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    doc = k.createDocument(W, H, "Paintboard local redraw", "RGBA", "U8", "", 72.0)
    k.activeWindow().addView(doc)
    _win().setGeometry(0, 0, 1600, 1000)
    _win().showMaximized()
    yield 1500
    dock = _win().findChild(QDockWidget, "paintboard_krita")
    keep = {"paintboard_krita", "KisLayerBox"}
    for other in _win().findChildren(QDockWidget):
        if other.objectName() not in keep:
            other.hide()
    dock.show()
    dock.raise_()
    _win().resizeDocks([dock], [380], 1)
    docker = dock
    docker._setup()
    yield 500
    grass, earth, lake = _bgra("grass"), _bgra("earth"), _bgra("lake")
    model = app.instance().active_model()
    model.doc.set_labels(_path(BUILTIN[0].render(W, H), earth, grass))
    yield 500
    k.activeWindow().activeView().canvas().setZoomLevel(1.0)
    for _ in range(600):  # wait for the auto-started backend
        conn = app.instance().root.connection
        if conn.is_connected or conn.state.value == "error":
            break
        yield 200
    STATE["connected"] = app.instance().root.connection.is_connected
    model.draw(seed=7)
    yield from _wait_entries(model, 1)
    # 1. select the lake (as the magic wand on 'labels' would) and press Draw!
    labels = model.doc.read_inputs().labels
    sel = Selection()
    sel.setPixelData(bytes(255 if labels[i * 4:i * 4 + 4] == lake else 0
                           for i in range(W * H)), 0, 0, W, H)
    doc.setSelection(sel)
    yield 1500
    _grab("local-0-selected.png")
    docker.draw_btn.click()
    yield from _wait_entries(model, 2)
    yield 1500
    _grab("local-1-lake.png")
    STATE["after_lake"] = model.status
    # 2. no selection; the path becomes grass; Draw! redraws the path only
    doc.setSelection(None)
    model.doc.set_labels(_path(model.doc.read_inputs().labels, grass, earth))
    model.doc.set_results_visible(True)
    docker.draw_btn.click()
    yield from _wait_entries(model, 3)
    yield 1500
    _grab("local-2-path.png")
    STATE["after_path"] = model.status
    STATE["entries"] = [{k: v for k, v in e.to_dict().items() if k != "tiles"}
                        for e in model.history.entries]
    docker.draw_btn.click()  # nothing changed now
    yield 1000
    STATE["after_nothing"] = model.status


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
