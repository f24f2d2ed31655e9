"""ZeroMQ ROUTER server (design §6): ping / info / generate / cancel over protocol v1.

Threads and sockets:

* The **main thread** owns the ROUTER socket and is the only thread that touches it (zmq sockets
  are not thread-safe). It answers ``ping``/``info`` at once, so a heartbeat is answered even while
  a long generation runs, validates every message, and queues ``generate`` jobs.
* One **worker thread** runs the engine. Results travel back to the main thread over an inproc
  PAIR socket, which also wakes the main thread's poller; the worker never sends on the ROUTER.

Scheduling: each client (ROUTER identity) has at most one *queued* generate. A newer one from the
same client takes the older one's place and the older one is answered with ``E_SUPERSEDED``
(live mode sends a request per stroke; only the newest matters, but nothing is silently lost).
Clients are served round-robin, so one busy client cannot starve another.

The server never dies on input: a malformed message gets an error reply when the peer can be
addressed, and a log line otherwise; an engine exception becomes an ``E_INTERNAL`` reply.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import zmq
import zmq.auth.thread

from paintboard import __version__, palette, protocol
from paintboard.curve import CurveConfig, endpoint_is_local
from paintboard.protocol import ProtocolError

log = logging.getLogger("paintboard.server")

POLL_MS = 100  # how often the main loop notices stop(); also bounds shutdown latency
DRAIN_BATCH = 64  # messages handled per wake-up before results get a turn


class EngineLike(Protocol):
    """What the server needs from :class:`paintboard.inference.Engine` (tests use fakes)."""

    def info(self) -> dict[str, Any]: ...

    def generate(self, labels: Any, strokes: Any, seed: int = 0, size: int = 256,
                 should_stop: Any = None) -> Any: ...  # fmt: skip


@dataclass
class Job:
    """One queued or running ``generate``."""

    envelope: list[bytes]  # routing identity (+ empty delimiter for REQ-style peers)
    header: dict[str, Any]
    params: dict[str, Any]  # protocol.check_generate's normalised fields
    buffers: list[Any]  # labels (+ strokes) frames, zero-copy
    received: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def client(self) -> bytes:
        return self.envelope[0]

    @property
    def id(self) -> Any:
        return self.header.get("id")

    @property
    def in_bytes(self) -> int:
        return sum(len(b) for b in self.buffers)


class Scheduler:
    """Per-client single-slot queue with round-robin order; shared by main and worker thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queued: dict[bytes, Job] = {}
        self._order: deque[bytes] = deque()
        self._running: Job | None = None
        self._closed = False

    def submit(self, job: Job) -> Job | None:
        """Queue ``job``; return the same client's older queued job that it supersedes."""
        with self._cond:
            old = self._queued.get(job.client)
            self._queued[job.client] = job
            if old is None:
                self._order.append(job.client)
            self._cond.notify()
            return old

    def cancel(self, client: bytes, target: Any) -> tuple[str | None, Job | None]:
        """Cancel ``client``'s request ``target``.

        Returns ("queued", job), ("running", job) or (None, None) when there is no such request.
        """
        with self._cond:
            job = self._queued.get(client)
            if job is not None and job.id == target:
                del self._queued[client]
                self._order.remove(client)
                return "queued", job
            job = self._running
            if job is not None and job.client == client and job.id == target:
                job.stop.set()
                return "running", job
            return None, None

    def take(self) -> Job | None:
        """Block until a job is due (round-robin over clients); None once closed."""
        with self._cond:
            while not self._order and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            client = self._order.popleft()
            self._running = self._queued.pop(client)
            return self._running

    def finished(self, job: Job) -> None:
        with self._cond:
            if self._running is job:
                self._running = None

    def close(self) -> list[Job]:
        """Stop handing out jobs; ask the running one to stop; return the never-started ones."""
        with self._cond:
            self._closed = True
            if self._running is not None:
                self._running.stop.set()
            left = list(self._queued.values())
            self._queued.clear()
            self._order.clear()
            self._cond.notify_all()
            return left

    def depth(self) -> int:
        with self._cond:
            return len(self._order)


def _client_tag(identity: bytes) -> str:
    return identity.hex()[-8:] or "-"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _labels_report(labels: Any) -> dict[str, Any]:
    """Engine's label report → the protocol's JSON shape ``unknown: [[r, g, b, count], ...]``."""
    labels = dict(labels or {})
    unknown = []
    for item in labels.get("unknown", []) or []:
        try:
            if len(item) == 2:  # ((r, g, b), count)
                unknown.append([*map(int, item[0]), int(item[1])])
            else:
                unknown.append([int(v) for v in item])
        except (TypeError, ValueError):
            continue
    return {
        "snapped": int(labels.get("snapped", 0)),
        "unknown": unknown,
        "unknown_pixels": int(labels.get("unknown_pixels", 0)),
    }


class Server:
    """The ROUTER server. ``serve_forever`` on the main thread; ``stop`` from anywhere."""

    def __init__(
        self,
        engine: EngineLike,
        endpoint: str = protocol.DEFAULT_ENDPOINT,
        curve: CurveConfig | None = None,
    ) -> None:
        if curve is None and not endpoint_is_local(endpoint):
            raise ValueError(
                f"refusing to listen on {endpoint} without CURVE keys: off-loopback "
                "binding needs --curve-keys DIR (create them with --make-keys DIR)"
            )
        self.engine = engine
        self.endpoint = endpoint
        self.curve = curve
        self._engine_info = dict(engine.info())
        self._model = str(self._engine_info.get("model", "unknown"))
        self._stopping = threading.Event()
        self._scheduler = Scheduler()
        self._ctx = zmq.Context()
        self._auth: zmq.auth.thread.ThreadAuthenticator | None = None
        self._router: zmq.Socket | None = None
        self._results: zmq.Socket | None = None
        self._results_addr = f"inproc://paintboard-results-{uuid.uuid4().hex}"
        self._worker: threading.Thread | None = None
        self.bound_endpoint: str | None = None
        self._bound = threading.Event()

    # ---- lifecycle ---------------------------------------------------------------------------

    def bind(self) -> str:
        """Create and bind the sockets (before serve_forever, so a port clash fails early)."""
        if self._router is not None:
            return self.bound_endpoint or self.endpoint
        router = self._ctx.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        router.setsockopt(zmq.MAXMSGSIZE, protocol.MAX_MESSAGE_BYTES)
        router.setsockopt(zmq.ROUTER_MANDATORY, 1)  # unroutable reply → an error we can log
        router.setsockopt(zmq.SNDHWM, 1000)
        if self.curve is not None:
            self._auth = zmq.auth.thread.ThreadAuthenticator(self._ctx)
            self._auth.start()
            self._auth.configure_curve(domain="*", location=str(self.curve.clients_dir))
            router.curve_server = True
            router.curve_publickey = self.curve.public_key
            router.curve_secretkey = self.curve.secret_key
        try:
            router.bind(self.endpoint)
        except zmq.ZMQError:
            router.close(0)
            if self._auth is not None:
                self._auth.stop()
            raise
        self._router = router
        self.bound_endpoint = router.getsockopt_string(zmq.LAST_ENDPOINT)
        self._results = self._ctx.socket(zmq.PAIR)
        self._results.setsockopt(zmq.LINGER, 0)
        self._results.bind(self._results_addr)
        self._bound.set()
        return self.bound_endpoint

    def wait_bound(self, timeout: float | None = None) -> bool:
        return self._bound.wait(timeout)

    def stop(self) -> None:
        """Ask serve_forever to return; safe from signal handlers and other threads."""
        self._stopping.set()

    def serve_forever(self) -> None:
        self.bind()
        assert self._router is not None and self._results is not None
        self._worker = threading.Thread(target=self._work, name="paintboard-worker", daemon=True)
        self._worker.start()
        curve = "CURVE" if self.curve else "plain (loopback only)"
        log.info("serving %s on %s, %s", self._model, self.bound_endpoint, curve)
        poller = zmq.Poller()
        poller.register(self._router, zmq.POLLIN)
        poller.register(self._results, zmq.POLLIN)
        try:
            while not self._stopping.is_set():
                events = dict(poller.poll(POLL_MS))
                if self._results in events:
                    self._forward_results()
                if self._router in events:
                    self._drain_router()
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        # Nothing silently lost: queued jobs and the running one's reply still go out.
        for job in self._scheduler.close():
            reply = protocol.error_reply(job.header, protocol.E_CANCELLED, "server shutting down")
            self._send(job.envelope, reply)
            self._log(job.client, job.id, "generate", protocol.E_CANCELLED, "shutdown")
        if self._worker is not None:
            self._worker.join(timeout=5.0)
            if self._worker.is_alive():
                log.warning("worker still busy after 5 s; exiting without it")
        if self._results is not None and self._router is not None:
            self._forward_results()
        for sock in (self._router, self._results):
            if sock is not None:
                sock.close(linger=0)
        if self._auth is not None:
            self._auth.stop()
        if self._worker is None or not self._worker.is_alive():
            self._ctx.term()  # would block on a stuck worker's socket; the process exits anyway
        log.info("server stopped")

    # ---- main thread: I/O --------------------------------------------------------------------

    def _send(self, envelope: list[bytes], header: dict[str, Any], buffers: list[Any] = ()) -> bool:
        assert self._router is not None
        try:
            self._router.send_multipart(
                [*envelope, *protocol.encode(header, buffers)], flags=zmq.NOBLOCK, copy=False
            )
            return True
        except zmq.ZMQError as exc:  # peer gone (EHOSTUNREACH) or its queue full (EAGAIN)
            log.warning("reply to client %s dropped: %s", _client_tag(envelope[0]), exc)
            return False

    def _forward_results(self) -> None:
        assert self._results is not None
        while True:
            try:
                frames = self._results.recv_multipart(flags=zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            n_env = int(frames[0].bytes)
            envelope = [f.bytes for f in frames[1 : 1 + n_env]]
            try:
                self._router.send_multipart(  # type: ignore[union-attr]
                    [*envelope, *frames[1 + n_env :]], flags=zmq.NOBLOCK, copy=False
                )
            except zmq.ZMQError as exc:
                log.warning("result for client %s dropped: %s", _client_tag(envelope[0]), exc)

    def _drain_router(self) -> None:
        assert self._router is not None
        for _ in range(DRAIN_BATCH):
            try:
                frames = self._router.recv_multipart(flags=zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            try:
                self._handle(frames)
            except Exception:  # never die on a message; this is a bug if it happens
                log.exception("unexpected error handling a message")
                envelope = [frames[0].bytes] if frames else []
                if envelope:
                    self._send(
                        envelope, protocol.error_reply(None, protocol.E_INTERNAL, "internal")
                    )

    def _handle(self, frames: list[zmq.Frame]) -> None:
        started = time.monotonic()
        envelope = [frames[0].bytes]
        rest = frames[1:]
        if rest and len(rest[0]) == 0 and len(rest) > 1:  # REQ-style empty delimiter
            envelope.append(b"")
            rest = rest[1:]
        header: dict[str, Any] | None = None
        try:
            if not rest or len(rest[0]) == 0:
                raise ProtocolError(
                    protocol.E_BAD_MESSAGE, "empty message: frame 0 must be a JSON header"
                )
            total = sum(len(f) for f in rest)
            if total > protocol.MAX_MESSAGE_BYTES:
                raise ProtocolError(protocol.E_TOO_LARGE, f"message is {total} bytes")
            header = protocol.decode_header(rest[0].bytes)
            protocol.check_request(header)
            buffers = [f.buffer for f in rest[1:]]
            op = header["op"]
            if op == protocol.OP_GENERATE:
                self._on_generate(envelope, header, buffers)
                return
            if buffers:
                raise ProtocolError(
                    protocol.E_BAD_REQUEST, f"'{op}' takes no buffer frames, got {len(buffers)}"
                )
            if op == protocol.OP_PING:
                reply = protocol.ok_reply(header, pong=True, queue=self._scheduler.depth())
            elif op == protocol.OP_INFO:
                reply = protocol.ok_reply(header, **self.info())
            else:
                reply = self._on_cancel(envelope, header)
            self._send(envelope, reply)
            self._log(envelope[0], header["id"], op, "ok", f"{time.monotonic() - started:.4f}s")
        except ProtocolError as exc:
            self._send(envelope, protocol.error_reply(header, exc.code, exc.message))
            rid = header.get("id") if isinstance(header, dict) else None
            op = header.get("op") if isinstance(header, dict) else None
            self._log(envelope[0], rid, op, exc.code, exc.message)

    def info(self) -> dict[str, Any]:
        """The ``info`` reply body: what a client needs to talk to this server."""
        engine = self._engine_info
        return {
            "version": __version__,
            "protocol": protocol.PROTOCOL_VERSION,
            "device": engine.get("device"),
            "model": self._model,
            "models": [self._model],
            "trained": bool(engine.get("trained", False)),
            "feature_s": engine.get("feature_s"),
            "palette": palette.palette_as_dicts(),
            "formats": list(protocol.PIXEL_FORMATS),
            "limits": {
                "max_side": protocol.MAX_SIDE,
                "max_pixels": protocol.MAX_PIXELS,
                "min_working_size": protocol.MIN_WORKING_SIZE,
                "max_working_size": protocol.MAX_WORKING_SIZE,
                "default_working_size": protocol.DEFAULT_WORKING_SIZE,
                "max_message_bytes": protocol.MAX_MESSAGE_BYTES,
            },
            "curve": self.curve is not None,
        }

    def _on_generate(
        self, envelope: list[bytes], header: dict[str, Any], buffers: list[Any]
    ) -> None:
        params = protocol.check_generate(header, buffers)
        if params["model"] is not None and params["model"] != self._model:
            raise ProtocolError(
                protocol.E_UNKNOWN_MODEL,
                f"model {params['model']!r} is not loaded; this server has {[self._model]}",
            )
        job = Job(envelope=envelope, header=header, params=params, buffers=buffers)
        old = self._scheduler.submit(job)
        if old is not None:
            msg = f"superseded by newer request {_short(job.id)} from the same client"
            self._send(old.envelope, protocol.error_reply(old.header, protocol.E_SUPERSEDED, msg))
            self._log(old.client, old.id, "generate", protocol.E_SUPERSEDED,
                      f"wait {time.monotonic() - old.received:.3f}s")  # fmt: skip

    def _on_cancel(self, envelope: list[bytes], header: dict[str, Any]) -> dict[str, Any]:
        target = header.get("target")
        if not isinstance(target, (str, int)) or isinstance(target, bool):
            raise ProtocolError(protocol.E_BAD_REQUEST, "cancel needs a 'target' (a request id)")
        state, job = self._scheduler.cancel(envelope[0], target)
        if state == "queued" and job is not None:
            reply = protocol.error_reply(job.header, protocol.E_CANCELLED, "cancelled while queued")
            self._send(job.envelope, reply)
            self._log(job.client, job.id, "generate", protocol.E_CANCELLED, "queued")
        # "running": the worker answers the target with E_CANCELLED when the engine stops.
        return protocol.ok_reply(header, target=target, cancelled=state)

    def _log(self, client: bytes, rid: Any, op: Any, status: str, detail: str = "") -> None:
        log.info("client=%s id=%s op=%s status=%s %s",
                 _client_tag(client), _short(rid), op, status, detail)  # fmt: skip

    # ---- worker thread -----------------------------------------------------------------------

    def _work(self) -> None:
        results = self._ctx.socket(zmq.PAIR)
        results.setsockopt(zmq.LINGER, 0)
        results.connect(self._results_addr)
        try:
            while True:
                job = self._scheduler.take()
                if job is None:
                    return
                try:
                    header, buffers = self._run_job(job)
                finally:
                    self._scheduler.finished(job)
                env = job.envelope
                frames = [str(len(env)).encode(), *env, *protocol.encode(header, buffers)]
                results.send_multipart(frames, copy=False)
        except zmq.ContextTerminated:
            return
        finally:
            results.close(linger=0)

    def _run_job(self, job: Job) -> tuple[dict[str, Any], list[bytes]]:
        """Run one generate; always returns a reply, never raises."""
        p = job.params
        start = time.monotonic()
        wait = start - job.received
        status, detail = "ok", ""
        in_bytes = job.in_bytes
        buffers: list[bytes] = []
        timings: dict[str, float] = {}
        try:
            t0 = time.perf_counter()
            from paintboard import images  # numpy/Pillow: keep `import server` light

            w, h = p["width"], p["height"]
            labels = images.from_bytes(job.buffers[0], w, h, p["labels_format"])
            strokes = None
            if p["strokes_format"] is not None:
                strokes = images.from_bytes(job.buffers[1], w, h, p["strokes_format"])
            job.buffers = []  # the frames can be freed now
            timings["unpack"] = time.perf_counter() - t0

            def should_stop() -> bool:
                return job.stop.is_set() or self._stopping.is_set()

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
            out = images.to_bytes(image, p["out_format"])
            timings.update({k: float(v) for k, v in (result.timings or {}).items()})
            timings["pack"] = time.perf_counter() - t0
            timings["queue_wait"] = wait
            timings["total"] = time.monotonic() - job.received
            header = protocol.ok_reply(
                job.header,
                width=p["width"],
                height=p["height"],
                format=p["out_format"],
                seed=int(getattr(result, "seed", p["seed"])),
                model=str(getattr(result, "model", self._model)),
                labels=_labels_report(getattr(result, "labels", None)),
                timings=timings,
            )
            buffers = [out]
        except Exception as exc:
            if job.stop.is_set() or self._stopping.is_set():
                status, msg = protocol.E_CANCELLED, "cancelled while generating"
            elif isinstance(getattr(exc, "code", None), str) and exc.code in protocol.ERROR_CODES:
                status, msg = exc.code, str(exc)  # inference.InputError and friends
            else:
                log.exception("engine failed on request %s", _short(job.id))
                status, msg = protocol.E_INTERNAL, f"internal error: {type(exc).__name__}: {exc}"
            header = protocol.error_reply(job.header, status, msg)
            detail = msg
        sizes = f"{p['width']}x{p['height']} in={in_bytes}"
        if buffers:
            sizes += f" out={len(buffers[0])}"
        times = " ".join(f"{k}={v:.3f}" for k, v in timings.items())
        self._log(job.client, job.id, "generate", status,
                  f"{sizes} wait={wait:.3f}s {times} {detail}".rstrip())  # fmt: skip
        return header, buffers


class _Stopped(Exception):
    """Internal: the job was cancelled or the server is stopping."""
