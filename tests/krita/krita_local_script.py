"""Runs INSIDE Krita (kritarunner): local redraw through the plugin's own code (issue #12).

Select the lake (a soft mask made by the plugin from a hard selection), Draw!/Variation, an
unchanged Draw!, an auto-local label edit, Back/Forward, save and reopen. Writes the layers'
bytes and a JSON verdict into PB_OUT; the pytest side (test_krita_local.py) judges them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from krita_script import _pump, _setting, connected_model, report, stroke_layer_bytes

W, H = 160, 120


def _bgra(name: str) -> bytes:
    from paintboard_krita.palette import BY_NAME

    r, g, b = BY_NAME[name].rgb
    return bytes((b, g, r, 255))


LAKE_BGRA, GRASS_BGRA = _bgra("lake"), _bgra("grass")
EDIT = (20, 20, 12, 10)  # auto-local label edit (x, y, w, h): far from the lake


def _paint(labels: bytes, rect, colour: bytes, only: bytes | None = None,
           width: int = W) -> bytes:
    x, y, w, h = rect
    out = bytearray(labels)
    for j in range(y, y + h):
        for i in range(x, x + w):
            o = (j * width + i) * 4
            if only is None or out[o:o + 4] == only:
                out[o:o + 4] = colour
    return bytes(out)


def run_local(out: Path, endpoint: str, res: dict) -> None:
    from krita import Krita, Selection
    from paintboard_krita import document as pd
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.local_redraw import feather_px
    from paintboard_krita.model.templates import BUILTIN

    k = Krita.instance()
    doc = k.createDocument(W, H, "paintboard-local", "RGBA", "U8", "", 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    pdoc.set_labels(BUILTIN[0].render(W, H))
    pdoc.node(pdoc.meta["layers"][pd.STROKES]).setPixelData(stroke_layer_bytes(), 0, 0, W, H)
    conn, model, statuses = connected_model(pdoc, endpoint, res)
    res["statuses"] = statuses

    def draw(action: str, n: int) -> bool:
        getattr(model, action)()
        return _pump(lambda: len(model.history.entries) >= n or any(e for _, e in statuses),
                     180, conn)

    def pixels(i: int) -> bytes:
        return bytes(pdoc.node(model.history.entries[i].layer_id).pixelData(0, 0, W, H))

    # 1. a whole picture
    model.draw(seed=1234)
    _pump(lambda: len(model.history.entries) >= 1, 180, conn)
    (out / "r1.bgra").write_bytes(pixels(0))
    # 2. nothing changed → nothing drawn
    res["nothing_rid"] = model.draw()
    res["nothing_status"] = statuses[-1]
    res["entries_after_nothing"] = len(model.history.entries)
    # 3. select the lake (hard selection from the label pixels) and repaint part of it
    labels = pdoc.read_inputs().labels
    if os.environ.get("PB_SEL_RECT"):  # a rectangle across several regions: the hard seam case
        x, y, w, h = (int(v) for v in os.environ["PB_SEL_RECT"].split(","))
        mask = bytes(255 if x <= i % W < x + w and y <= i // W < y + h else 0
                     for i in range(W * H))
    else:
        mask = bytes(255 if labels[i * 4:i * 4 + 4] == LAKE_BGRA else 0 for i in range(W * H))
    (out / "sel.mask").write_bytes(mask)
    sel = Selection()
    sel.setPixelData(mask, 0, 0, W, H)
    doc.setSelection(sel)
    res["feather"] = feather_px(W, H, int(_setting("working_size")))
    res["alpha"] = list(pdoc.selection_alpha(res["feather"])[0])
    (out / "alpha.mask").write_bytes(pdoc.selection_alpha(res["feather"])[1])
    if os.environ.get("PB_EDIT_LAKE"):  # fake backend: its image follows the labels only
        xs = [i % W for i in range(W * H) if mask[i]]
        ys = [i // W for i in range(W * H) if mask[i]]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        edit = (x0 + (x1 - x0) // 3, y0 + (y1 - y0) // 3, (x1 - x0) // 3, (y1 - y0) // 3)
        pdoc.set_labels(_paint(labels, edit, GRASS_BGRA, LAKE_BGRA))
        (out / "labels2.bgra").write_bytes(pdoc.read_inputs().labels)
    t0 = time.monotonic()
    res["sel_drawn"] = draw(os.environ.get("PB_SEL_ACTION", "draw"), 2)
    res["sel_s"] = time.monotonic() - t0
    (out / "r2.bgra").write_bytes(pixels(1))
    # 4. deselect; a small label edit → auto-local with r2's seed
    doc.setSelection(None)
    cur = pdoc.read_inputs().labels
    pdoc.set_labels(_paint(cur, EDIT, GRASS_BGRA))
    res["auto_drawn"] = draw("draw", 3)
    (out / "r3.bgra").write_bytes(pixels(2))
    res["entries"] = [e.to_dict() for e in model.history.entries]
    ids = [e.layer_id for e in model.history.entries]
    vis = lambda: [pdoc.is_visible(i) for i in ids]  # noqa: E731
    res["vis_after"] = vis()
    model.back()
    res["vis_back"] = vis()
    model.forward()
    res["vis_forward"] = vis()
    # 5. save, reopen: the signatures survive, so an unchanged Draw! still draws nothing
    kra = str(out / "local.kra")
    doc.setBatchmode(True)
    res["saved"] = bool(doc.saveAs(kra))
    doc.waitForDone()
    doc.close()
    doc2 = k.openDocument(kra)
    doc2.waitForDone()
    p2 = pd.PaintboardDocument(doc2)
    m2 = DocumentModel(p2, conn, _setting)
    st2: list = []
    m2.status_changed.connect(lambda t, e: st2.append([t, e]))
    res["reopen_entries"] = [e.to_dict() for e in m2.history.entries]
    res["reopen_nothing_rid"] = m2.draw()
    res["reopen_status"] = st2[-1] if st2 else None
    m2.back()
    res["reopen_vis_back"] = [p2.is_visible(i) for i in ids]
    res["reopen_r3_same"] = (bytes(p2.node(ids[2]).pixelData(0, 0, W, H))
                             == (out / "r3.bgra").read_bytes())
    doc2.close()
    conn.close()


def run_reduced(endpoint: str, res: dict) -> None:
    """A document bigger than the working size: layers travel reduced, the result comes back
    small, and only the redrawn rectangle is upscaled (compose.upscale_region)."""
    import random

    from krita import Krita, Selection
    from paintboard_krita import compose, reduce
    from paintboard_krita import document as pd
    from paintboard_krita.model.connection import Connection
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.templates import BUILTIN

    rnd = random.Random(3)
    small = b"".join(bytes((rnd.randrange(256), rnd.randrange(256), rnd.randrange(256), 255))
                     for _ in range(50 * 40))  # results are opaque
    whole = reduce.upscale(small, 50, 40, 640, 480)
    diffs = []
    for rect in ((0, 0, 640, 480), (100, 50, 200, 120), (613, 401, 27, 79)):
        part = compose.upscale_region(small, 50, 40, 640, 480, rect)
        ref = compose.crop(whole, 640, rect)
        diffs.append(max(abs(a - b) for a, b in zip(part, ref)))  # noqa: B905
    res["upscale_region_max_diff"] = diffs
    # a soft mask on the reduced grid → document pixels: 255 stays 255, 0 stays 0, no stripes
    mask = bytes([0] * 10 + [128] * 5 + [255] * 30 + [128] * 5 + [0] * 10) * 20
    (_, _, mw, mh), big = reduce.scale_mask((5, 5, 60, 20), mask, 100, 80, 333, 266)
    res["scale_mask_rows"] = [list(big[j * mw:(j + 1) * mw]) for j in (0, mh // 2, mh - 1)]

    bw, bh = 640, 480
    doc = Krita.instance().createDocument(bw, bh, "paintboard-reduced", "RGBA", "U8", "", 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    pdoc.set_labels(BUILTIN[0].render(bw, bh))
    conn = Connection(endpoint)
    conn.connect()
    _pump(lambda: conn.is_connected, 120, conn)
    model = DocumentModel(pdoc, conn, _setting)
    model.draw(seed=5)
    _pump(lambda: len(model.history.entries) >= 1, 180, conn)
    sel = Selection()
    sel.select(200, 100, 240, 200, 255)
    doc.setSelection(sel)
    model.variation()
    _pump(lambda: len(model.history.entries) >= 2, 180, conn)
    a, b = (bytes(pdoc.node(e.layer_id).pixelData(0, 0, bw, bh))
            for e in model.history.entries[:2])
    inside = [(x, y) for y in range(100, 300) for x in range(200, 440)]
    res["reduced_sent"] = list(model.working_size() for _ in range(1))
    res["reduced_outside_same"] = all(
        a[(y * bw) * 4:(y * bw + 200) * 4] == b[(y * bw) * 4:(y * bw + 200) * 4]
        and a[(y * bw + 440) * 4:(y * bw + bw) * 4] == b[(y * bw + 440) * 4:(y * bw + bw) * 4]
        for y in range(bh)) and all(a[y * bw * 4:(y + 1) * bw * 4] == b[y * bw * 4:(y + 1) * bw * 4]
                                    for y in list(range(100)) + list(range(300, bh)))
    res["reduced_inside_changed"] = any(a[(y * bw + x) * 4:(y * bw + x) * 4 + 3]
                                        != b[(y * bw + x) * 4:(y * bw + x) * 4 + 3]
                                        for x, y in inside[::97])
    res["reduced_entries"] = [e.base for e in model.history.entries]
    conn.close()
    doc.close()


def _live_after_one_edit(endpoint: str, w: int, h: int, name: str, edit) -> tuple:
    """A w×h page in live mode: the first live picture, then ``edit`` painted as grass on the
    labels and the live update that follows. Returns (doc, pdoc, pd, conn, model, now, before,
    after): the live layer's bytes before and after the edit."""
    from krita import Krita
    from paintboard_krita import document as pd
    from paintboard_krita.model.connection import Connection
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.templates import BUILTIN

    doc = Krita.instance().createDocument(w, h, name, "RGBA", "U8", "", 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    pdoc.set_labels(BUILTIN[0].render(w, h))
    conn = Connection(endpoint)
    conn.connect()
    _pump(lambda: conn.is_connected, 120, conn)
    now = [0.0]
    model = DocumentModel(pdoc, conn, _setting, clock=lambda: now[0])
    model.set_live(True)
    model.tick()
    _pump(lambda: model.live_result is not None, 180, conn)
    before = bytes(pdoc.node(pdoc.live_layer_id()).pixelData(0, 0, w, h))
    first = model.live_result
    pdoc.set_labels(_paint(pdoc.read_inputs().labels, edit, GRASS_BGRA, None, w))
    now[0] += 10.0
    model.tick()
    _pump(lambda: model.live_result is not first, 180, conn)
    after = bytes(pdoc.node(pdoc.live_layer_id()).pixelData(0, 0, w, h))
    return doc, pdoc, pd, conn, model, now, before, after


def run_live(endpoint: str, res: dict) -> None:
    """Live mode: after the first live picture, painting a few label pixels redraws only
    around them (the live layer keeps its other pixels byte for byte)."""
    doc, pdoc, pd, conn, model, now, before, after = _live_after_one_edit(
        endpoint, W, H, "paintboard-live", EDIT)
    ex, ey, ew, eh = EDIT
    far = [(x, y) for y in range(H) for x in range(W)
           if not (ex - 40 <= x < ex + ew + 40 and ey - 40 <= y < ey + eh + 40)]
    res["live_far_same"] = all(before[(y * W + x) * 4:(y * W + x) * 4 + 4]
                               == after[(y * W + x) * 4:(y * W + x) * 4 + 4] for x, y in far)
    res["live_edit_changed"] = before[(ey * W + ex) * 4:((ey + eh) * W) * 4] != \
        after[(ey * W + ex) * 4:((ey + eh) * W) * 4]
    res["live_status"] = model.status
    _live_rules(pdoc, pd, model, now, conn, after, W, H, res, "live")
    model.set_live(False)
    conn.close()
    doc.close()


def run_live_reduced(endpoint: str, res: dict) -> None:
    """The same live rules on a page live mode reduces (640×480 at 256: upscaled results)."""
    w, h = 640, 480
    doc, pdoc, pd, conn, model, now, _, after = _live_after_one_edit(
        endpoint, w, h, "paintboard-live-big", (80, 80, 40, 30))
    res["big_live_status"] = model.status
    _live_rules(pdoc, pd, model, now, conn, after, w, h, res, "big_live")
    model.set_live(False)
    conn.close()
    doc.close()


def _live_rules(pdoc, pd, model, now, conn, after: bytes, w: int, h: int, res: dict,
                key: str) -> None:
    """Issue #10: the plugin's copy of the live layer is what the layer holds (patched where a
    local update wrote) and a local update reads the whole layer once, for the "painted on"
    check. Issue #14 on the local path: a pixel the user painted on the live layer stays theirs
    and a new live layer takes the update."""
    held = pdoc._live_written
    res[f"{key}_copy_in_step"] = held is not None and bytes(held[1]) == after \
        and pdoc.meta["live_digest"] == pd.pixels_digest(after)
    res[f"{key}_full_reads"] = _live_full_reads(pdoc, pd, model, now, conn,
                                                (w // 2, h // 6, w // 12, h // 12), w)
    live = pdoc.node(pdoc.live_layer_id())
    dab = bytes((1, 2, 3, 255))
    live.setPixelData(dab, 3, 3, 1, 1)
    second = model.live_result
    pdoc.set_labels(_paint(pdoc.read_inputs().labels, (w // 4, h // 6, w // 12, h // 12),
                           GRASS_BGRA, None, w))
    now[0] += 10.0
    model.tick()
    _pump(lambda: model.live_result is not second, 180, conn)
    kept = pdoc.node(pd.node_id(live))
    new = pdoc.node(pdoc.live_layer_id())
    res[f"{key}_painted_kept"] = [
        kept.name(), bytes(kept.pixelData(3, 3, 1, 1)) == dab,
        new is not None and pd.node_id(new) != pd.node_id(kept),
        new is not None and bytes(new.pixelData(3, 3, 1, 1)) != dab]


def _live_full_reads(pdoc, pd, model, now, conn, edit, width: int) -> list:
    """Whole-layer reads of the live layer during one local live update (relabel ``edit``)."""
    reads: list = []
    role = pdoc._role

    def counting(name):
        node = role(name)
        if name == pd.LIVE and node is not None:
            read = node.pixelData
            node.pixelData = lambda *a: reads.append(list(a)) or read(*a)
        return node

    pdoc._role = counting
    try:
        before = model.live_result
        pdoc.set_labels(_paint(pdoc.read_inputs().labels, edit, GRASS_BGRA, None, width))
        now[0] += 10.0
        model.tick()
        _pump(lambda: model.live_result is not before, 180, conn)
    finally:
        pdoc._role = role
    return reads


def run(*_args) -> None:
    def body(out: Path, res: dict) -> None:
        endpoint = os.environ["PB_ENDPOINT"]
        run_local(out, endpoint, res)
        run_reduced(endpoint, res)
        run_live(endpoint, res)
        run_live_reduced(endpoint, res)

    report(body)
