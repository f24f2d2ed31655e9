"""Test-only Krita plugin: a real working session with the registered Paintboard plugin.

Run by ``tests/krita/test_session_gui.py`` under Xvfb next to the plugin as the installer puts
it (actions file included). Clicks and keys are real X events: this plugin writes the xdotool
command it wants to ``PB_OUT/xdo.N``; the driver shell runs it and answers ``xdo.N.done``.
Every check lands in ``PB_OUT/session.json`` (Krita's exit code says nothing); a ``ready``
marker is written as soon as this plugin runs, so the test can tell "Krita never ran Python
plugins" (retry the start) from a failure.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from krita import Krita
from pb_driver import StepDriver, paintboard_docker, quit_with, window
from PyQt5.QtCore import QPoint, QTimer
from PyQt5.QtWidgets import QWidget

OUT = Path(os.environ.get("PB_OUT", "/tmp/pb_session"))
SHOTS = os.environ.get("PB_SHOTS", "")
W, H = 400, 300
RES: dict = {"log": [], "exceptions": []}
XDO_TIMEOUT_S = 30


def _record_exception(kind, value, tb) -> None:
    """Krita shows Python exceptions in a dialog; the session records them instead."""
    RES["exceptions"].append("".join(traceback.format_exception(kind, value, tb))[-2000:])


def _log(text: str) -> None:
    RES["log"].append(text)


def _docker():
    dock = paintboard_docker()
    return dock if dock is None or hasattr(dock, "work") else dock.widget()


def _centre(widget: QWidget, point: QPoint | None = None) -> tuple[int, int]:
    p = widget.mapToGlobal(point if point is not None else widget.rect().center())
    return p.x(), p.y()


def click(widget: QWidget, point: QPoint | None = None):
    x, y = _centre(widget, point)
    return ("xdo", f"mousemove --sync {x} {y} click 1")


def key(combo: str):
    """A key press with the pointer over the status line (X focus follows the pointer)."""
    x, y = _centre(_docker().doc_status)
    return ("xdo", f"mousemove --sync {x} {y} sleep 0.2 key {combo}")


def _app():
    from paintboard_krita import app

    return app.instance()


def _model(doc=None):
    return _app().model_for_doc(doc or Krita.instance().activeDocument(), create=False)


def _wait(cond, timeout_ms: int = 60000, step: int = 100):
    """Yield until ``cond()``; records a timeout instead of raising."""
    waited = 0
    while waited < timeout_ms:
        try:
            if cond():
                return
        except Exception:
            pass
        yield step
        waited += step
    _log(f"timeout waiting ({timeout_ms} ms)")


def _pattern(colour: bytes, rows: range) -> bytes:
    out = bytearray(W * H * 4)
    for y in rows:
        out[y * W * 4:(y + 1) * W * 4] = colour * W
    return bytes(out)


def _layer(model, role: str):
    return model.doc.node(model.doc.meta["layers"].get(role))


def _named(doc, name: str) -> int:
    from paintboard_krita.document import _walk

    return sum(1 for n in _walk(doc.rootNode()) if n.name() == name)


def _grab(name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        paintboard_docker().grab().save(str(Path(SHOTS) / name))
        window().grab().save(str(Path(SHOTS) / ("window-" + name)))


def _close_active(doc) -> None:
    """File ▸ Close (Krita's own action) on a document that needs no save prompt."""
    doc.setModified(False)
    Krita.instance().action("file_close").trigger()


def _doc_tab(index: int):
    """The tab bar of Krita's document area and the centre of tab ``index``."""
    from PyQt5.QtWidgets import QMdiArea, QTabBar

    bar = window().findChild(QMdiArea).findChild(QTabBar)
    return bar, bar.tabRect(index).center()


def _steps():
    from paintboard_krita import document as pd
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    sys.excepthook = _record_exception
    RES["actions"] = {a: (k.action(a).shortcut().toString() if k.action(a) else None)
                      for a in ("paintboard_krita.draw", "paintboard_krita.back",
                                "paintboard_krita.forward", "paintboard_krita.live")}
    dock = paintboard_docker()
    RES["docker_built"] = dock is not None and _docker() is not None
    if not RES["docker_built"]:
        return
    docker = _docker()
    dock.show()
    dock.raise_()
    window().setGeometry(0, 0, 1600, 1000)  # no window manager under Xvfb to maximise it
    yield 500
    # -- no document: disabled, with the reason shown (bug 4)
    RES["nodoc_disabled"] = not docker.work.isEnabled()
    RES["nodoc_reason"] = docker.no_doc.text() if docker.no_doc.isVisible() else ""
    yield from _wait(lambda: _app().root.connection.is_connected)
    RES["connected"] = _app().root.connection.is_connected

    # -- document A: set up by a click, labels painted, template over them, Ctrl+Z (bug 5)
    doc_a = k.createDocument(W, H, "Session A", "RGBA", "U8", "", 72.0)
    k.activeWindow().addView(doc_a)
    yield 1500
    RES["docA_enabled"] = docker.work.isEnabled() and not docker.no_doc.isVisible()
    RES["dock_width"] = dock.width()
    RES["docker_min_width"] = docker.widget().minimumSizeHint().width()
    RES["generate_on_top"] = all(b.isVisible() for b in (
        docker.draw_btn, docker.back_btn, docker.fwd_btn, docker.live_btn))
    yield click(docker.setup_btn)
    yield from _wait(lambda: _model(doc_a) is not None)
    model = _model(doc_a)
    RES["setup_ok"] = model is not None and model.doc.is_set_up()
    mine = _pattern(bytes((235, 206, 135, 255)), range(0, H // 2))
    _layer(model, pd.LABELS).setPixelData(mine, 0, 0, W, H)
    docker.tabs.setCurrentIndex(1)
    yield 300
    lst = docker.templates.list
    yield click(lst.viewport(), lst.visualItemRect(lst.item(0)).center())
    yield 500
    template, _ = BUILTIN[0].render_fitted(W, H)
    RES["template_applied"] = model.labels_pixels() == template
    RES["template_status"] = model.status
    yield key("ctrl+z")
    yield 800
    RES["template_undone"] = model.labels_pixels() == mine
    yield click(lst.viewport(), lst.visualItemRect(lst.item(0)).center())  # and again, to keep
    yield 500

    # -- colour mode by a click, a real stroke, Draw! by its shortcut (bugs 2, 3)
    docker.tabs.setCurrentIndex(0)
    yield 300
    yield click(docker.colour_btn)
    yield 300
    RES["colour_checked"] = docker.colour_btn.isChecked()
    canvas_x, canvas_y = _centre(window().centralWidget())
    yield ("xdo", f"mousemove --sync {canvas_x - 40} {canvas_y} mousedown 1 "
                  f"mousemove --sync {canvas_x} {canvas_y + 10} "
                  f"mousemove --sync {canvas_x + 40} {canvas_y} mouseup 1")
    yield 800
    strokes = bytes(_layer(model, pd.STROKES).pixelData(0, 0, W, H))
    RES["stroke_on_strokes"] = strokes.count(0) != len(strokes)
    yield key("ctrl+alt+d")
    yield from _wait(lambda: len(model.history.entries) >= 1)
    RES["active_after_shortcut_draw"] = model.doc.active_role()
    yield click(docker.var_btn)
    yield from _wait(lambda: len(model.history.entries) >= 2)
    RES["active_after_click_variation"] = model.doc.active_role()
    RES["entries_a"] = len(model.history.entries)
    yield key("ctrl+alt+Left")
    yield 500
    RES["current_after_back"] = model.current()
    RES["status_after_back"] = docker.doc_status.text()
    yield key("ctrl+alt+Right")
    yield 500
    RES["current_after_forward"] = model.current()
    docker.tabs.setCurrentIndex(2)
    yield 300
    _grab("docker-history.png")

    # -- live mode: a real stroke regenerates; the live layer never eats a stroke (bug 3)
    yield click(docker.live_btn)
    RES["live_checked"] = docker.live_btn.isChecked()
    yield ("xdo", f"mousemove --sync {canvas_x - 60} {canvas_y - 30} mousedown 1 "
                  f"mousemove --sync {canvas_x + 60} {canvas_y - 20} mouseup 1")
    yield from _wait(lambda: model.doc.meta["layers"].get(pd.LIVE) is not None
                     and model.live_result is not None)
    live_a = model.doc.meta["layers"].get(pd.LIVE)
    RES["live_made"] = live_a is not None
    RES["active_after_live"] = model.doc.active_role()
    _grab("docker-live.png")
    # The user paints on the live layer itself (e.g. selected it in the Layers docker).
    painted = _pattern(bytes((0, 0, 255, 255)), range(10, 20))
    if live_a:
        model.doc.node(live_a).setPixelData(painted, 0, 0, W, H)
    yield ("xdo", f"mousemove --sync {canvas_x - 60} {canvas_y + 40} mousedown 1 "
                  f"mousemove --sync {canvas_x + 60} {canvas_y + 50} mouseup 1")
    yield from _wait(lambda: model.doc.meta["layers"].get(pd.LIVE) not in (None, live_a))
    live_b = model.doc.meta["layers"].get(pd.LIVE)
    RES["live_new_layer"] = live_b is not None and live_b != live_a
    kept = model.doc.node(live_a) if live_a else None
    RES["user_live_pixels_kept"] = kept is not None and bytes(
        kept.pixelData(0, 0, W, H)) == painted
    n_before = len(model.history.entries)
    yield 800
    yield click(docker.keep_btn)
    yield 300
    RES["keep_added"] = len(model.history.entries) == n_before + 1
    yield click(docker.live_btn)
    yield 500
    RES["live_off"] = not model.live and not docker.live_btn.isChecked()
    RES["live_layers_left"] = _named(doc_a, pd.LIVE)

    # -- a second document: the docker follows the active one
    doc_b = k.createDocument(W, H, "Session B", "RGBA", "U8", "", 72.0)
    k.activeWindow().addView(doc_b)
    yield 1200
    RES["b_rows_before_setup"] = docker.history.count_rows()
    yield click(docker.setup_btn)
    yield from _wait(lambda: _model(doc_b) is not None)
    yield click(docker.draw_btn)
    yield from _wait(lambda: _model(doc_b) is not None and len(_model(doc_b).history.entries))
    yield 300
    RES["b_rows"] = docker.history.count_rows()
    yield click(*_doc_tab(0))  # the user clicks document A's tab
    yield 1200
    RES["active_after_tab_click"] = k.activeDocument().name() if k.activeDocument() else None
    RES["a_rows_after_switch"] = docker.history.count_rows()
    RES["a_entries"] = len(model.history.entries)

    # -- save A, close it by Krita's own action, reopen it: a working history (bug 1)
    kra = str(OUT / "session-a.kra")
    doc_a.setBatchmode(True)
    RES["saved"] = bool(doc_a.saveAs(kra))
    doc_a.waitForDone()
    doc_a.setBatchmode(False)
    yield ("later", lambda: _close_active(doc_a))
    yield 1500
    RES["after_close_a_active"] = k.activeDocument().name() if k.activeDocument() else None
    RES["after_close_rows"] = docker.history.count_rows()
    yield ("later", lambda: _close_active(doc_b))
    yield 1500
    RES["all_closed_disabled"] = not docker.work.isEnabled()
    RES["all_closed_reason"] = docker.no_doc.text() if docker.no_doc.isVisible() else ""
    RES["all_closed_rows"] = docker.history.count_rows()
    _grab("docker-no-document.png")
    doc_r = k.openDocument(kra)
    k.activeWindow().addView(doc_r)
    yield 1500
    RES["reopen_rows"] = docker.history.count_rows()
    reopened = _model(doc_r)
    RES["reopen_model"] = reopened is not None
    if reopened is None:
        return
    RES["reopen_entries"] = len(reopened.history.entries)
    cur = reopened.current()
    yield key("ctrl+alt+Left")
    yield 500
    RES["reopen_back_moved"] = reopened.current() != cur
    n = len(reopened.history.entries)
    busy: list = []  # what the docker shows at each busy change (its own slot ran first)
    reopened.busy_changed.connect(
        lambda b: busy.append([b, docker.busy.isVisibleTo(docker), docker.draw_btn.text()]))
    yield click(docker.draw_btn)
    yield from _wait(lambda: len(reopened.history.entries) > n)
    RES["reopen_draw_added"] = len(reopened.history.entries) == n + 1
    RES["reopen_status"] = docker.doc_status.text()
    RES["busy_seen"] = busy
    # -- one result over the history limit (3 in this session's settings): Drop oldest, undo
    docker.tabs.setCurrentIndex(2)
    yield 300
    RES["drop_visible"] = docker.history.drop_btn.isVisible()
    RES["count_text"] = docker.history.count.text()
    oldest = reopened.history.entries[0].layer_id
    yield click(docker.history.drop_btn)
    yield 800
    RES["after_drop_entries"] = len(reopened.history.entries)
    RES["oldest_layer_gone"] = not reopened.doc.exists(oldest)
    RES["drop_status"] = reopened.status
    RES["drop_hidden_after"] = not docker.history.drop_btn.isVisible()
    yield key("ctrl+z")
    yield from _wait(lambda: len(reopened.history.entries) == 4, timeout_ms=5000)
    RES["undo_brings_layer_back"] = reopened.doc.exists(oldest)
    RES["undo_entries"] = [e.n for e in reopened.history.entries]
    RES["undo_drop_visible"] = docker.history.drop_btn.isVisible()
    docker.tabs.setCurrentIndex(0)
    yield 300
    _grab("docker-paint.png")
    # The Backend… dialog opens from its button (modeless: the session goes on).
    yield click(docker.backend_btn)
    yield 800
    from paintboard_krita.ui.settings_dialog import SettingsDialog

    dialogs = [w for w in docker.findChildren(SettingsDialog) if w.isVisible()]
    RES["backend_dialog"] = len(dialogs) == 1 and dialogs[0].remote.isHidden()
    if dialogs:
        if SHOTS:
            dialogs[0].grab().save(str(Path(SHOTS) / "backend-dialog.png"))
        dialogs[0].reject()


def _finish(error: str) -> None:
    if error:
        RES["error"] = error
    quit_with(RES, OUT / "session.json")


class SessionDriver(StepDriver):
    """Steps may also yield ``("xdo", command)`` — a real X event, run by the driver shell — and
    ``("later", fn)``: ``fn`` runs outside the step, so a modal dialog it opens cannot block."""

    xdo = 0

    def on_step(self, step) -> None:
        if isinstance(step, tuple) and step[0] == "later":
            QTimer.singleShot(0, step[1])
            QTimer.singleShot(100, self.advance)
        elif isinstance(step, tuple):
            self._send_xdo(step[1])
        else:
            super().on_step(step)

    def _send_xdo(self, command: str) -> None:
        n = self.xdo
        self.xdo += 1
        _log(f"xdo.{n}: {command}")
        (OUT / f"xdo.{n}.tmp").write_text(command)
        os.replace(OUT / f"xdo.{n}.tmp", OUT / f"xdo.{n}")
        self._poll_done(n, 0)

    def _poll_done(self, n: int, waited: int) -> None:
        if (OUT / f"xdo.{n}.done").exists() or waited > XDO_TIMEOUT_S * 1000:
            if waited > XDO_TIMEOUT_S * 1000:
                _log(f"xdo.{n} not answered")
            QTimer.singleShot(200, self.advance)  # let Qt handle the events
            return
        QTimer.singleShot(50, lambda: self._poll_done(n, waited + 50))


Krita.instance().addExtension(SessionDriver(_steps, _finish, ready=OUT / "ready"))
