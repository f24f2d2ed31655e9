"""End to end: client → real server on loopback → result, split by stage, beside the bare
generator measured interleaved in a worker process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from paintboard.bench.server_process import ServerProcess
from paintboard.bench.synthetic import rgba_to_wire, synthetic_document
from paintboard.bench.worker_handle import Worker


def bench_e2e(
    doc: int = 1024,
    work_sizes: Sequence[int] = (256, 1024),
    repeats: int = 5,
    weights: str | None = None,
    threads: int | None = None,
    log: Any = print,
    device: str = "cpu",
    modes: Sequence[str] = ("full", "reduced"),
) -> dict[str, Any]:
    """Client → real server on loopback → result, split by stage, against the bare generator.

    encode = RGBA arrays → BGRA wire bytes (what the plugin does with Krita's pixelData);
    transfer = round trip minus the server's own timings (sockets, copies, JSON, queueing);
    decode/features/generate/resize come from the reply's ``timings``.  The bare generator time
    is measured in the same run, interleaved, by a benchmark worker with the same model.

    ``modes``: ``full`` sends both layers at document size and gets the document-size result
    back (the plugin before issue #10); ``reduced`` sends them already reduced to the working
    size and gets the working-size result, as the plugin does now (its reduction and upscale
    happen in Krita, measured by ``scripts/krita_bench.py``; here they are done beforehand).
    """
    from paintboard import images
    from paintboard.serving.client import Client

    labels, strokes = synthetic_document(doc, doc, seed=7)
    extra: list[str] = ["--device", device]
    if weights:
        extra += ["--weights", weights]
    if threads:
        extra += ["--threads", str(threads)]
    results: dict[str, Any] = {"document": doc, "device": device, "runs": {}}
    worker = Worker(weights or "shipped", device, threads)
    try:
        with ServerProcess(extra=extra) as server:
            client = Client(server.endpoint, timeout=600.0)
            for size, mode in ((s, m) for s in work_sizes for m in modes):
                if mode == "reduced" and size < doc:
                    side = size  # a square document: the plugin sends size × size
                    lab_in = images.resize_labels(labels, side, side)  # nearest, as the plugin
                    str_in = images.resize_strokes(strokes, side, side)
                else:
                    side, lab_in, str_in = doc, labels, strokes
                rows: list[dict[str, float]] = []
                bare: list[float] = []
                for i in range(repeats + 1):  # first = warm-up
                    t0 = time.perf_counter()
                    lab_b = rgba_to_wire(lab_in)
                    str_b = rgba_to_wire(str_in)
                    t1 = time.perf_counter()
                    header, image = client.generate(
                        lab_b, str_b, side, side, fmt="BGRA8", out_format="BGRA8", seed=i,
                        size=size,
                    )
                    t2 = time.perf_counter()
                    if len(image) != side * side * 4:
                        raise RuntimeError(f"reply image has {len(image)} bytes")
                    tm = {k: float(v) for k, v in header.get("timings", {}).items()}
                    # the server's "total" runs from receipt to reply; without it, add the stages
                    server_s = tm.pop("total", None) or sum(tm.values())
                    tm["server_other"] = max(0.0, server_s - sum(tm.values()))
                    row = {
                        "encode": t1 - t0,
                        "transfer": (t2 - t1) - server_s,
                        **tm,
                        "total": t2 - t0,
                    }
                    wr = worker.run(size, 1, "engine", 1)  # what the server runs
                    if i > 0:
                        rows.append(row)
                        bare.append(wr["times"][0])
                keys = list(rows[0])
                med = {k: statistics.median(r.get(k, 0.0) for r in rows) for k in keys}
                bare_med = statistics.median(bare)
                key = str(size) if mode == "full" else f"{size}-{mode}"
                results["runs"][key] = {
                    "median_s": med,
                    "bare_generator_s": bare_med,
                    "ratio_total_to_bare": med["total"] / bare_med,
                    "n": len(rows),
                }
                split = "  ".join(f"{k} {v * 1000:.0f}" for k, v in med.items() if k != "total")
                log(
                    f"  {doc}² document ({mode}, {side}² on the wire), working size {size}: "
                    f"total {med['total'] * 1000:.0f} ms "
                    f"= {split} (ms); bare generator {bare_med * 1000:.0f} ms; "
                    f"total/bare = {med['total'] / bare_med:.2f}× (goal ≤ 2×)"
                )
            results["server_rss_kb"] = server.rss_kb()
    finally:
        worker.close()
    return results
