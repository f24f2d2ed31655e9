"""Benchmark harness: generator speed and memory beside paper-size SPADE, and end-to-end latency.

Why it is built this way:

* **One worker process per model.**  Peak RSS (``ru_maxrss``) is per process, so a model measured
  in its own process gets a figure that belongs to it alone, not to whatever ran before it.
* **Interleaved repeats.**  The machine this runs on is small and shared (2 cores, other jobs).
  The parent sends one timed call to each worker in turn, round-robin, so a burst of foreign load
  hits both models alike and the *ratio* between them stays meaningful even when the absolute
  numbers drift.  Only one worker computes at a time.
* **Bounded.**  Paper-size SPADE takes seconds per 256² image on a CPU; repeats are capped by a
  per-cell time budget and a batch whose warm-up call alone would exceed ``max_call_s`` is
  skipped (and said so) instead of silently taking many minutes.
* **Variants** (``engine`` = exactly what ``inference.Engine`` does: channels_last tensors,
  ``inference_mode`` and the precision ``inference.resolve_precision`` picks for the device, so
  bf16 autocast on a CPU with native bf16 unless ``PAINTBOARD_FP32=1``; ``channels_last`` = the
  same in fp32; ``inference_mode`` = contiguous fp32 tensors, ``no_grad``, ``bf16`` autocast,
  ``compile``) run in the same worker, interleaved too, to decide what ``inference.Engine``
  should keep.

The e2e benchmark and the reliability scripts share :class:`ServerProcess` (a real
``paintboard serve`` child on a free loopback port) and :func:`synthetic_document`.

Modules: ``worker`` (child side of a worker process; started as
``python -m paintboard.bench.worker`` and deliberately not imported here), ``worker_handle``
(parent side), ``variants``, ``generator_bench`` (model-vs-model cells and ratios), ``e2e``
(client → real server), ``server_process``, ``synthetic`` (inputs), ``measure`` (RSS,
percentiles, machine info) and ``report`` (command-line lists, printed summary, JSON).
"""

from __future__ import annotations

from paintboard.bench.e2e import bench_e2e
from paintboard.bench.generator_bench import Cell, bench_generators, ratios
from paintboard.bench.measure import (
    machine_info,
    percentile,
    proc_rss_kb,
    self_peak_rss_kb,
    timed,
)
from paintboard.bench.report import log_generator_summary, parse_ints, parse_strs, write_report
from paintboard.bench.server_process import LOOPBACK, ServerProcess, free_port, raw_ping
from paintboard.bench.synthetic import rgba_to_wire, synthetic_document, synthetic_label_index
from paintboard.bench.variants import CHANNELS_LAST, VARIANTS
from paintboard.bench.worker_handle import Worker, parse_spec

__all__ = [
    "CHANNELS_LAST",
    "LOOPBACK",
    "VARIANTS",
    "Cell",
    "ServerProcess",
    "Worker",
    "bench_e2e",
    "bench_generators",
    "free_port",
    "log_generator_summary",
    "machine_info",
    "parse_ints",
    "parse_spec",
    "parse_strs",
    "percentile",
    "proc_rss_kb",
    "raw_ping",
    "ratios",
    "rgba_to_wire",
    "self_peak_rss_kb",
    "synthetic_document",
    "synthetic_label_index",
    "timed",
    "write_report",
]
