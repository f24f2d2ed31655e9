"""The worker thread: runs one ``generate`` job at a time and turns it into a reply.

Frames → RGBA arrays (:mod:`.frames`) → ``engine.generate`` → frames. Every outcome becomes a
reply: model errors are mapped to protocol codes here (the model layer raises ``InputError`` with
a ``reason`` and ``Cancelled``, and never learns the wire's codes); anything else is an
``E_INTERNAL`` reply and a logged traceback. Replies travel to the main thread over an inproc
PAIR socket, which also wakes the main thread's poller; the worker never touches the ROUTER.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

import zmq

from paintboard import protocol

from .requestlog import log, log_request, short
from .scheduler import Job, Scheduler

# ``reason`` of a model-layer exception → the protocol error code of the reply.
REASON_CODES = {
    "labels": protocol.E_BAD_LABELS,  # inference.InputError: the labels layer is unusable
    "request": protocol.E_BAD_REQUEST,  # inference.InputError: arrays of the wrong shape
    "cancelled": protocol.E_CANCELLED,  # inference.Cancelled
}


class EngineLike(Protocol):
    """What serving needs from :class:`paintboard.inference.Engine` (tests use fakes)."""

    def info(self) -> dict[str, Any]: ...

    def generate(self, labels: Any, strokes: Any, seed: int = 0, size: int = 256,
                 should_stop: Any = None) -> Any: ...  # fmt: skip


class _Stopped(Exception):
    """Internal: the job was cancelled or the server is stopping."""


def error_code(exc: BaseException) -> str | None:
    """The protocol code for a model-layer exception, or None for an unexpected one."""
    return REASON_CODES.get(getattr(exc, "reason", None))  # type: ignore[arg-type]


class Worker:
    """Takes jobs from ``scheduler`` until it closes; sends each reply to ``results_addr``."""

    def __init__(
        self,
        engine: EngineLike,
        scheduler: Scheduler,
        stopping: threading.Event,
        context: zmq.Context,
        results_addr: str,
    ) -> None:
        self.engine = engine
        self.scheduler = scheduler
        self.stopping = stopping
        self.context = context
        self.results_addr = results_addr

    def run(self) -> None:
        results = self.context.socket(zmq.PAIR)
        results.setsockopt(zmq.LINGER, 0)
        results.connect(self.results_addr)
        try:
            while True:
                job = self.scheduler.take()
                if job is None:
                    return
                try:
                    header, buffers = self.run_job(job)
                finally:
                    self.scheduler.finished(job)
                env = job.envelope
                frames = [str(len(env)).encode(), *env, *protocol.encode(header, buffers)]
                results.send_multipart(frames, copy=False)
        except zmq.ContextTerminated:
            return
        finally:
            results.close(linger=0)

    def run_job(self, job: Job) -> tuple[dict[str, Any], list[bytes]]:
        """Run one generate; always returns a reply, never raises."""
        p = job.params
        wait = time.monotonic() - job.received
        status, detail = "ok", ""
        in_bytes = job.in_bytes
        buffers: list[bytes] = []
        timings: dict[str, float] = {}

        def should_stop() -> bool:
            return job.stop.is_set() or self.stopping.is_set()

        try:
            t0 = time.perf_counter()
            from . import frames  # numpy: keep `import paintboard.serving.server` light

            labels, strokes = frames.layers(p, job.buffers)
            job.buffers = []  # the frames can be freed now
            timings["unpack"] = time.perf_counter() - t0
            if should_stop():
                raise _Stopped
            result = self.engine.generate(
                labels, strokes, seed=p["seed"], size=p["size"], should_stop=should_stop
            )
            if should_stop():
                raise _Stopped
            image = result.image
            if tuple(image.shape) != (p["height"], p["width"], 4):
                raise RuntimeError(
                    f"engine returned {image.shape}, expected {p['height']}×{p['width']}×4"
                )
            t0 = time.perf_counter()
            out = frames.to_bytes(image, p["out_format"])
            timings.update({k: float(v) for k, v in (result.timings or {}).items()})
            timings["pack"] = time.perf_counter() - t0
            timings["queue_wait"] = wait
            timings["total"] = time.monotonic() - job.received
            header = protocol.ok_reply(
                job.header,
                width=p["width"],
                height=p["height"],
                format=p["out_format"],
                seed=int(result.seed),
                model=str(result.model),
                labels=result.labels,  # the engine's report is already in wire shape
                timings=timings,
            )
            buffers = [out]
        except Exception as exc:
            if should_stop():
                status, msg = protocol.E_CANCELLED, "cancelled while generating"
            elif (code := error_code(exc)) is not None:
                status, msg = code, str(exc)
            else:
                log.exception("engine failed on request %s", short(job.id))
                status, msg = protocol.E_INTERNAL, f"internal error: {type(exc).__name__}: {exc}"
            header = protocol.error_reply(job.header, status, msg)
            detail = msg
        sizes = f"{p['width']}x{p['height']} in={in_bytes}"
        if buffers:
            sizes += f" out={len(buffers[0])}"
        times = " ".join(f"{k}={v:.3f}" for k, v in timings.items())
        log_request(job.client, job.id, "generate", status,
                    f"{sizes} wait={wait:.3f}s {times} {detail}".rstrip())  # fmt: skip
        return header, buffers
