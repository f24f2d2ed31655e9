"""Test-only Krita plugin: walks labels → strokes → Draw! → Back in the real GUI and saves
window grabs. Run by tests/krita/gui/shoot.sh under Xvfb; writes PB_SHOT_OUT/shot.json."""

from __future__ import annotations

import os
from pathlib import Path

from krita import Krita
from pb_driver import StepDriver, quit_with, screenshot_window, wait_for_backend, window
from PyQt5.QtWidgets import QDockWidget

OUT = Path(os.environ.get("PB_SHOT_OUT", "/tmp/pb_shot"))
W, H = 900, 560
STATE: dict = {"log": []}


def _grab(name: str) -> None:
    window().grab().save(str(OUT / name))
    STATE["log"].append(f"saved {name}")


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


def _finish(error: str) -> None:
    STATE["error"] = error
    quit_with(STATE, OUT / "shot.json")


def _steps():
    from paintboard_krita import app
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    _doc, dock = yield from screenshot_window("Paintboard walkthrough", W, H)
    layers = window().findChild(QDockWidget, "KisLayerBox")
    if layers is not None:
        window().resizeDocks([layers, dock], [170, 820], 2)
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
    STATE["connected"] = yield from wait_for_backend()
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


Krita.instance().addExtension(StepDriver(_steps, _finish, start_ms=6000))
