"""Which ``generate`` runs next: one queued job per client, superseding, cancelling, round-robin.

Each client (ROUTER identity) has at most one *queued* generate. A newer one from the same client
takes the older one's place and the caller answers the older one with ``E_SUPERSEDED`` (live mode
sends a request per stroke; only the newest matters, but nothing is silently lost). Clients are
served round-robin, so one busy client cannot starve another. Shared by the server's main thread
(submit, cancel) and the worker thread (take, finished), hence the condition variable.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


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
