"""Generator speed and memory, model beside model (shipped vs paper-size SPADE): per-cell medians,
p95, throughput and peak RSS, measured interleaved across worker processes, and their ratios."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from paintboard.bench.measure import machine_info, percentile
from paintboard.bench.worker_handle import Worker


@dataclass
class Cell:
    """One (model, variant, size, batch) measurement."""

    model: str
    variant: str
    size: int
    batch: int
    times: list[float] = field(default_factory=list)
    warmup_s: float = 0.0
    peak_rss_kb: int = 0
    note: str = ""

    def summary(self) -> dict[str, Any]:
        per_image = [t / self.batch for t in self.times]
        med = statistics.median(per_image) if per_image else float("nan")
        return {
            "model": self.model,
            "variant": self.variant,
            "size": self.size,
            "batch": self.batch,
            "n": len(self.times),
            "ms_per_image_median": med * 1000,
            "ms_per_image_p95": percentile(per_image, 95) * 1000,
            "images_per_s": (1.0 / med) if per_image else float("nan"),
            "warmup_s": self.warmup_s,
            "peak_rss_mb": self.peak_rss_kb / 1024,
            "note": self.note,
        }


def bench_generators(
    models: Sequence[str],
    sizes: Sequence[int],
    batches: Sequence[int],
    repeats: int,
    variants: Sequence[str] = ("channels_last",),
    threads: int | None = None,
    device: str = "cpu",
    cell_budget_s: float = 40.0,
    max_call_s: float = 45.0,
    log: Any = print,
) -> dict[str, Any]:
    """Measure every model × variant × size × batch, interleaved; return a JSON-ready report.

    Per (size, batch): each model/variant gets one untimed warm-up call (oneDNN builds its
    kernels per shape), then ``repeats`` timed calls round-robin across models and variants.  A
    slow model's repeats are capped so its cell takes about ``cell_budget_s`` (at least 2), and a
    batch whose estimated call time exceeds ``max_call_s`` is skipped with a note.
    """
    workers: dict[str, Worker] = {}
    cells: list[Cell] = []
    notes: list[str] = []
    try:
        for spec in models:
            workers[spec] = Worker(spec, device, threads)
            h = workers[spec].hello
            log(
                f"  {spec}: {h['name']}, {h['params'] / 1e6:.2f} M params, "
                f"load {h['load_s']:.2f} s, RSS after load {h['rss_kb'] / 1024:.0f} MB, "
                f"{h['threads']} threads on {h['device']}, variant engine = "
                f"{h.get('engine_precision', '?')}"
            )
        batch1_s: dict[tuple[str, str, int], float] = {}
        for size in sorted(sizes):
            for batch in sorted(batches):
                active: list[Cell] = []
                for spec in models:
                    for variant in variants:
                        cell = Cell(spec, variant, size, batch)
                        est = batch1_s.get((spec, variant, size))
                        if est is None:
                            # extrapolate from the previous size (cost ~ pixels) when known
                            prev = [
                                (s, t)
                                for (m, v, s), t in batch1_s.items()
                                if m == spec and v == variant
                            ]
                            if prev:
                                s0, t0 = max(prev)
                                est = t0 * (size / s0) ** 2
                        # batch 1 is never skipped: every model gets a figure at every size
                        if batch > 1 and est is not None and est * batch > max_call_s:
                            cell.note = (
                                f"skipped: one call would take ~{est * batch:.0f} s "
                                f"(> --max-call-s {max_call_s:.0f})"
                            )
                            notes.append(f"{spec}/{variant} {size}² batch {batch}: {cell.note}")
                            log(f"  {spec}/{variant} {size}² batch {batch}: {cell.note}")
                            cells.append(cell)
                            continue
                        # compile: the first call compiles (tens of seconds); warm up twice so
                        # the budget is based on a compiled call
                        r = workers[spec].run(
                            size, batch, variant, 2 if variant == "compile" else 1
                        )
                        if "error" in r:
                            cell.note = f"error: {r['error']}"
                            log(f"  {spec}/{variant} {size}² batch {batch}: {cell.note}")
                            cells.append(cell)
                            continue
                        cell.warmup_s = r["times"][-1]
                        if batch == 1:
                            batch1_s[(spec, variant, size)] = cell.warmup_s
                        active.append(cell)
                        cells.append(cell)
                # at least 2 timed calls, or 1 when a single call already exceeds the budget
                want = {
                    id(c): max(
                        1 if c.warmup_s > cell_budget_s else 2,
                        min(repeats, int(cell_budget_s / max(c.warmup_s, 1e-6))),
                    )
                    for c in active
                }
                for c in active:
                    if want[id(c)] < repeats:
                        c.note = f"repeats capped at {want[id(c)]} (time budget)"
                for rnd in range(max(want.values(), default=0)):
                    # Interleave models (alternating who goes first) and rotate the variants
                    # inside each model.  The first call after another process ran finds the
                    # thread pool asleep and the caches cold; for short calls one untimed call
                    # absorbs that, so it never lands on one variant or model only.
                    order = list(models) if rnd % 2 == 0 else list(models)[::-1]
                    for m in order:
                        group = [c for c in active if c.model == m and rnd < want[id(c)]]
                        if not group:
                            continue
                        k = rnd % len(group)
                        group = group[k:] + group[:k]
                        if group[0].warmup_s < 0.5:
                            workers[m].run(size, batch, group[0].variant, 1)
                        for c in group:
                            r = workers[c.model].run(size, batch, c.variant, 1)
                            if "error" in r:
                                c.note = f"error: {r['error']}"
                                continue
                            c.times.extend(r["times"])
                            c.peak_rss_kb = r["peak_rss_kb"]
                for c in active:
                    s = c.summary()
                    log(
                        f"  {c.model:>8s} {c.variant:>14s} {size:5d}² b{batch}: "
                        f"median {s['ms_per_image_median']:9.1f} ms/img  "
                        f"p95 {s['ms_per_image_p95']:9.1f}  {s['images_per_s']:7.2f} img/s  "
                        f"peak RSS {s['peak_rss_mb']:7.0f} MB  (n={s['n']}) {c.note}"
                    )
        hellos = {m: w.hello for m, w in workers.items()}
    finally:
        for w in workers.values():
            w.close()
    return {
        "machine": machine_info(threads),
        "models": hellos,
        "cells": [c.summary() for c in cells],
        "notes": notes,
        "ratios": ratios([c.summary() for c in cells], models, variants),
    }


def ratios(
    cells: list[dict[str, Any]], models: Sequence[str], variants: Sequence[str]
) -> list[dict[str, Any]]:
    """Speed ratios at equal (variant, size, batch): each other model vs the first, and each
    variant vs the first variant for the same model."""
    out = []
    idx = {(c["model"], c["variant"], c["size"], c["batch"]): c for c in cells if c["n"]}
    ref_m = models[0]
    for (m, v, s, b), c in idx.items():
        if m != ref_m and (ref_m, v, s, b) in idx:
            ref = idx[(ref_m, v, s, b)]
            out.append(
                {
                    "what": f"{m}/{ref_m}",
                    "variant": v,
                    "size": s,
                    "batch": b,
                    "ratio": c["ms_per_image_median"] / ref["ms_per_image_median"],
                }
            )
        ref_v = variants[0]
        if v != ref_v and (m, ref_v, s, b) in idx:
            ref = idx[(m, ref_v, s, b)]
            out.append(
                {
                    "what": f"{v}/{ref_v}",
                    "model": m,
                    "size": s,
                    "batch": b,
                    "ratio": c["ms_per_image_median"] / ref["ms_per_image_median"],
                }
            )
    return out
