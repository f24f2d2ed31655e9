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
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paintboard import palette, protocol

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_WEIGHTS = REPO_ROOT / "weights" / "small.safetensors"
VARIANTS = ("engine", "channels_last", "inference_mode", "no_grad", "bf16", "compile", "fp16")
# Variants built on channels_last, which inference.Engine uses: channels_last (fp32) is the
# reference, bf16 and compile are then measured as "what they add to it".  `engine` is
# channels_last plus the Engine's own precision choice (see _Runner.autocast).
CHANNELS_LAST = ("engine", "channels_last", "bf16", "compile", "fp16")
LOOPBACK = "127.0.0.1"


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A currently free TCP port on loopback (the OS picks it; small race, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def proc_rss_kb(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a live process in KiB, from /proc (Linux)."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def self_peak_rss_kb() -> int:
    """Peak RSS of this process in KiB (Linux reports ru_maxrss in KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile; with few samples p95 is close to the maximum."""
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def synthetic_label_index(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A plausible landscape class map (sky, clouds, mountains, sea, grass, trees, sand).

    Plausible rather than random so the timings reflect real inputs (CLADE gathers and the
    region fill in the features depend on how many regions there are).
    """
    rng = np.random.default_rng(seed)
    ids = {c.name: c.id for c in palette.PALETTE}
    y = np.arange(height, dtype=np.float32)[:, None] / max(height, 1)
    x = np.arange(width, dtype=np.float32)[None, :] / max(width, 1)
    phase = rng.uniform(0, 2 * math.pi, 3)
    ridge = 0.38 + 0.08 * np.sin(6 * x + phase[0]) + 0.04 * np.sin(17 * x + phase[1])
    shore = 0.62 + 0.03 * np.sin(9 * x + phase[2])
    index = np.full((height, width), ids["sky"], dtype=np.uint8)
    cloud = (np.sin(20 * x + 3 * phase[1]) * np.cos(25 * y) > 0.7) & (y < 0.2)
    index[cloud] = ids["cloud"]
    index[y >= ridge] = ids["mountain"]
    index[(y >= ridge) & (y < ridge + 0.03)] = ids["snow"]
    index[y >= shore] = ids["sea"]
    index[(y >= shore + 0.15) & (x < 0.5)] = ids["grass"]
    index[(y >= shore + 0.15) & (x >= 0.5)] = ids["sand"]
    for _ in range(6):
        cy, cx, r = rng.uniform(0.8, 0.95), rng.uniform(0.05, 0.45), rng.uniform(0.02, 0.05)
        index[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = ids["tree"]
    return index


def synthetic_document(
    width: int, height: int, seed: int = 0, dabs: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """The two layers of a document: labels (RGBA palette colours) and a few colour dabs (RGBA)."""
    index = synthetic_label_index(height, width, seed)
    lut = np.array([c.rgb for c in palette.PALETTE], dtype=np.uint8)
    labels = np.empty((height, width, 4), dtype=np.uint8)
    labels[..., :3] = lut[index]
    labels[..., 3] = 255
    strokes = np.zeros((height, width, 4), dtype=np.uint8)
    rng = np.random.default_rng(seed + 1)
    yy, xx = np.ogrid[:height, :width]
    for _ in range(dabs):
        cy, cx = rng.integers(0, height), rng.integers(0, width)
        r = max(2, int(min(width, height) * rng.uniform(0.01, 0.04)))
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        strokes[disc, :3] = rng.integers(0, 256, 3, dtype=np.uint8)
        strokes[disc, 3] = 255
    return labels, strokes


def rgba_to_wire(rgba: np.ndarray, fmt: str = protocol.FORMAT_BGRA8) -> bytes:
    """RGBA array → raw bytes in ``fmt`` (what Krita's pixelData hands the plugin)."""
    if fmt == protocol.FORMAT_BGRA8:
        return np.ascontiguousarray(rgba[..., [2, 1, 0, 3]]).tobytes()
    return np.ascontiguousarray(rgba).tobytes()


# --------------------------------------------------------------------------- server process


@dataclass
class ServerProcess:
    """A real ``paintboard serve`` child process on a loopback port (tests, e2e, load, fuzz).

    Started with ``python -m paintboard.cli`` from this interpreter so it runs exactly the code
    under test.  ``extra`` is passed through (e.g. ``["--weights", path]``).
    """

    port: int = 0
    extra: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def endpoint(self) -> str:
        return f"tcp://{LOOPBACK}:{self.port}"

    def start(self, ready_timeout: float = 60.0) -> ServerProcess:
        """Start and wait until it answers ``ping`` (model loading can take a few seconds)."""
        if not self.port:
            self.port = free_port()
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = [sys.executable, "-m", "paintboard.cli", "serve", "--port", str(self.port)]
        cmd += self.extra
        import tempfile

        fd, name = tempfile.mkstemp(prefix="paintboard-serve-", suffix=".log")
        self.log_path = Path(name)
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            if raw_ping(self.endpoint, timeout=0.5):
                return self
        self.kill()
        raise RuntimeError(f"server did not answer ping within {ready_timeout} s:\n{self.log()}")

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_kb(self) -> tuple[int, int]:
        assert self.proc is not None
        return proc_rss_kb(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL (the fault tests' 'backend crashed') and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it does not go."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def cleanup(self) -> None:
        self.stop()
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def raw_ping(endpoint: str, timeout: float = 1.0) -> dict[str, Any] | None:
    """One ping on a throw-away DEALER socket; the reply header, or None.

    Independent of ``paintboard.client`` on purpose: the harness must be able to tell "server
    down" from "client bug".
    """
    import zmq

    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    try:
        sock.connect(endpoint)
        sock.send_multipart(protocol.encode(protocol.request(protocol.OP_PING, "raw-ping")))
        if sock.poll(int(timeout * 1000)):
            frames = sock.recv_multipart()
            return json.loads(frames[0])
        return None
    finally:
        sock.close(0)


# --------------------------------------------------------------------------- generator worker


def _load_model(spec: str, device: str) -> tuple[Any, Any, str]:
    """``shipped`` → weights/small.safetensors; a preset name → random init; a path → that file."""
    import torch

    from paintboard.nets import PRESETS, Generator

    torch.manual_seed(0)
    if spec == "shipped" or spec.endswith(".safetensors"):
        path = SHIPPED_WEIGHTS if spec == "shipped" else Path(spec)
        if path.exists():
            from paintboard.weights import load_generator

            net, cfg, _card = load_generator(path, device=device)
            return net, cfg, f"{cfg.name} ({path.name})"
        if spec != "shipped":
            raise FileNotFoundError(path)
        cfg = PRESETS["small"]
        return Generator(cfg).to(device), cfg, "small (random init: weights not found)"
    cfg = PRESETS[spec]
    return Generator(cfg).to(device), cfg, f"{spec} (random init)"


def _inputs(cfg: Any, size: int, batch: int, device: str) -> tuple[Any, Any, Any, Any]:
    import torch

    from paintboard.nets import make_noise

    index = synthetic_label_index(size, size, seed=size)
    labels = torch.from_numpy(index.astype(np.int64)).unsqueeze(0).repeat(batch, 1, 1)
    maps = torch.zeros(batch, cfg.map_nc, size, size)
    q = size // 8
    maps[:, :4, q : 2 * q, q : 2 * q] = 0.6  # one hint rectangle, one filled region
    maps[:, 4:, 5 * q :, :] = 0.4
    g = torch.Generator().manual_seed(0)
    latent = (torch.rand(batch, cfg.latent_dim, generator=g) < 0.2).float() * 0.5
    noise = make_noise(0, batch, cfg, "cpu")
    return latent.to(device), labels.to(device), maps.to(device), noise.to(device)


class _Runner:
    """Holds one network and, lazily, one prepared copy per variant."""

    def __init__(self, spec: str, device: str, threads: int | None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.device = device
        t0 = time.perf_counter()
        net, self.cfg, self.name = _load_model(spec, device)
        self.base = net.eval()
        self.load_s = time.perf_counter() - t0
        self.prepared: dict[str, Any] = {}
        self.inputs: dict[tuple[int, int, str], tuple[Any, ...]] = {}
        from paintboard.inference import resolve_precision

        # what inference.Engine(device=...) would run with here (auto, PAINTBOARD_FP32 honoured)
        self.engine_precision = resolve_precision(torch.device(device), "auto")

    def autocast(self, variant: str) -> Any:
        from paintboard.inference import autocast

        torch = self.torch
        if variant == "engine":
            return autocast(torch.device(self.device), self.engine_precision)
        if variant == "bf16":
            return autocast(torch.device(self.device), "bf16")
        return contextlib.nullcontext()

    def net_for(self, variant: str) -> Any:
        if variant not in self.prepared:
            torch = self.torch
            net = self.base
            if variant in CHANNELS_LAST:
                net = copy.deepcopy(net).to(memory_format=torch.channels_last)
            if variant == "compile":
                net = torch.compile(net)
            elif variant == "fp16":
                net = copy.deepcopy(net).half()
            self.prepared[variant] = net
        return self.prepared[variant]

    def inputs_for(self, size: int, batch: int, variant: str) -> tuple[Any, ...]:
        key = (size, batch, variant)
        if key not in self.inputs:
            # keep only the current shape alive, so peak RSS reflects one shape at a time
            for k in [k for k in self.inputs if k[:2] != (size, batch)]:
                del self.inputs[k]
            latent, labels, maps, noise = _inputs(self.cfg, size, batch, self.device)
            if variant in CHANNELS_LAST:
                maps = maps.contiguous(memory_format=self.torch.channels_last)
            if variant == "fp16":
                latent, maps, noise = latent.half(), maps.half(), noise.half()
            self.inputs[key] = (latent, labels, maps, noise)
        return self.inputs[key]

    def call(self, size: int, batch: int, variant: str) -> float:
        """One forward pass; wall seconds (synchronised on GPU)."""
        torch = self.torch
        net = self.net_for(variant)
        latent, labels, maps, noise = self.inputs_for(size, batch, variant)
        ctx: Any = torch.no_grad() if variant == "no_grad" else torch.inference_mode()
        amp = self.autocast(variant)
        sync = torch.cuda.synchronize if self.device.startswith("cuda") else (lambda: None)
        sync()
        t0 = time.perf_counter()
        with ctx, amp:
            out = net(latent, labels, maps, noise)
            out = out.float()
        sync()
        dt = time.perf_counter() - t0
        del out
        return dt


def worker_main(argv: list[str]) -> int:
    """Child side: JSON commands on stdin, one JSON reply line per command on stdout."""
    spec, device, threads = argv[0], argv[1], int(argv[2]) or None
    out = sys.stdout
    sys.stdout = sys.stderr  # anything printed by libraries must not corrupt the reply stream
    try:
        runner = _Runner(spec, device, threads)
    except Exception as exc:  # report, don't hang the parent
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
        return 1
    from paintboard.nets import count_params

    hello = {
        "name": runner.name,
        "params": count_params(runner.base),
        "load_s": runner.load_s,
        "rss_kb": proc_rss_kb(os.getpid())[0],
        "threads": runner.torch.get_num_threads(),
        "device": device,
        "engine_precision": runner.engine_precision,
    }
    out.write(json.dumps(hello) + "\n")
    out.flush()
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("quit"):
            break
        try:
            times = [
                runner.call(cmd["size"], cmd["batch"], cmd["variant"]) for _ in range(cmd["n"])
            ]
            reply: dict[str, Any] = {"times": times}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        reply["peak_rss_kb"] = self_peak_rss_kb()
        reply["rss_kb"] = proc_rss_kb(os.getpid())[0]
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


def parse_spec(spec: str, threads: int | None) -> tuple[str, int | None, dict[str, str]]:
    """``MODEL[@tN][+passive|+active]`` → (model, threads, environment for the worker).

    ``@tN`` runs that worker with N torch threads; ``+passive`` sets ``OMP_WAIT_POLICY=PASSIVE``
    (OpenMP threads sleep instead of spinning at barriers) and ``+active`` sets ``ACTIVE`` (they
    spin: OpenMP's own default), which has to be in the environment before torch is imported,
    hence a separate process.  Without either the worker inherits this process's value, which
    ``import paintboard`` defaults to PASSIVE (what the Engine runs with).  So thread settings can
    be compared interleaved in one run: ``--models shipped@t1,shipped@t2+active,shipped@t2``.
    """
    env = dict(os.environ)
    model = spec
    for suffix, policy in (("+passive", "PASSIVE"), ("+active", "ACTIVE")):
        if suffix in model:
            model = model.replace(suffix, "")
            env["OMP_WAIT_POLICY"] = policy
    if "@t" in model:
        model, _, n = model.partition("@t")
        threads = int(n)
    return model, threads, env


class Worker:
    """Parent side of one model's worker process."""

    def __init__(self, spec: str, device: str, threads: int | None) -> None:
        self.spec = spec
        model, threads, env = parse_spec(spec, threads)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "paintboard.benchmark",
                "--worker",
                model,
                device,
                str(threads or 0),
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.hello = self._read()
        if "error" in self.hello:
            raise RuntimeError(f"model {spec!r}: {self.hello['error']}")

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker for {self.spec!r} died (rc {self.proc.wait()})")
        return json.loads(line)

    def run(self, size: int, batch: int, variant: str, n: int = 1) -> dict[str, Any]:
        assert self.proc.stdin is not None
        cmd = {"size": size, "batch": batch, "variant": variant, "n": n}
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- generator benchmark


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


def machine_info(threads: int | None) -> dict[str, Any]:
    import platform

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "threads": threads,
        "python": platform.python_version(),
        "load_avg": os.getloadavg(),
    }
    with contextlib.suppress(Exception):
        import torch

        info["torch"] = torch.__version__
    return info


# --------------------------------------------------------------------------- end to end


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
    from paintboard.client import Client

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


def parse_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_strs(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


@contextlib.contextmanager
def timed(label: str, log: Any = print) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    log(f"{label}: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.exit(worker_main(sys.argv[2:]))
    sys.exit("usage: python -m paintboard.benchmark --worker SPEC DEVICE THREADS (internal)")
