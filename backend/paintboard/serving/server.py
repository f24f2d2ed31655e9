"""ZeroMQ ROUTER server (design §6): ping / info / generate / cancel over protocol v1.

Threads and sockets:

* The **main thread** owns the ROUTER socket and is the only thread that touches it (zmq sockets
  are not thread-safe). It answers ``ping``/``info`` at once, so a heartbeat is answered even while
  a long generation runs, validates every message, and queues ``generate`` jobs.
* One **worker thread** (:class:`.worker.Worker`) runs the engine. Results travel back to the
  main thread over an inproc PAIR socket, which also wakes the main thread's poller; the worker
  never sends on the ROUTER.

Scheduling (supersede, cancel, round-robin) lives in :mod:`.scheduler`, running a job in
:mod:`.worker`; this module owns the sockets, the dispatch of each op and the ``info`` reply.

The server never dies on input: a malformed message gets an error reply when the peer can be
addressed, and a log line otherwise; an engine exception becomes an ``E_INTERNAL`` reply.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import zmq
import zmq.auth.thread

from paintboard import __version__, palette, protocol
from paintboard.protocol import ProtocolError

from .curve import CurveConfig
from .requestlog import client_tag, log, log_request, short
from .scheduler import Job, Scheduler
from .worker import EngineLike, Worker

POLL_MS = 100  # how often the main loop notices stop(); also bounds shutdown latency
DRAIN_BATCH = 64  # messages handled per wake-up before results get a turn


class Server:
    """The ROUTER server. ``serve_forever`` on the main thread; ``stop`` from anywhere."""

    def __init__(
        self,
        engine: EngineLike,
        endpoint: str = protocol.DEFAULT_ENDPOINT,
        curve: CurveConfig | None = None,
    ) -> None:
        if curve is None and not protocol.endpoint_is_local(endpoint):
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
        worker = Worker(
            self.engine, self._scheduler, self._stopping, self._ctx, self._results_addr
        )
        self._worker = threading.Thread(target=worker.run, name="paintboard-worker", daemon=True)
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
            log_request(job.client, job.id, "generate", protocol.E_CANCELLED, "shutdown")
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
            log.warning("reply to client %s dropped: %s", client_tag(envelope[0]), exc)
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
                log.warning("result for client %s dropped: %s", client_tag(envelope[0]), exc)

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
            log_request(envelope[0], header["id"], op, "ok", f"{time.monotonic() - started:.4f}s")
        except ProtocolError as exc:
            self._send(envelope, protocol.error_reply(header, exc.code, exc.message))
            rid = header.get("id") if isinstance(header, dict) else None
            op = header.get("op") if isinstance(header, dict) else None
            log_request(envelope[0], rid, op, exc.code, exc.message)

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
            msg = f"superseded by newer request {short(job.id)} from the same client"
            self._send(old.envelope, protocol.error_reply(old.header, protocol.E_SUPERSEDED, msg))
            log_request(old.client, old.id, "generate", protocol.E_SUPERSEDED,
                        f"wait {time.monotonic() - old.received:.3f}s")  # fmt: skip

    def _on_cancel(self, envelope: list[bytes], header: dict[str, Any]) -> dict[str, Any]:
        target = header.get("target")
        if not isinstance(target, (str, int)) or isinstance(target, bool):
            raise ProtocolError(protocol.E_BAD_REQUEST, "cancel needs a 'target' (a request id)")
        state, job = self._scheduler.cancel(envelope[0], target)
        if state == "queued" and job is not None:
            reply = protocol.error_reply(job.header, protocol.E_CANCELLED, "cancelled while queued")
            self._send(job.envelope, reply)
            log_request(job.client, job.id, "generate", protocol.E_CANCELLED, "queued")
        # "running": the worker answers the target with E_CANCELLED when the engine stops.
        return protocol.ok_reply(header, target=target, cancelled=state)
