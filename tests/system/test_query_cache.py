"""The response cache against a real server with two worker processes, on both backends: a
write made through any process is seen by the next read in every process, never a result of
the store before it; repeated reads are answered from the cache (its counters in /metrics)."""

from __future__ import annotations

import re

import httpx

from ..conftest import Writable

GRAPH = "http://example.org/cache-test"
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"


def _count(base: str) -> int:
    """The count, asked on a new connection (so the two workers both answer, in turn)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
        assert r.status_code == 200, r.text
        return int(r.text.split()[1])


def _hits(client: httpx.Client) -> float:
    text = client.get("/metrics").text
    found = re.search(r"^ibigraph_query_cache_hits_total (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_write_through_either_process_is_read_at_once_by_every_process(
    served_writable: Writable,
) -> None:
    client, base = served_writable.client, served_writable.base
    hits = _hits(client)
    for n in range(4):
        assert {_count(base) for _ in range(10)} == {n}  # never the store before the write
        r = served_writable.update(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <s:x> <p:n> "{n}" }} }}')
        assert r.status_code == 200, r.text
    assert _count(base) == 4
    assert _hits(client) >= hits + 4 * 8  # of 10 reads a round, at most 2 (a worker each) missed
