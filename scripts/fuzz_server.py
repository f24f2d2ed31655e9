#!/usr/bin/env python3
"""Fuzz a real ``paintboard serve`` process on loopback with malformed and hostile messages.

Why: the server is a long-lived process that a plugin (and, with CURVE, a network peer) feeds
bytes; one message that kills or wedges it loses the user's session.  Every case here must get
exactly one well-formed reply (an error, or ``ok`` where the mutation happened to stay valid),
and the server must keep serving: every ``--check-every`` messages, and at the end, a fresh client
checks ``ping`` and a real ``generate``.

Case families (each message is one of them, drawn from a seeded RNG so a failure reproduces with
the same ``--seed``): random bytes, truncated / non-UTF-8 / non-object / deeply nested / oversized
headers, mutated valid headers (field deleted, wrong type, out of range), wrong protocol versions,
unknown ops, buffers not matching width×height, huge dimensions, extra and missing frames, bad ids,
bad cancel targets, and valid ping / info / small generate messages.

    .venv/bin/python scripts/fuzz_server.py                  # 10 000 messages, own server
    .venv/bin/python scripts/fuzz_server.py -n 50000 --seed 3
    .venv/bin/python scripts/fuzz_server.py --endpoint tcp://127.0.0.1:5557   # running server

Exit status 0 only when every message was answered well-formed and every health check passed.
Loopback only: any other endpoint is refused.

Why this module is long: it is a standalone script (run by path, no package of its own), and
most of its length is the case families, each a short independent generator; splitting them
into modules would add import plumbing to a script without making any one case easier to read.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from paintboard import palette, protocol  # noqa: E402

ERROR_CODES = {
    protocol.E_BAD_MESSAGE,
    protocol.E_BAD_VERSION,
    protocol.E_UNKNOWN_OP,
    protocol.E_BAD_REQUEST,
    protocol.E_TOO_LARGE,
    protocol.E_UNKNOWN_MODEL,
    protocol.E_BAD_LABELS,
    protocol.E_SUPERSEDED,
    protocol.E_CANCELLED,
    protocol.E_INTERNAL,
}
ANY = "any"  # expect any well-formed reply, ok or error


@dataclass
class Case:
    """One fuzz message: its family, the frames to send, and what reply codes are acceptable.

    ``expect`` holds "ok" and/or error codes; ``{ANY}`` accepts any well-formed reply.  ``rid``
    is the id the reply must echo when the request carried a valid one.
    """

    kind: str
    frames: list[bytes]
    expect: set[str]
    rid: Any = None


# --------------------------------------------------------------------------- valid messages


def label_bytes(width: int, height: int, rgb: tuple[int, int, int] | None = None) -> bytes:
    """A labels layer (RGBA8): top half sky, bottom half grass, or one colour."""
    sky = bytes([*palette.BY_NAME["sky"].rgb, 255])
    grass = bytes([*palette.BY_NAME["grass"].rgb, 255])
    if rgb is not None:
        return bytes([*rgb, 255]) * (width * height)
    top = height // 2
    return sky * (width * top) + grass * (width * (height - top))


def generate_header(rid: Any, width: int = 48, height: int = 40, **over: Any) -> dict[str, Any]:
    """A valid generate header for a small document (working size 64: cheap on a CPU)."""
    fields = protocol.generate_fields(
        width, height, protocol.FORMAT_RGBA8, False, seed=1, size=protocol.MIN_WORKING_SIZE
    )
    header = protocol.request(protocol.OP_GENERATE, rid, **fields)
    header.update(over)
    return header


def valid_generate(rid: Any, width: int = 48, height: int = 40) -> list[bytes]:
    return protocol.encode(generate_header(rid, width, height), [label_bytes(width, height)])


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- generators


def _junk_value(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            False,
            -1,
            0,
            1,
            2**31,
            2**63,
            -(2**63),
            10**30,
            1.5,
            float("1e308"),
            "",
            "x" * rng.randint(1, 300),
            "\u00e9\u4e2d\U0001f600",
            [],
            [1, 2, 3],
            {},
            {"format": "RGBA8"},
            {"format": "CMYK8"},
            {"format": "RGBA16"},
            {"a": {"b": {"c": None}}},
        ]
    )


def case_random_bytes(rng: random.Random, i: int) -> Case:
    n = rng.randint(1, 4)
    frames = [rng.randbytes(rng.choice([0, 1, 2, 7, 64, 1000, 5000])) for _ in range(n)]
    if not frames[0] and n == 1:
        frames[0] = b"\x00"
    return Case("random_bytes", frames, set(ERROR_CODES))


def case_truncated(rng: random.Random, i: int) -> Case:
    rid = f"tr-{i}"
    frames = valid_generate(rid)
    head = frames[0]
    cut = rng.randint(1, len(head) - 1)
    return Case("truncated_header", [head[:cut], *frames[1:]], {protocol.E_BAD_MESSAGE})


def case_bad_header_encoding(rng: random.Random, i: int) -> Case:
    choice = rng.randrange(6)
    if choice == 0:
        head = b"\xff\xfe" + rng.randbytes(20)  # not UTF-8
        exp = {protocol.E_BAD_MESSAGE}
    elif choice == 1:
        head = dumps([1, 2, 3])  # JSON but not an object
        exp = {protocol.E_BAD_MESSAGE}
    elif choice == 2:
        head = dumps(rng.choice([1, "s", None, True, 3.5]))
        exp = {protocol.E_BAD_MESSAGE}
    elif choice == 3:
        depth = rng.choice([100, 1000, 20000])  # deep nesting: RecursionError in json
        head = b'{"v":1,"op":"ping","id":"d","x":' + b"[" * depth + b"]" * depth + b"}"
        exp = {protocol.E_BAD_MESSAGE, protocol.E_TOO_LARGE, "ok"}
    elif choice == 4:
        head = b'{"v":1,"op":"ping","id":"nan","x":NaN}'  # Python json accepts NaN
        exp = {ANY}
    else:
        head = b'{"v":1,"op":"ping","id":"dup","id":"dup2"}'  # duplicate keys: last wins
        exp = {"ok"}
    return Case("bad_header_encoding", [head], exp)


def case_oversized_header(rng: random.Random, i: int) -> Case:
    header = protocol.request(protocol.OP_PING, f"big-{i}")
    header["pad"] = "x" * (protocol.MAX_HEADER_BYTES + rng.randint(0, 200_000))
    return Case("oversized_header", [dumps(header)], {protocol.E_TOO_LARGE})


def case_mutated(rng: random.Random, i: int) -> Case:
    rid = f"mu-{i}"
    header = generate_header(rid)
    buffers = [label_bytes(48, 40)]
    key = rng.choice(
        ["width", "height", "labels", "strokes", "out_format", "seed", "size", "model", "new"]
    )
    if rng.random() < 0.3 and key in header:
        del header[key]
    else:
        header[key] = _junk_value(rng)
    if key == "strokes" and isinstance(header.get("strokes"), dict):
        buffers.append(label_bytes(48, 40))  # sometimes the right count, sometimes not
    return Case("mutated_header", protocol.encode(header, buffers), {ANY}, rid)


def case_wrong_version(rng: random.Random, i: int) -> Case:
    rid = f"ver-{i}"
    v = rng.choice([0, 2, 99, -1, "1", None, [1], {"v": 1}, 2**70])
    header = protocol.request(rng.choice(protocol.OPS), rid)
    header["v"] = v
    if rng.random() < 0.2:
        del header["v"]
    return Case("wrong_version", [dumps(header)], {protocol.E_BAD_VERSION}, rid)


def case_unknown_op(rng: random.Random, i: int) -> Case:
    rid = f"op-{i}"
    op = rng.choice(["", "PING", "gen", "shutdown", "exec", "__class__", None, 7, ["ping"]])
    header = {"v": protocol.PROTOCOL_VERSION, "op": op, "id": rid}
    if rng.random() < 0.2:
        del header["op"]
    return Case("unknown_op", [dumps(header)], {protocol.E_UNKNOWN_OP}, rid)


def case_bad_id(rng: random.Random, i: int) -> Case:
    header = {"v": protocol.PROTOCOL_VERSION, "op": protocol.OP_PING}
    rid = rng.choice([None, True, 1.5, [1], {"id": 1}])
    if rid is not None or rng.random() < 0.5:
        header["id"] = rid
    return Case("bad_id", [dumps(header)], {protocol.E_BAD_REQUEST})


def case_mismatched_sizes(rng: random.Random, i: int) -> Case:
    rid = f"mm-{i}"
    w, h = rng.randint(16, 80), rng.randint(16, 80)
    header = generate_header(rid, w, h)
    need = w * h * 4
    delta = rng.choice([-need, -4, -1, 1, 3, 4, need])
    with_strokes = rng.random() < 0.5
    bufs = [b"\x00" * (need + delta)]
    if with_strokes:
        header["strokes"] = {"format": protocol.FORMAT_BGRA8}
        bufs = [label_bytes(w, h), b"\x00" * (need + delta)] if rng.random() < 0.5 else bufs * 2
    return Case("mismatched_sizes", protocol.encode(header, bufs), {protocol.E_BAD_REQUEST}, rid)


def case_huge_dimensions(rng: random.Random, i: int) -> Case:
    rid = f"huge-{i}"
    w, h = rng.choice(
        [
            (protocol.MAX_SIDE + 1, 16),
            (16, protocol.MAX_SIDE + 1),
            (protocol.MAX_SIDE, protocol.MAX_SIDE),
            (10**9, 10**9),
            (2**62, 2),
            (0, 16),
            (16, 0),
            (-5, 16),
            (0, 0),
        ]
    )
    header = generate_header(rid, w, h)
    return Case(
        "huge_or_zero_dimensions",
        protocol.encode(header, [b"\x00" * 64]),
        {protocol.E_TOO_LARGE, protocol.E_BAD_REQUEST},
        rid,
    )


def case_bad_working_size(rng: random.Random, i: int) -> Case:
    rid = f"ws-{i}"
    size = rng.choice([0, 1, protocol.MIN_WORKING_SIZE - 1, protocol.MAX_WORKING_SIZE + 1, 10**6])
    header = generate_header(rid, size=size)
    return Case(
        "bad_working_size",
        protocol.encode(header, [label_bytes(48, 40)]),
        {protocol.E_TOO_LARGE, protocol.E_BAD_REQUEST},
        rid,
    )


def case_frames(rng: random.Random, i: int) -> Case:
    rid = f"fr-{i}"
    choice = rng.randrange(5)
    if choice == 0:  # generate without its buffer
        frames = [dumps(generate_header(rid))]
    elif choice == 1:  # generate with extra frames
        frames = protocol.encode(generate_header(rid), [label_bytes(48, 40)] * rng.randint(2, 5))
    elif choice == 2:  # strokes announced, frame missing
        frames = protocol.encode(
            generate_header(rid, strokes={"format": "RGBA8"}), [label_bytes(48, 40)]
        )
    elif choice == 3:  # ping / info with buffers
        op = rng.choice([protocol.OP_PING, protocol.OP_INFO, protocol.OP_CANCEL])
        frames = protocol.encode(protocol.request(op, rid, target="x"), [b"abc"])
    else:  # empty buffer frames
        frames = protocol.encode(generate_header(rid), [b"", b""])
    return Case("extra_or_missing_frames", frames, {protocol.E_BAD_REQUEST}, rid)


def case_bad_labels(rng: random.Random, i: int) -> Case:
    rid = f"lab-{i}"
    w, h = 48, 40
    # all transparent, or magenta (not a palette colour)
    buf = b"\x00" * (w * h * 4) if rng.random() < 0.5 else label_bytes(w, h, (255, 0, 255))
    return Case(
        "bad_labels",
        protocol.encode(generate_header(rid, w, h), [buf]),
        {protocol.E_BAD_LABELS},
        rid,
    )


def case_unknown_model(rng: random.Random, i: int) -> Case:
    rid = f"mod-{i}"
    header = generate_header(rid, model=rng.choice(["spade", "../../etc/passwd", "", "big"]))
    return Case(
        "unknown_model",
        protocol.encode(header, [label_bytes(48, 40)]),
        {protocol.E_UNKNOWN_MODEL},
        rid,
    )


def case_cancel(rng: random.Random, i: int) -> Case:
    rid = f"can-{i}"
    target = rng.choice([None, "nothing-running", 12345, True, [1], {"x": 1}])
    header = protocol.request(protocol.OP_CANCEL, rid)
    if target is not None:
        header["target"] = target
    ok = isinstance(target, (str, int)) and not isinstance(target, bool)
    return Case("cancel", [dumps(header)], {"ok"} if ok else {protocol.E_BAD_REQUEST}, rid)


def case_valid(rng: random.Random, i: int) -> Case:
    rid = f"ok-{i}"
    r = rng.random()
    if r < 0.6:
        return Case("valid_ping", [dumps(protocol.request(protocol.OP_PING, rid))], {"ok"}, rid)
    if r < 0.8:
        return Case("valid_info", [dumps(protocol.request(protocol.OP_INFO, rid))], {"ok"}, rid)
    w, h = rng.randint(16, 64), rng.randint(16, 64)
    return Case("valid_generate", valid_generate(rid, w, h), {"ok"}, rid)


def case_req_envelope(rng: random.Random, i: int) -> Case:
    """A REQ-style empty delimiter before the header: must be answered the same way."""
    rid = f"req-{i}"
    return Case("req_envelope", [b"", dumps(protocol.request(protocol.OP_PING, rid))], {"ok"}, rid)


# (generator, weight): cheap malformed cases dominate; valid generates stay rare (they cost a
# generator pass each).
FAMILIES: list[tuple[Callable[[random.Random, int], Case], float]] = [
    (case_random_bytes, 12),
    (case_truncated, 8),
    (case_bad_header_encoding, 6),
    (case_oversized_header, 2),
    (case_mutated, 16),
    (case_wrong_version, 6),
    (case_unknown_op, 6),
    (case_bad_id, 4),
    (case_mismatched_sizes, 8),
    (case_huge_dimensions, 6),
    (case_bad_working_size, 4),
    (case_frames, 8),
    (case_bad_labels, 1.5),
    (case_unknown_model, 2),
    (case_cancel, 4),
    (case_valid, 5),
    (case_req_envelope, 2),
]


def fuzz_cases(n: int, seed: int = 0) -> Iterator[Case]:
    """``n`` cases drawn from :data:`FAMILIES` with a seeded RNG (reproducible)."""
    rng = random.Random(seed)
    gens = [g for g, _ in FAMILIES]
    weights = [w for _, w in FAMILIES]
    for i in range(n):
        gen = rng.choices(gens, weights)[0]
        yield gen(rng, i)


# --------------------------------------------------------------------------- running


@dataclass
class Summary:
    sent: int = 0
    by_code: collections.Counter[str] = field(default_factory=collections.Counter)
    by_kind: dict[str, collections.Counter[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    health_checks: int = 0
    health_failures: int = 0
    elapsed_s: float = 0.0
    rss_kb: list[int] = field(default_factory=list)

    def record(self, case: Case, code: str) -> None:
        self.sent += 1
        self.by_code[code] += 1
        self.by_kind.setdefault(case.kind, collections.Counter())[code] += 1

    def fail(self, msg: str) -> None:
        if len(self.failures) < 50:
            self.failures.append(msg)

    @property
    def ok(self) -> bool:
        return not self.failures and self.health_failures == 0

    def report(self) -> str:
        lines = [
            f"fuzz: {self.sent} messages in {self.elapsed_s:.1f} s "
            f"({self.sent / max(self.elapsed_s, 1e-9):.0f}/s); "
            f"health checks {self.health_checks - self.health_failures}/{self.health_checks} ok",
            "replies per code: "
            + ", ".join(f"{k}={v}" for k, v in sorted(self.by_code.items(), key=lambda x: -x[1])),
            "per family:",
        ]
        for kind, counter in sorted(self.by_kind.items()):
            lines.append(
                f"  {kind:26s} " + ", ".join(f"{k}={v}" for k, v in sorted(counter.items()))
            )
        if self.rss_kb:
            first, last, top = (
                x / 1024 for x in (self.rss_kb[0], self.rss_kb[-1], max(self.rss_kb))
            )
            lines.append(f"server RSS: first {first:.0f} MB, last {last:.0f} MB, max {top:.0f} MB")
        lines.append(f"failures: {len(self.failures)}")
        lines.extend(f"  {f}" for f in self.failures[:20])
        return "\n".join(lines)


class RawPeer:
    """A bare DEALER socket (no client logic): sends frames exactly as given, reads the reply."""

    def __init__(self, endpoint: str) -> None:
        import zmq

        self.zmq = zmq
        self.endpoint = endpoint
        self.ctx = zmq.Context.instance()
        self.sock: Any = None
        self.open()

    def open(self) -> None:
        if self.sock is not None:
            self.sock.close(0)
        self.sock = protocol.open_dealer(self.ctx, self.endpoint)

    def exchange(self, frames: list[bytes], timeout: float) -> list[bytes] | None:
        self.sock.send_multipart(frames)
        if not self.sock.poll(int(timeout * 1000)):
            return None
        got = self.sock.recv_multipart()
        if len(got) > 1 and got[0] == b"":  # REQ-style delimiter echoed back
            got = got[1:]
        return got

    def close(self) -> None:
        self.sock.close(0)


def check_reply(case: Case, got: list[bytes] | None, summary: Summary) -> None:
    """Record the reply's code; flag missing, malformed, unexpected or mis-addressed replies."""
    if got is None:
        summary.record(case, "NO_REPLY")
        summary.fail(f"{case.kind}: no reply (frames {[f[:60] for f in case.frames][:2]})")
        return
    try:
        header = json.loads(got[0])
        assert isinstance(header, dict) and header.get("v") == protocol.PROTOCOL_VERSION
        assert isinstance(header.get("ok"), bool)
    except (ValueError, AssertionError):
        summary.record(case, "MALFORMED_REPLY")
        summary.fail(f"{case.kind}: malformed reply {got[0][:200]!r}")
        return
    if header["ok"]:
        code = "ok"
    else:
        err = header.get("error")
        code = err.get("code") if isinstance(err, dict) else None
        if code not in ERROR_CODES or not isinstance(err.get("message"), str):
            summary.record(case, f"BAD_ERROR:{code}")
            summary.fail(f"{case.kind}: bad error object {header!r:.200}")
            return
    summary.record(case, code)
    if ANY not in case.expect and code not in case.expect:
        summary.fail(f"{case.kind}: got {code}, expected {sorted(case.expect)}: {header!r:.300}")
    if code == protocol.E_INTERNAL:
        summary.fail(f"{case.kind}: internal error (a server bug): {header!r:.300}")
    if case.rid is not None and header.get("id") not in (case.rid, None):
        summary.fail(f"{case.kind}: reply id {header.get('id')!r} != request id {case.rid!r}")
    # the header parsed, so the server could and should echo the id
    no_header = (protocol.E_BAD_MESSAGE, protocol.E_TOO_LARGE)
    if case.rid is not None and header.get("id") is None and code not in no_header:
        summary.fail(f"{case.kind}: reply without id for request {case.rid!r}: {code}")


def health_check(endpoint: str, timeout: float = 60.0) -> str | None:
    """Ping and one real generate through the project's own Client; None when healthy."""
    from paintboard.serving.client import Client, ClientError

    try:
        with Client(endpoint, timeout=timeout, retries=0) as client:
            client.ping(timeout=5.0, retries=0)
            w, h = 64, 48
            header, image = client.generate(label_bytes(w, h), None, w, h, size=64, seed=5)
            if len(image) != w * h * 4 or header.get("width") != w:
                return f"generate returned {len(image)} bytes / {header!r:.200}"
    except ClientError as exc:
        return f"health check failed: {exc}"
    return None


def run_fuzz(
    endpoint: str,
    n: int,
    seed: int = 0,
    check_every: int = 500,
    timeout: float = 30.0,
    rss: Callable[[], int] | None = None,
    alive: Callable[[], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> Summary:
    """Send ``n`` fuzz cases one at a time, each awaiting its reply; health-check periodically."""
    if not protocol.endpoint_is_local(endpoint):
        raise SystemExit(f"refusing to fuzz {endpoint}: loopback (tcp://127.0.0.1:PORT) only")
    summary = Summary()
    peer = RawPeer(endpoint)
    t0 = time.perf_counter()
    try:
        for i, case in enumerate(fuzz_cases(n, seed), start=1):
            got = peer.exchange(case.frames, timeout)
            check_reply(case, got, summary)
            if got is None:
                peer.open()  # a fresh connection, as a real client would after a timeout
            if i % check_every == 0 or i == n:
                summary.health_checks += 1
                problem = health_check(endpoint)
                if alive is not None and not alive():
                    problem = "server process died"
                if problem:
                    summary.health_failures += 1
                    summary.fail(f"after {i} messages: {problem}")
                if rss is not None:
                    summary.rss_kb.append(rss())
                if log is not None:
                    log(f"  {i}/{n} messages, {len(summary.failures)} failures")
                if alive is not None and not alive():
                    break
    finally:
        peer.close()
        summary.elapsed_s = time.perf_counter() - t0
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check-every", type=int, default=500)
    parser.add_argument(
        "--endpoint", default=None, help="fuzz a running server (tcp://127.0.0.1:PORT)"
    )
    parser.add_argument("--server-args", default="", help="extra `paintboard serve` arguments")
    parser.add_argument("--json", type=Path, default=None, help="write the summary as JSON")
    args = parser.parse_args(argv)

    from paintboard.bench.server_process import server_or_endpoint

    log = functools.partial(print, flush=True)
    with server_or_endpoint(args.endpoint, args.server_args, log) as (endpoint, server):
        summary = run_fuzz(
            endpoint,
            args.messages,
            seed=args.seed,
            check_every=args.check_every,
            rss=(lambda: server.rss_kb()[0]) if server else None,
            alive=server.alive if server else None,
            log=log,
        )
        if server is not None and not server.alive():
            summary.fail(f"server died:\n{server.log()}")
    log(summary.report())
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "sent": summary.sent,
                    "by_code": summary.by_code,
                    "by_kind": summary.by_kind,
                    "failures": summary.failures,
                    "health_checks": summary.health_checks,
                    "health_failures": summary.health_failures,
                    "elapsed_s": summary.elapsed_s,
                    "rss_kb": summary.rss_kb,
                },
                indent=2,
            )
        )
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
