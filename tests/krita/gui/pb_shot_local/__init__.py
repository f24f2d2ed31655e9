"""Test-only Krita plugin: local redraw in the real GUI (issue #12), saving window grabs.

Draws a lake-and-mountains scene with a footpath, then (1) selects the lake and presses the
docker's Draw! (a new lake, the rest kept), (2) deselects, repaints the path as grass and presses
Draw! (only the path redrawn). Run by ``tests/krita/gui/shoot.sh OUT pb_shot_local`` under
Xvfb; writes PB_SHOT_OUT/shot.json and PNG grabs that the script turns into JPEGs.
"""

from __future__ import annotations

import os
from pathlib import Path

from krita import Krita, Selection
from pb_driver import StepDriver, quit_with, screenshot_window, wait_for_backend, window

OUT = Path(os.environ.get("PB_SHOT_OUT", "/tmp/pb_shot_local"))
W, H = 900, 560
STATE: dict = {"log": []}


def _grab(name: str) -> None:
    window().grab().save(str(OUT / name))
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


def _finish(error: str) -> None:
    STATE["error"] = error
    quit_with(STATE, OUT / "shot.json")


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
    doc, docker = yield from screenshot_window("Paintboard local redraw", W, H)
    docker._setup()
    yield 500
    grass, earth, lake = _bgra("grass"), _bgra("earth"), _bgra("lake")
    model = app.instance().active_model()
    model.doc.set_labels(_path(BUILTIN[0].render(W, H), earth, grass))
    yield 500
    k.activeWindow().activeView().canvas().setZoomLevel(1.0)
    STATE["connected"] = yield from wait_for_backend()
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


Krita.instance().addExtension(StepDriver(_steps, _finish, start_ms=6000))
