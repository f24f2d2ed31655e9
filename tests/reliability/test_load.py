"""Short load test (CI): 4 concurrent clients × 5 requests against a real server process."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_concurrent_clients_none_lost_or_mixed(server, load_test) -> None:
    summary = load_test.run_load(
        server.endpoint,
        clients=4,
        requests=5,
        size=64,
        burst_prob=0.4,
        timeout=120.0,
        seed=1,
        rss=lambda: server.rss_kb()[0],
    )
    assert summary.total("sent") == 20
    assert summary.mixed == [], summary.report()
    assert summary.total("lost") == 0, summary.report()
    assert summary.answered_or_superseded, summary.report()
    # the newest request of every burst must be answered: at least one ok per client
    assert all(c.ok >= 1 for c in summary.per_client), summary.report()
    assert server.alive() and summary.rss_samples


def test_client_fingerprints_are_distinct(load_test) -> None:
    """The mix-up check only works if no two clients share a document size."""
    sizes = {load_test.client_document(i)[:2] for i in range(64)}
    assert len(sizes) == 64
    seeds = {load_test.seed_for(c, r) for c in range(8) for r in range(1000)}
    assert len(seeds) == 8000
