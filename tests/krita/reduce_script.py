"""Runs INSIDE Krita (kritarunner): the reduced transfer (reduce.py) on real documents and Qt.

Writes facts to result.json; tests/krita/test_reduce.py judges them. Environment: PB_OUT,
PB_ENDPOINT (a fake backend: its image is an exact function of the labels it received).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from krita_script import report

W, H = 1500, 1100  # reduced to 512×375 (auto, CPU backend) and to 256×188 (live)
DABS = [(0, 0), (1499, 1099), (733, 17), (18, 1071), (1001, 555), (397, 802)]
DAB = (0, 128, 255, 40)  # BGRA: a faint (soft-brush alpha) orange


def _colours(data: bytes) -> set[bytes]:
    return {data[i:i + 4] for i in range(0, len(data), 4)}


def _labels_every_class(width: int, height: int) -> bytes:
    """Vertical stripes of every palette colour, 1 to 16 px wide, repeated across the page."""
    from paintboard_krita.palette import PALETTE

    row = bytearray()
    k = 0
    while len(row) < width * 4:
        c = PALETTE[1 + k % (len(PALETTE) - 1)].rgb
        row += bytes((c[2], c[1], c[0], 255)) * (1 + k % 16)
        k += 1
    return bytes(row[:width * 4]) * height


def _strip_coverage(res: dict) -> None:
    """Every position of a 1-px dab in a row (and a column) survives, near its place."""
    from paintboard_krita import reduce

    misses = []
    for length, new in ((3508, 256), (8192, 256), (2480, 181), (1003, 256), (513, 512),
                        (4096, 1024)):
        for p in range(length):
            row = bytearray(length * 4)
            row[p * 4:p * 4 + 4] = bytes(DAB)
            for horizontal in (True, False):
                if not horizontal and p % 5:
                    continue
                dims = (length, 1, new, 1) if horizontal else (1, length, 1, new)
                out = reduce.strokes(bytes(row), *dims)
                hit = [i for i, a in enumerate(out[3::4]) if a]
                near = all(-3.5 <= i - p * new / length <= 2.5 for i in hit)
                colour_ok = all(abs(out[i * 4 + j] - DAB[j]) <= 2 for i in hit for j in range(3))
                if not hit or not near or not colour_ok:
                    misses.append([length, new, p, horizontal, hit[:4]])
    res["strip_misses"] = misses[:20]


def _rows_sampled(pdoc) -> bool:
    """Horizontal stripes of every class, 1-16 px high: each sent row is the whole source row
    under its centre (``model.reads.sampled_rows``), so the labels are read as rows only."""
    from paintboard_krita.model.reads import sampled_rows
    from paintboard_krita.palette import PALETTE

    rows, k = [], 0
    while len(rows) < H:
        c = PALETTE[1 + k % (len(PALETTE) - 1)].rgb
        rows += [bytes((c[2], c[1], c[0], 255)) * W] * (1 + k % 16)
        k += 1
    pdoc.set_labels(b"".join(rows[:H]))
    inp = pdoc.read_inputs(256)
    want = [rows[y][:4] * inp.width for y in sampled_rows(H, inp.height)]
    return [inp.labels[j * inp.width * 4:(j + 1) * inp.width * 4]
            for j in range(inp.height)] == want


def _pool_kept_matches(pdoc) -> list[bool]:
    """``read_inputs`` keeps the pooled strokes between reads and pools again only the bands
    that changed: after each change (dabs added anywhere, one erased) it must equal pooling the
    whole layer afresh, byte for byte."""
    import random

    from paintboard_krita import document as pd
    from paintboard_krita import reduce

    rng = random.Random(4)
    node = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    layer = bytearray(W * H * 4)
    node.setPixelData(bytes(layer), 0, 0, W, H)
    same = []
    for step in range(6):
        for _ in range(rng.randint(1, 3)):
            x, y, r = rng.randrange(W), rng.randrange(H), rng.choice([0, 2, 9])
            alpha = 0 if step == 5 else rng.choice([1, 60, 255])  # the last step erases
            for yy in range(max(0, y - r), min(H, y + r + 1)):
                x0, x1 = max(0, x - r), min(W, x + r + 1)
                layer[(yy * W + x0) * 4:(yy * W + x1) * 4] = bytes((9, 99, 199, alpha)) * (x1 - x0)
        node.setPixelData(bytes(layer), 0, 0, W, H)
        got = pdoc.read_inputs(256)
        same.append(got.strokes == reduce.strokes(bytes(layer), W, H, got.width, got.height))
    return same


def phase(out: Path, endpoint: str, res: dict) -> None:
    from krita import Krita
    from paintboard_krita import document as pd
    from paintboard_krita import reduce
    from paintboard_krita.model.connection import Connection
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.settings import BY_KEY
    from PyQt5.QtCore import QCoreApplication

    _strip_coverage(res)

    k = Krita.instance()
    doc = k.createDocument(W, H, "paintboard-reduce", "RGBA", "U8", "", 72.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    labels = _labels_every_class(W, H)
    pdoc.set_labels(labels)
    strokes = bytearray(W * H * 4)
    for x, y in DABS:
        strokes[(y * W + x) * 4:(y * W + x) * 4 + 4] = bytes(DAB)
    pdoc.node(pdoc.meta["layers"][pd.STROKES]).setPixelData(bytes(strokes), 0, 0, W, H)

    inp = pdoc.read_inputs(256)
    res["sent"] = [inp.width, inp.height, inp.doc_width, inp.doc_height]
    res["label_colours_in"] = sorted(c.hex() for c in _colours(labels))
    res["label_colours_out"] = sorted(c.hex() for c in _colours(inp.labels))
    found = []
    for x, y in DABS:
        sx, sy = x * inp.width / W, y * inp.height / H
        near = [(i % inp.width, i // inp.width) for i, a in enumerate(inp.strokes[3::4]) if a
                and abs(i % inp.width - sx) <= 3.5 and abs(i // inp.width - sy) <= 3.5]
        found.append(bool(near))
    res["dabs_found"] = found
    res["stroke_pixels"] = sum(1 for a in inp.strokes[3::4] if a)
    res["full"] = pdoc.read_inputs(None).labels == labels
    res["rows_sampled"] = _rows_sampled(pdoc)
    res["pool_kept_matches"] = _pool_kept_matches(pdoc)
    pdoc.node(pdoc.meta["layers"][pd.STROKES]).setPixelData(bytes(strokes), 0, 0, W, H)
    pdoc.set_labels(labels)

    # round trip: a flat result at the sent size becomes a layer at document size
    flat = bytes((40, 90, 200, 255)) * (inp.width * inp.height)
    uid = pdoc.insert_result(flat, "round trip", (inp.width, inp.height))
    data = bytes(pdoc.node(uid).pixelData(0, 0, W, H))
    res["round_trip"] = [len(data) == W * H * 4, _colours(data) == {bytes((40, 90, 200, 255))}]
    t = time.perf_counter()
    up = reduce.upscale(flat, inp.width, inp.height, W, H)
    res["upscale_s"] = time.perf_counter() - t
    res["upscale_len"] = len(up)

    # a local-redraw mask on the reduced grid → document pixels (soft border kept, sizes right)
    rect, alpha = reduce.scale_mask((10, 20, 30, 40), bytes([255]) * (30 * 40), 256, 188, W, H)
    res["mask"] = [list(rect), len(alpha) == rect[2] * rect[3], set(alpha) == {255}]

    # Draw! through the plugin's own path: the backend gets the reduced layers
    conn = Connection(endpoint)
    conn.connect()
    end = time.monotonic() + 60
    while time.monotonic() < end and not (conn.is_connected and conn.info):
        conn.poll()
        QCoreApplication.processEvents()
        time.sleep(0.01)
    res["connected"] = conn.is_connected

    def setting(key):
        return {"request_timeout": 60.0, "generate_retries": 0}.get(key, BY_KEY[key].default)

    model = DocumentModel(pdoc, conn, setting)
    model.draw(seed=3)
    end = time.monotonic() + 60
    while time.monotonic() < end and not model.history.entries:
        conn.poll()
        QCoreApplication.processEvents()
        time.sleep(0.01)
    res["entries"] = [e.to_dict() for e in model.history.entries]
    res["working_size"] = model.working_size()
    if model.history.entries:
        node = pdoc.node(model.history.entries[0].layer_id)
        res["draw_layer_len"] = len(bytes(node.pixelData(0, 0, W, H)))
        sent = pdoc.read_inputs(model.working_size())
        (out / "sent_labels.bgra").write_bytes(sent.labels)
        res["draw_sent"] = [sent.width, sent.height]
        # fake_backend.fake_image of what was sent (labels translated, XOR the strokes)
        fake = sent.labels.translate(bytes(v ^ 0x5A for v in range(256)))
        fake = (int.from_bytes(fake, "little") ^ int.from_bytes(sent.strokes, "little")
                ).to_bytes(len(fake), "little")
        res["draw_layer_matches"] = bytes(node.pixelData(0, 0, W, H)) == bytes(reduce.upscale(
            fake, sent.width, sent.height, W, H))
    conn.close()
    doc.close()


def run(*_args) -> None:
    report(lambda out, res: phase(out, os.environ["PB_ENDPOINT"], res))
