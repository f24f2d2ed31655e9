#!/usr/bin/env python3
"""Load test: concurrent clients against a real ``paintboard serve`` process on loopback.

Why: the plugin's live mode sends a request per stroke, several Krita windows may share one
backend, and the server runs for a whole painting session.  So: every request must be answered
(ok) or explicitly superseded (``E_SUPERSEDED``, when the same client sent a newer one), none lost
(no timeout) and none mixed up between clients, and the server's memory must not creep up.

Each client has its own document size (width and height derived from the client number) and
seeds that encode (client, request), so a reply delivered to the wrong client or for the wrong
request shows up as a wrong id, size or seed.  Some requests are sent as a quick burst of two
(live mode); the older one of a burst may be superseded, the newer one must be answered.

    .venv/bin/python scripts/load_test.py                      # 8 clients × 50 requests
    .venv/bin/python scripts/load_test.py --soak 30            # 30 minutes, RSS trend report
    .venv/bin/python scripts/load_test.py --endpoint tcp://127.0.0.1:5557

Exit status 0 when nothing was lost or mixed up (and, with --strict-rss, RSS did not grow).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from paintboard import palette, protocol  # noqa: E402

# RSS growth over the run (after warm-up) beyond both limits is reported as growth.
RSS_GROWTH_FRACTION = 0.20
RSS_GROWTH_MB = 50.0


def client_document(client: int) -> tuple[int, int, bytes]:
    """A distinct (width, height, labels RGBA8) per client: its fingerprint in every reply."""
    width, height = 40 + 8 * client, 32 + 4 * client
    names = [c.name for c in palette.PALETTE[1:]]
    top = palette.BY_NAME[names[client % len(names)]].rgb
    bottom = palette.BY_NAME[names[(client + 5) % len(names)]].rgb
    half = height // 2
    buf = bytes([*top, 255]) * (width * half) + bytes([*bottom, 255]) * (width * (height - half))
    return width, height, buf


def seed_for(client: int, request: int) -> int:
    return client * 100_000 + request


@dataclass
class ClientStats:
    sent: int = 0
    ok: int = 0
    superseded: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    lost: int = 0
    mixed: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


@dataclass
class LoadSummary:
    clients: int
    per_client: list[ClientStats]
    elapsed_s: float
    rss_samples: list[tuple[float, int]]  # (t, KiB)

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.per_client)

    @property
    def errors(self) -> collections.Counter[str]:
        out: collections.Counter[str] = collections.Counter()
        for c in self.per_client:
            out.update(c.errors)
        return out

    @property
    def mixed(self) -> list[str]:
        return [m for c in self.per_client for m in c.mixed]

    @property
    def answered_or_superseded(self) -> bool:
        """Every request got ok or E_SUPERSEDED: nothing lost, nothing else."""
        return (
            self.total("ok") + self.total("superseded") == self.total("sent")
            and self.total("lost") == 0
            and not self.errors
        )

    def rss_stats(self) -> dict[str, float]:
        if not self.rss_samples:
            return {}
        mb = [kb / 1024 for _, kb in self.rss_samples]
        warm = mb[max(1, len(mb) // 10) - 1]  # after ~10 % of the run: allocator warmed up
        out = {"first_mb": mb[0], "after_warmup_mb": warm, "last_mb": mb[-1], "max_mb": max(mb)}
        half = self.rss_samples[len(self.rss_samples) // 2 :]
        if len(half) >= 3:
            t = [s for s, _ in half]
            y = [kb / 1024 for _, kb in half]
            tm, ym = statistics.fmean(t), statistics.fmean(y)
            den = sum((a - tm) ** 2 for a in t) or 1.0
            out["slope_mb_per_min_second_half"] = (
                60 * sum((a - tm) * (b - ym) for a, b in zip(t, y, strict=True)) / den
            )
        out["grew"] = float(mb[-1] - warm > max(RSS_GROWTH_MB, RSS_GROWTH_FRACTION * warm))
        return out

    def report(self) -> str:
        lat = sorted(x for c in self.per_client for x in c.latencies)
        p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: 0)
        lines = [
            f"load: {self.clients} clients, {self.total('sent')} requests in "
            f"{self.elapsed_s:.1f} s ({self.total('sent') / max(self.elapsed_s, 1e-9):.1f} req/s)",
            f"  ok {self.total('ok')}, superseded {self.total('superseded')}, "
            f"lost {self.total('lost')}, other errors {dict(self.errors) or 0}, "
            f"mixed up {len(self.mixed)}",
            f"  latency ms (answered): median {p(0.5):.0f}, p95 {p(0.95):.0f}, max {p(1.0):.0f}",
            f"  every request answered or superseded: {self.answered_or_superseded}",
        ]
        rss = self.rss_stats()
        if rss:
            lines.append(
                f"  server RSS: first {rss['first_mb']:.0f} MB, after warm-up "
                f"{rss['after_warmup_mb']:.0f} MB, last {rss['last_mb']:.0f} MB, "
                f"max {rss['max_mb']:.0f} MB"
                + (
                    f", slope (2nd half) {rss['slope_mb_per_min_second_half']:+.1f} MB/min"
                    if "slope_mb_per_min_second_half" in rss
                    else ""
                )
                + ("  ** GROWTH **" if rss["grew"] else "  (stable)")
            )
        lines.extend(f"  MIXED: {m}" for m in self.mixed[:10])
        return "\n".join(lines)


def _check(
    stats: ClientStats,
    client: int,
    header: dict[str, Any],
    frames: list[bytes],
    expect_id: str,
    expect_seed: int,
    width: int,
    height: int,
    t_sent: float,
) -> None:
    """Classify one reply and check that it belongs to this client and this request."""
    if header.get("id") != expect_id:
        stats.mixed.append(f"client {client}: reply id {header.get('id')!r} != {expect_id!r}")
        return
    if header.get("ok") is True:
        if (
            header.get("width") != width
            or header.get("height") != height
            or header.get("seed") != expect_seed
            or len(frames) != 1
            or len(frames[0]) != width * height * 4
        ):
            stats.mixed.append(
                f"client {client} {expect_id}: got {header.get('width')}×{header.get('height')} "
                f"seed {header.get('seed')} ({len(frames[0]) if frames else 0} bytes), expected "
                f"{width}×{height} seed {expect_seed}"
            )
            return
        stats.ok += 1
        stats.latencies.append(time.perf_counter() - t_sent)
        return
    code = (header.get("error") or {}).get("code", "?")
    if code == protocol.E_SUPERSEDED:
        stats.superseded += 1
    else:
        stats.errors[code] += 1


def client_loop(
    endpoint: str,
    client: int,
    stats: ClientStats,
    requests: int | None,
    deadline: float | None,
    size: int,
    burst_prob: float,
    timeout: float,
    rng_seed: int,
) -> None:
    """One client: blocking generates, and now and then a live-mode burst of two."""
    from paintboard.serving.client import Client

    rng = random.Random(rng_seed * 1000 + client)
    width, height, labels = client_document(client)
    j = 0
    with Client(endpoint, timeout=timeout, retries=0) as cli:
        while (requests is None or j < requests) and (
            deadline is None or time.monotonic() < deadline
        ):
            burst = (
                2 if rng.random() < burst_prob and (requests is None or j + 2 <= requests) else 1
            )
            sent: dict[str, tuple[int, float]] = {}
            for _ in range(burst):
                seed = seed_for(client, j) % (2**31)
                rid = cli.send_generate(labels, None, width, height, seed=seed, size=size)
                sent[rid] = (seed, time.perf_counter())
                stats.sent += 1
                j += 1
            end = time.monotonic() + timeout
            while sent and time.monotonic() < end:
                got = cli.recv(timeout=max(0.0, end - time.monotonic()))
                if got is None:
                    break
                header, frames = got
                rid = header.get("id")
                if rid not in sent:
                    stats.mixed.append(f"client {client}: unexpected reply id {rid!r}")
                    continue
                seed, t_sent = sent.pop(rid)
                _check(stats, client, header, frames, rid, seed, width, height, t_sent)
            stats.lost += len(sent)
            if sent:  # the backend went silent: start afresh, as the plugin would
                cli.reconnect()


def run_load(
    endpoint: str,
    clients: int = 8,
    requests: int | None = 50,
    duration_s: float | None = None,
    size: int = protocol.MIN_WORKING_SIZE,
    burst_prob: float = 0.25,
    timeout: float = 60.0,
    seed: int = 0,
    rss: Callable[[], int] | None = None,
    rss_every_s: float = 0.5,
    log: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Run ``clients`` threads, each with its own Client (DEALER socket), and sample RSS."""
    if not protocol.endpoint_is_local(endpoint):
        raise SystemExit(f"refusing to load {endpoint}: loopback (tcp://127.0.0.1:PORT) only")
    stats = [ClientStats() for _ in range(clients)]
    deadline = time.monotonic() + duration_s if duration_s else None
    threads = [
        threading.Thread(
            target=client_loop,
            args=(endpoint, i, stats[i], requests, deadline, size, burst_prob, timeout, seed),
            name=f"load-client-{i}",
            daemon=True,
        )
        for i in range(clients)
    ]
    samples: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    next_log = t0 + 30
    while any(t.is_alive() for t in threads):
        if rss is not None:
            # server gone: the clients will report lost requests
            with contextlib.suppress(OSError):
                samples.append((time.perf_counter() - t0, rss()))
        if log is not None and time.perf_counter() > next_log:
            next_log += 30
            done = sum(s.sent for s in stats)
            log(f"  {time.perf_counter() - t0:.0f} s: {done} requests sent")
        for t in threads:
            t.join(timeout=rss_every_s / len(threads))
    if rss is not None:
        with contextlib.suppress(OSError):
            samples.append((time.perf_counter() - t0, rss()))
    return LoadSummary(clients, stats, time.perf_counter() - t0, samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=50, help="per client")
    parser.add_argument(
        "--soak", type=float, default=None, metavar="MINUTES", help="run for MINUTES instead"
    )
    parser.add_argument(
        "--size", type=int, default=protocol.DEFAULT_WORKING_SIZE, help="working size (%(default)s)"
    )
    parser.add_argument("--burst-prob", type=float, default=0.25)
    parser.add_argument("--timeout", type=float, default=120.0, help="per reply, seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--endpoint", default=None, help="a running server (tcp://127.0.0.1:PORT)")
    parser.add_argument("--server-args", default="", help="extra `paintboard serve` arguments")
    parser.add_argument("--strict-rss", action="store_true", help="fail when RSS grew")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from paintboard.bench.server_process import server_or_endpoint

    log = functools.partial(print, flush=True)
    with server_or_endpoint(args.endpoint, args.server_args, log) as (endpoint, server):
        summary = run_load(
            endpoint,
            clients=args.clients,
            requests=None if args.soak else args.requests,
            duration_s=args.soak * 60 if args.soak else None,
            size=args.size,
            burst_prob=args.burst_prob,
            timeout=args.timeout,
            seed=args.seed,
            rss=(lambda: server.rss_kb()[0]) if server else None,
            log=log,
        )
        alive = server.alive() if server else True
    log(summary.report())
    log(f"  server alive at the end: {alive}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "clients": summary.clients,
                    "sent": summary.total("sent"),
                    "ok": summary.total("ok"),
                    "superseded": summary.total("superseded"),
                    "lost": summary.total("lost"),
                    "errors": dict(summary.errors),
                    "mixed": summary.mixed,
                    "elapsed_s": summary.elapsed_s,
                    "rss": summary.rss_stats(),
                    "rss_samples": summary.rss_samples,
                },
                indent=2,
            )
        )
    good = summary.answered_or_superseded and not summary.mixed and alive
    if args.strict_rss and summary.rss_stats().get("grew"):
        good = False
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
