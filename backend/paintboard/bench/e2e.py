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
) -> dict[str, Any]:
    """Client → real server on loopback → result, split by stage, against the bare generator.

    encode = RGBA arrays → BGRA wire bytes (what the plugin does with Krita's pixelData);
    transfer = round trip minus the server's own timings (sockets, copies, JSON, queueing);
    decode/features/generate/resize come from the reply's ``timings``.  The bare generator time
    is measured in the same run, interleaved, by a benchmark worker with the same model.
    """
    from paintboard.serving.client import Client

    labels, strokes = synthetic_document(doc, doc, seed=7)
    extra: list[str] = []
    if weights:
        extra += ["--weights", weights]
    if threads:
        extra += ["--threads", str(threads)]
    results: dict[str, Any] = {"document": doc, "runs": {}}
    worker = Worker(weights or "shipped", "cpu", threads)
    try:
        with ServerProcess(extra=extra) as server:
            client = Client(server.endpoint, timeout=600.0)
            for size in work_sizes:
                rows: list[dict[str, float]] = []
                bare: list[float] = []
                for i in range(repeats + 1):  # first = warm-up
                    t0 = time.perf_counter()
                    lab_b = rgba_to_wire(labels)
                    str_b = rgba_to_wire(strokes)
                    t1 = time.perf_counter()
                    header, image = client.generate(
                        lab_b, str_b, doc, doc, fmt="BGRA8", out_format="BGRA8", seed=i, size=size
                    )
                    t2 = time.perf_counter()
                    if len(image) != doc * doc * 4:
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
                results["runs"][str(size)] = {
                    "median_s": med,
                    "bare_generator_s": bare_med,
                    "ratio_total_to_bare": med["total"] / bare_med,
                    "n": len(rows),
                }
                split = "  ".join(f"{k} {v * 1000:.0f}" for k, v in med.items() if k != "total")
                log(
                    f"  {doc}² document, working size {size}: total {med['total'] * 1000:.0f} ms "
                    f"= {split} (ms); bare generator {bare_med * 1000:.0f} ms; "
                    f"total/bare = {med['total'] / bare_med:.2f}× (goal ≤ 2×)"
                )
            results["server_rss_kb"] = server.rss_kb()
    finally:
        worker.close()
    return results
