"""Draw! and Live in real Krita: where the time goes on 1024² and A4 documents.

Run from a clean clone (backend importable from ``backend/``, Krita installed)::

    .venv/bin/python scripts/krita_bench.py [--sizes 1024x1024,2480x3508] [--repeats 5]
                                            [--live-seconds 6] [--json out.json]
                                            [--depth U8|U16] [--results N]

On the host it starts ``paintboard serve`` on a free loopback port and runs this same file
inside Krita (``kritarunner -s krita_bench -f run``, headless, with a throw-away Krita profile
so it never fights another Krita over the resource database). Inside Krita it drives the
plugin's own code (``PaintboardDocument``, ``reduce``, ``Connection``, ``DocumentModel``) and
prints, per document, the median split of a Draw!:

    read layers (the labels' sampled rows and the whole strokes, as ``read_inputs``; both whole
    for the old full transfer) · reduce (labels nearest, strokes pooled) · transfer (send and
    receive: round trip − the server's own total) · backend (the server's total) · upscale
    (QImage smooth) · setPixelData (new layer) · visible (refreshProjection + waitForDone)

for the reduced transfer at working size 256 and at the "auto" size, the old full-size transfer
(both layers at document size both ways) for comparison, the whole Draw! through
``DocumentModel.draw`` (click → layer in the document, all of the above), and Live updates per
second while a stroke is being painted (a dab every 40 ms; latest state wins).
"""

from __future__ import annotations

import argparse
import array
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KRITA_TIMEOUT_S = 900
STAGES = ("read layers", "reduce", "transfer", "backend", "upscale", "setPixelData", "visible",
          "total")


# ------------------------------------------------------------------------------ inside Krita
def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _pump(conn, cond, timeout: float) -> bool:
    from PyQt5.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        conn.poll()
        QCoreApplication.processEvents()
        if cond():
            return True
        time.sleep(0.001)
    return False


def _strokes(width: int, height: int) -> bytes:
    """A few round dabs (BGRA), placed relative to the page."""
    rows = [bytearray(width * 4) for _ in range(height)]
    for fx, fy, bgra in ((0.3, 0.15, (0, 128, 255, 255)), (0.7, 0.8, (200, 200, 40, 255)),
                         (0.5, 0.5, (30, 200, 30, 255))):
        cx, cy, r = int(fx * width), int(fy * height), max(3, width // 60)
        for y in range(max(0, cy - r), min(height, cy + r)):
            half = int((r * r - (y - cy) ** 2) ** 0.5)
            x0, x1 = max(0, cx - half), min(width, cx + half)
            rows[y][x0 * 4:x1 * 4] = bytes(bgra) * (x1 - x0)
    return b"".join(rows)


def _draw_once(pdoc, conn, size: int, reduced: bool, seed: int) -> dict:
    """One Draw! by hand, stage by stage, with the plugin's own functions (seconds)."""
    from paintboard_krita import document as pd
    from paintboard_krita import protocol, reduce
    from paintboard_krita.model.reads import sampled_rows
    from paintboard_krita.model.working_size import sent_size

    w_doc, h_doc = pdoc.width, pdoc.height
    labels_node = pdoc.node(pdoc.meta["layers"][pd.LABELS])
    strokes_node = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    group = pdoc.node(pdoc.meta["layers"][pd.HISTORY])
    sw, sh = sent_size(w_doc, h_doc, size) if reduced else (w_doc, h_doc)
    t0 = time.perf_counter()
    if reduced:  # as document.read_inputs reads: the labels' sampled rows, the whole strokes
        lab = b"".join(labels_node.pixelData(0, y, w_doc, 1) for y in sampled_rows(h_doc, sh))
    else:
        lab = labels_node.pixelData(0, 0, w_doc, h_doc)
    stk = strokes_node.pixelData(0, 0, w_doc, h_doc)
    t1 = time.perf_counter()
    if reduced:
        lab_b = reduce.labels(lab, w_doc, sh, sw, sh)
        stk_b = reduce.strokes(stk, w_doc, h_doc, sw, sh)
    else:
        lab_b, stk_b = bytes(lab), bytes(stk)
    t2 = time.perf_counter()
    got: dict = {}
    fields = protocol.generate_fields(sw, sh, protocol.FORMAT_BGRA8, True,
                                      protocol.FORMAT_BGRA8, seed, size)
    conn.request("generate", fields, [lab_b, stk_b],
                 callback=lambda h, b: got.update(h=h, b=b),
                 timeout=300, retries=0)
    if not _pump(conn, lambda: "h" in got, 300) or not got["h"].get("ok"):
        raise RuntimeError(f"generate failed: {got.get('h')}")
    t4 = time.perf_counter()
    image = bytes(got["b"][0])
    backend = float(got["h"]["timings"]["total"])
    t5 = time.perf_counter()
    image = reduce.upscale(image, sw, sh, w_doc, h_doc) if reduced else image
    t6 = time.perf_counter()
    node = pdoc.doc.createNode(f"bench {size}", "paintlayer")
    node.setPixelData(image, 0, 0, w_doc, h_doc)
    group.addChildNode(node, None)
    t7 = time.perf_counter()
    pdoc.doc.refreshProjection()
    pdoc.doc.waitForDone()
    t8 = time.perf_counter()
    node.remove()
    return {"read layers": t1 - t0, "reduce": t2 - t1,
            "backend": backend, "transfer": (t4 - t2) - backend + (t5 - t4),
            "upscale": t6 - t5, "setPixelData": t7 - t6, "visible": t8 - t7,
            "total": t8 - t0, "sent": [sw, sh]}


def _draw_splits(pdoc, conn, variants: dict[str, tuple[int, bool]], repeats: int) -> dict:
    """Median split per variant; the variants' calls are interleaved round-robin, so drift
    in the machine's load hits all of them alike and their ratios stay comparable."""
    rows: dict[str, list[dict]] = {name: [] for name in variants}
    for r in range(repeats + 1):  # round 0 warms the backend up at each size
        for name, (size, reduced) in variants.items():
            row = _draw_once(pdoc, conn, size, reduced, seed=1)
            if r:
                rows[name].append(row)
    out = {}
    for name, (size, reduced) in variants.items():
        med = {k: _median([row[k] for row in rows[name]]) for k in STAGES}
        med.update(sent=rows[name][0]["sent"], size=size, reduced=reduced, n=repeats)
        out[name] = med
    return out


def _draw_click(model, conn, repeats: int) -> dict:
    """Draw! as the user gets it: click → result layer added and the canvas refreshed."""
    times = []
    for i in range(repeats + 1):
        before = len(model.history.entries)
        t0 = time.perf_counter()
        if model.draw(seed=7 + i) is None:
            raise RuntimeError(model.status)
        if not _pump(conn, lambda: len(model.history.entries) > before, 300):  # noqa: B023
            raise RuntimeError(f"no result: {model.status}")
        model.doc.doc.waitForDone()
        if i:
            times.append(time.perf_counter() - t0)
    return {"median": _median(times), "min": min(times), "n": repeats,
            "size": model.working_size()}


def _live_rate(model, pdoc, conn, seconds: float) -> dict:
    """Paint a stroke (a dab every 40 ms across the page) with live on; count live results."""
    from paintboard_krita import document as pd
    from PyQt5.QtCore import QCoreApplication

    strokes = pdoc.node(pdoc.meta["layers"][pd.STROKES])
    statuses: list[str] = []
    model.status_changed.connect(lambda text, err: statuses.append(text))
    model.set_live(True)
    r = max(2, pdoc.width // 100)
    dab = bytes((60, 60, 220, 255)) * (r * r)
    t0 = time.perf_counter()
    next_dab, step, tick_s, block_s = t0, 0, [], []
    try:
        while time.perf_counter() - t0 < seconds:
            now = time.perf_counter()
            if now >= next_dab:
                x = int((0.1 + 0.8 * (step % 50) / 50) * (pdoc.width - r))
                y = int((0.3 + 0.01 * (step // 50)) * (pdoc.height - r))
                strokes.setPixelData(dab, x, y, r, r)
                step += 1
                next_dab = now + 0.04
            ts = time.perf_counter()
            model.tick()
            tick_s.append(time.perf_counter() - ts)
            conn.poll()  # a live reply is handled here: written into the live layer, refreshed
            QCoreApplication.processEvents()
            block_s.append(time.perf_counter() - ts)
            time.sleep(0.002)
    finally:
        model.set_live(False)
    n = sum(1 for s in statuses if s.startswith("Live result updated"))  # full or local
    return {"updates": n, "seconds": seconds, "per_s": n / seconds, "dabs": step,
            "longest_tick_s": max(tick_s) if tick_s else 0.0,
            "longest_block_s": max(block_s) if block_s else 0.0,
            "statuses": sorted(set(statuses))[:6]}


def _bench_document(k, conn, width: int, height: int, repeats: int, live_s: float) -> dict:
    from paintboard_krita import document as pd
    from paintboard_krita.model.jobs import DocumentModel
    from paintboard_krita.model.templates import BUILTIN
    from paintboard_krita.settings import BY_KEY

    depth, results = os.environ.get("PB_DEPTH", "U8"), int(os.environ.get("PB_RESULTS", "0"))
    doc = k.createDocument(width, height, "bench", "RGBA", depth, pd.RGBA_PROFILE, 300.0)
    pdoc = pd.PaintboardDocument(doc)
    pdoc.ensure_layers()
    labels = BUILTIN[0].render(width, height)
    pdoc.apply_labels(labels)
    strokes = _strokes(width, height)
    if depth == "U16":  # 16-bit BGRA, little-endian: v × 257 is the same sRGB colour
        strokes = array.array("H", (v * 257 for v in strokes)).tobytes()
    pdoc.node(pdoc.meta["layers"][pd.STROKES]).setPixelData(strokes, 0, 0, width, height)
    for i in range(results):  # earlier results: layers a read of the inputs must not pay for
        pdoc.insert_result(labels, f"earlier #{i + 1}")
    doc.waitForDone()

    def setting(key):
        return {"request_timeout": 300.0, "generate_retries": 0}.get(key, BY_KEY[key].default)

    model = DocumentModel(pdoc, conn, setting)
    res: dict = {"document": f"{width}x{height} {depth}, {results} earlier results",
                 "auto_size": model.working_size()}
    reads = []
    for _ in range(repeats):  # the plugin's own read (any depth), at the auto working size
        t0 = time.perf_counter()
        pdoc.read_inputs(model.working_size())
        reads.append(time.perf_counter() - t0)
    res["read_inputs"] = {"median": _median(reads), "min": min(reads), "n": repeats}
    if depth == "U8":  # the split re-reads the layers the 8-bit way
        res.update(_draw_splits(pdoc, conn, {"full_256": (256, False),
                                             "reduced_256": (256, True),
                                             "reduced_auto": (model.working_size(), True)},
                                repeats))
    res["click_auto"] = _draw_click(model, conn, repeats)
    res["live"] = _live_rate(model, pdoc, conn, live_s)
    doc.close()
    return res


def run(*_args) -> None:
    """kritarunner entry point."""
    out = Path(os.environ["PB_OUT"])
    res: dict = {"ok": False, "documents": []}
    try:
        from krita import Krita
        from paintboard_krita.model.connection import Connection

        conn = Connection(os.environ["PB_ENDPOINT"])
        conn.connect()
        if not _pump(conn, lambda: conn.is_connected and conn.info is not None, 120):
            raise RuntimeError(f"backend not reachable: {conn.reason}")
        res["backend"] = {k: conn.info.get(k) for k in ("device", "model", "version")}
        for spec in os.environ["PB_SIZES"].split(","):
            w, h = (int(v) for v in spec.split("x"))
            res["documents"].append(_bench_document(
                Krita.instance(), conn, w, h, int(os.environ["PB_REPEATS"]),
                float(os.environ["PB_LIVE_S"])))
        conn.close()
        res["ok"] = True
    except Exception:
        res["error"] = traceback.format_exc()
    (out / "result.json").write_text(json.dumps(res, indent=1))


# ------------------------------------------------------------------------------ on the host


def _report(res: dict) -> str:
    lines = [f"backend: {res.get('backend')}"]
    for d in res["documents"]:
        lines.append(f"\n== {d['document']} (auto working size {d['auto_size']})")
        rd = d["read_inputs"]
        lines.append(f"read_inputs at the auto size: median {rd['median'] * 1000:.1f} ms, "
                     f"min {rd['min'] * 1000:.1f} ms (n={rd['n']})")
        if "full_256" in d:
            lines.append("transfer            sent        "
                         + "  ".join(f"{s:>12}" for s in STAGES))
            for key in ("full_256", "reduced_256", "reduced_auto"):
                r = d[key]
                sent = "x".join(str(v) for v in r["sent"])
                ms = "  ".join(f"{r[s] * 1000:12.1f}" for s in STAGES)
                lines.append(f"{key:<18}  {sent:<10}  {ms}")
            f, r = d["full_256"]["total"], d["reduced_256"]["total"]
            lines.append(f"reduced / full at 256 (same run): {r / f:.2f}×")
        c = d["click_auto"]
        lines.append(f"Draw! click → layer visible (DocumentModel.draw, size {c['size']}): "
                     f"median {c['median'] * 1000:.0f} ms, min {c['min'] * 1000:.0f} ms "
                     f"(n={c['n']})")
        lv = d["live"]
        lines.append(f"Live while painting: {lv['updates']} updates in {lv['seconds']:.0f} s = "
                     f"{lv['per_s']:.1f}/s ({lv['dabs']} dabs; longest UI tick "
                     f"{lv['longest_tick_s'] * 1000:.0f} ms, longest UI block (tick + reply) "
                     f"{lv.get('longest_block_s', 0) * 1000:.0f} ms); "
                     f"statuses: {lv['statuses']}")
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1024x1024,2480x3508")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--live-seconds", type=float, default=6.0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--endpoint", help="use a running backend instead of starting one")
    ap.add_argument("--depth", choices=("U8", "U16"), default="U8", help="channel depth")
    ap.add_argument("--results", type=int, default=0, help="result layers already there")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "backend"))
    from paintboard import protocol

    kritarunner = "kritarunner"
    server = None
    endpoint = args.endpoint
    env = dict(os.environ, PYTHONPATH=str(ROOT / "backend"))
    if endpoint is None:
        port = _free_port()
        endpoint = f"tcp://127.0.0.1:{port}"
        server = subprocess.Popen(protocol.serve_command(sys.executable, port), env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with tempfile.TemporaryDirectory(prefix="pb-krita-bench-") as tmp:
            home = Path(tmp)
            kenv = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
                        XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
                        PYTHONPATH=f"{ROOT / 'scripts'}{os.pathsep}{ROOT / 'plugin'}",
                        PAINTBOARD_NO_REGISTER="1", QT_QPA_PLATFORM="offscreen", PB_OUT=tmp,
                        PB_ENDPOINT=endpoint, PB_SIZES=args.sizes,
                        PB_REPEATS=str(args.repeats), PB_LIVE_S=str(args.live_seconds),
                        PB_DEPTH=args.depth, PB_RESULTS=str(args.results))
            proc = subprocess.run([kritarunner, "-s", "krita_bench", "-f", "run"], env=kenv,
                                  capture_output=True, timeout=KRITA_TIMEOUT_S, cwd=tmp)
            result = home / "result.json"
            if not result.exists():
                print(proc.stderr.decode(errors="replace")[-3000:], file=sys.stderr)
                print("no result from Krita (see above)", file=sys.stderr)
                return 1
            res = json.loads(result.read_text())
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    if not res.get("ok"):
        print(res.get("error"), file=sys.stderr)
        return 1
    print(_report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
