"""Runs INSIDE Krita (kritarunner) for scripts/bench_local_redraw.py: full Draw! vs local redraw.

Times press → result layer in the document through the plugin's own code, on an A4 document
(or PB_SIZE "WxH"): full Draw!, Draw! with a selection of PB_FRACTION of the picture, and an
auto-local label edit of about the same area. Writes result.json into PB_OUT.
"""

from __future__ import annotations

import os
import time

from krita_script import _pump, _setting, report


def run(*_args) -> None:
    report(lambda _out, res: bench(res))


def bench(res: dict) -> None:
    from krita import Krita, Selection
    from paintboard_krita import document as pd
    from paintboard_krita.model.connection import Connection
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.templates import BUILTIN
    from paintboard_krita.palette import BY_NAME

    w, h = (int(v) for v in os.environ.get("PB_SIZE", "2480x3508").split("x"))
    frac = float(os.environ.get("PB_FRACTION", "0.1"))
    reps = int(os.environ.get("PB_REPS", "3"))
    doc = Krita.instance().createDocument(w, h, "bench", "RGBA", "U8", "", 300.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    pdoc.set_labels(BUILTIN[0].render(w, h))
    conn = Connection(os.environ["PB_ENDPOINT"])
    conn.connect()
    assert _pump(lambda: conn.is_connected, 120, conn), conn.reason
    model = DocumentModel(pdoc, conn, _setting)
    statuses: list = []
    model.status_changed.connect(lambda t, e: statuses.append([t, e]))
    res["statuses"] = statuses
    # a square-ish rectangle of `frac` of the picture, centred
    sw, sh = int(w * frac**0.5), int(h * frac**0.5)
    rect = ((w - sw) // 2, (h - sh) // 2, sw, sh)

    def timed(action) -> float:
        n = len(model.history.entries)
        t0 = time.perf_counter()
        action()
        ok = _pump(lambda: len(model.history.entries) > n or any(e for _, e in statuses), 300,
                   conn)
        pdoc.doc.waitForDone()
        assert ok and not any(e for _, e in statuses), statuses[-3:]
        return time.perf_counter() - t0

    model.auto_local = False
    timed(lambda: model.draw())  # warm-up: the backend's first call at this size
    res["full_s"] = [timed(lambda: model.draw()) for _ in range(reps)]
    sel = Selection()
    sel.select(*rect, 255)
    doc.setSelection(sel)
    res["selection_s"] = [timed(lambda: model.draw()) for _ in range(reps)]
    doc.setSelection(None)
    model.auto_local = True
    r, g, b = BY_NAME["grass"].rgb
    grass, lake = bytes((b, g, r, 255)), None
    auto = []
    for i in range(reps):
        labels = bytearray(pdoc.read_inputs().labels)
        x, y, rw, rh = rect
        if lake is None:
            lake = bytes(labels[(y * w + x) * 4:(y * w + x) * 4 + 4])
        colour = grass if i % 2 == 0 else lake
        # shrink the edit by the margin so the redrawn area is about `frac`
        m = max(rw, rh) // 12
        for j in range(y + m, y + rh - m):
            labels[(j * w + x + m) * 4:(j * w + x + rw - m) * 4] = colour * (rw - 2 * m)
        pdoc.set_labels(bytes(labels))
        auto.append(timed(lambda: model.draw()))
    res["auto_local_s"] = auto
    res["size"] = [w, h]
    res["rect"] = list(rect)
    res["entries"] = [e.to_dict() for e in model.history.entries]
    for e in res["entries"]:
        e.pop("tiles", None)
    conn.close()
    doc.close()
