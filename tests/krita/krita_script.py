"""Runs INSIDE Krita (kritarunner): exercises the plugin's own code path, writes a JSON result.

kritarunner exits 0 even when this raises, so every outcome, including a traceback, goes into
the result file that the pytest side asserts on. Environment: PB_OUT (folder), PB_ENDPOINT,
PB_PHASE ('generate', 'kill' or 'depth'), PB_KILL_PID (phase 'kill').
"""

from __future__ import annotations

import json
import os
import signal
import time
import traceback
from pathlib import Path

W, H = 160, 120
SEED_A, SEED_B = 1234, 99


def _pump(cond, timeout: float, conn) -> bool:
    """Spin Qt's event loop and the connection until ``cond()`` or the timeout."""
    from PyQt5.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        conn.poll()
        QCoreApplication.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return False


def _setting(key: str):
    from paintboard_krita.settings import BY_KEY

    overrides = {"request_timeout": 120.0, "generate_retries": 0}
    return overrides.get(key, BY_KEY[key].default)


def stroke_layer_bytes() -> bytes:
    """An orange dab (BGRA) in the sky and a turquoise one in the lake."""
    rows = []
    for y in range(H):
        row = bytearray(W * 4)
        if 10 <= y < 20:
            row[30 * 4:45 * 4] = bytes((0, 128, 255, 255)) * 15
        if 90 <= y < 96:
            row[100 * 4:110 * 4] = bytes((200, 200, 40, 255)) * 10
        rows.append(bytes(row))
    return b"".join(rows)


def phase_generate(out: Path, endpoint: str, res: dict) -> None:
    from krita import Krita
    from paintboard_krita import document as pd
    from paintboard_krita.model.connection import Connection
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    doc = k.createDocument(W, H, "paintboard-test", "RGBA", "U8", "", 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    res["set_up"] = pdoc.is_set_up()
    res["top_level"] = [n.name() for n in doc.rootNode().childNodes()]
    pdoc.set_labels(BUILTIN[0].render(W, H))
    doc.nodeByName  # noqa: B018 - API present
    strokes = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    strokes.setPixelData(stroke_layer_bytes(), 0, 0, W, H)
    inputs = pdoc.read_inputs()
    (out / "labels.bgra").write_bytes(inputs.labels)
    (out / "strokes.bgra").write_bytes(inputs.strokes)
    res["template_ok"] = inputs.labels == BUILTIN[0].render(W, H)

    conn = Connection(endpoint)
    conn.connect()
    res["connected"] = _pump(lambda: conn.is_connected, 120, conn)
    res["conn_reason"] = conn.reason
    sent: list[bytes] = []  # the strokes buffer of each generate, as it leaves the plugin
    request = conn.request

    def spy(op, fields=None, buffers=None, **kwargs):
        if op == "generate" and buffers:
            sent.append(bytes(buffers[1]))
        return request(op, fields, buffers, **kwargs)

    conn.request = spy
    model = DocumentModel(pdoc, conn, _setting)
    statuses: list = []
    model.status_changed.connect(lambda t, e: statuses.append([t, e]))
    model.draw(seed=SEED_A)
    _pump(lambda: len(model.history.entries) >= 1 or any(e for _, e in statuses), 180, conn)
    model.draw(seed=SEED_B)
    _pump(lambda: len(model.history.entries) >= 2 or any(e for _, e in statuses), 180, conn)
    res["statuses"] = statuses
    if sent:
        (out / "sent_strokes.bgra").write_bytes(sent[0])
    entries = model.history.entries
    res["entries"] = [e.to_dict() for e in entries]
    if len(entries) < 2:
        return
    a, b = entries[0].layer_id, entries[1].layer_id
    vis = lambda: [pdoc.is_visible(a), pdoc.is_visible(b)]  # noqa: E731
    res["vis_after_draw"] = vis()
    doc.waitForDone()  # the canvas shows the newest result, with no whole-image redraw asked
    res["canvas_is_newest"] = bytes(doc.pixelData(0, 0, W, H)) == bytes(
        pdoc.node(b).pixelData(0, 0, W, H))
    model.back()
    res["vis_after_back"] = vis()
    model.forward()
    res["vis_after_forward"] = vis()
    model.jump(0)
    res["vis_after_jump0"] = vis()
    pdoc.node(b).setVisible(True)  # the user toggles an eye by hand
    res["current_after_manual"] = model.current()
    model.back()
    res["vis_after_manual_back"] = vis()
    (out / "result_a.bgra").write_bytes(bytes(pdoc.node(a).pixelData(0, 0, W, H)))
    (out / "result_b.bgra").write_bytes(bytes(pdoc.node(b).pixelData(0, 0, W, H)))
    res["names"] = [pdoc.node(a).name(), pdoc.node(b).name()]
    res["parent_is_group"] = pdoc.node(a).parentNode().name() == pd.HISTORY

    kra = str(out / "saved.kra")
    doc.setBatchmode(True)
    res["saved"] = bool(doc.saveAs(kra))
    doc.waitForDone()
    doc.close()
    conn.close()

    # Reopen: metadata, layers, pixels and visibility must be intact.
    doc2 = k.openDocument(kra)
    doc2.waitForDone()
    p2 = pd.PaintboardDocument(doc2)
    res["reopen_key_same"] = p2.key == pdoc.key
    res["reopen_set_up"] = p2.is_set_up()
    hist = p2.meta.get("history", {})
    res["reopen_entries"] = hist.get("entries", [])
    ids = [e["layer_id"] for e in hist.get("entries", [])]
    res["reopen_layers_found"] = [p2.node(i) is not None for i in ids]
    if all(res["reopen_layers_found"]) and ids:
        res["reopen_pixels_same"] = (
            bytes(p2.node(ids[0]).pixelData(0, 0, W, H)) == (out / "result_a.bgra").read_bytes())
        res["reopen_visible"] = [p2.is_visible(i) for i in ids]
    doc2.close()


def phase_kill(out: Path, endpoint: str, res: dict) -> None:
    from krita import Krita
    from paintboard_krita import document as pd
    from paintboard_krita.model.connection import Connection, ConnectionState
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.templates import BUILTIN

    doc = Krita.instance().createDocument(W, H, "paintboard-kill", "RGBA", "U8", "", 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    pdoc.set_labels(BUILTIN[1].render(W, H))
    conn = Connection(endpoint, ping_interval=0.5, ping_timeout=1.0, ping_misses=2)
    conn.connect()
    res["connected"] = _pump(lambda: conn.is_connected, 120, conn)
    os.kill(int(os.environ["PB_KILL_PID"]), signal.SIGKILL)
    time.sleep(0.3)
    settings = {"request_timeout": 3.0, "generate_retries": 1}
    model = DocumentModel(pdoc, conn, lambda k: settings.get(k, _setting(k)))
    statuses: list = []
    model.status_changed.connect(lambda t, e: statuses.append([t, e]))
    model.draw(seed=1)

    def done() -> bool:
        return conn.state is ConnectionState.error and any(e for _, e in statuses[1:])

    from PyQt5.QtCore import QCoreApplication

    end = time.monotonic() + 30
    while time.monotonic() < end and not done():
        conn.poll()
        QCoreApplication.processEvents()
        time.sleep(0.01)
    res["state"] = conn.state.value
    res["reason"] = conn.reason
    res["statuses"] = statuses
    res["entries"] = len(model.history.entries)
    conn.close()
    doc.close()


def connected_model(pdoc, endpoint: str, res: dict):
    """A connected ``DocumentModel`` for ``pdoc`` and the list its status lines go to."""
    from paintboard_krita.model.connection import Connection
    from paintboard_krita.model.jobs import DocumentModel

    conn = Connection(endpoint)
    conn.connect()
    res["connected"] = _pump(lambda: conn.is_connected, 120, conn)
    model = DocumentModel(pdoc, conn, _setting)
    statuses: list = []
    model.status_changed.connect(lambda t, e: statuses.append([t, e]))
    return conn, model, statuses


def to_u16(bgra8: bytes) -> bytes:
    """BGRA8 → Krita's RGBA U16 pixel bytes (BGRA, 16-bit little-endian; v8 × 257)."""
    import array

    return array.array("H", (v * 257 for v in bgra8)).tobytes()


def phase_depth(out: Path, endpoint: str, res: dict) -> None:
    """A 16-bit document (illustrators' common choice): template, strokes, Draw!, the result."""
    from krita import Krita
    from paintboard_krita import document as pd
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    # sRGB like an 8-bit page (with a linear profile the same bytes would be other colours)
    doc = k.createDocument(W, H, "paintboard-u16", "RGBA", "U16", pd.RGBA_PROFILE, 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    conn, model, statuses = connected_model(pdoc, endpoint, res)
    template = BUILTIN[0].render(W, H)
    res["template_applied"] = model.apply_template(template)
    strokes = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    res["strokes_depth"] = len(bytes(strokes.pixelData(0, 0, 1, 1)))
    strokes.setPixelData(to_u16(stroke_layer_bytes()), 0, 0, W, H)
    inputs = pdoc.read_inputs()
    res["labels_exact"] = inputs.labels == template
    res["strokes_exact"] = inputs.strokes == stroke_layer_bytes()
    (out / "labels.bgra").write_bytes(inputs.labels)
    model.draw(seed=SEED_A)
    _pump(lambda: len(model.history.entries) >= 1 or any(e for _, e in statuses), 180, conn)
    res["statuses"] = statuses
    if model.history.entries:
        node = pdoc.node(model.history.entries[0].layer_id)
        res["result_depth"] = node.colorDepth()
        (out / "result_a.bgra").write_bytes(bytes(node.pixelData(0, 0, W, H)))
    conn.close()
    doc.close()


def report(body) -> None:
    """Run ``body(out, res)`` and write ``res`` to $PB_OUT/result.json, the only verdict:
    kritarunner exits 0 even when a script raises."""
    out = Path(os.environ["PB_OUT"])
    res: dict = {"ok": False}
    try:
        body(out, res)
        res["ok"] = True
    except Exception:
        res["error"] = traceback.format_exc()
    (out / "result.json").write_text(json.dumps(res, indent=1))


def run(*_args) -> None:
    phases = {"generate": phase_generate, "kill": phase_kill, "depth": phase_depth}
    phase = phases[os.environ.get("PB_PHASE", "generate")]
    report(lambda out, res: phase(out, os.environ["PB_ENDPOINT"], res))
