"""The reliability scripts' set-up: a named running server, or a fresh loopback one for the run."""

from __future__ import annotations

from paintboard.bench.server_process import raw_ping, server_or_endpoint


def test_a_named_endpoint_is_used_as_it_is() -> None:
    said: list[str] = []
    with server_or_endpoint("tcp://127.0.0.1:9", "", said.append) as (endpoint, server):
        assert (endpoint, server) == ("tcp://127.0.0.1:9", None)
    assert said == []  # nothing started, nothing to say


def test_without_one_a_loopback_server_lives_for_the_block(serve_args: list[str]) -> None:
    said: list[str] = []
    with server_or_endpoint(None, " ".join(serve_args), said.append) as (endpoint, server):
        assert server is not None and endpoint.startswith("tcp://127.0.0.1:")
        assert raw_ping(endpoint, timeout=5.0) is not None
        assert said == [f"server pid {server.proc.pid} on {endpoint}"]
    assert not server.alive()
