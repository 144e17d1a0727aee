"""The response cache against a real server with two worker processes, on both backends: a
write made through any process is seen by the next read in every process, never a result of
the store before it; repeated reads are answered from the cache (its counters in /metrics)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx

from ..conftest import ROOT, Writable

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


def test_two_servers_over_one_sparql_server_read_each_others_writes_at_once(
    tmp_path: Path,
) -> None:
    """The scale-out set-up on one host: two `ibigraph serve` over one Virtuoso. A fact written
    through one is found at once through the other, by a query (its response cache) and by
    search (its text index), which follow the host's write stamp."""
    from ..conftest import UNION_GRAPH, _tokens, protocol_dataset, require
    from ..server import run_server
    from ..virtuoso import PASSWORD, USER, run_virtuoso

    require("virtuoso")
    tokens_file, tokens = _tokens(tmp_path)
    with run_virtuoso(
        tmp_path / "virtuoso", nquads=protocol_dataset(tmp_path), default_graph=UNION_GRAPH
    ) as v:
        env = {
            "IBIGRAPH_BACKEND": "remote",
            "IBIGRAPH_REMOTE_QUERY_URL": v.query_url,
            "IBIGRAPH_REMOTE_UPDATE_URL": v.update_url_basic,
            "IBIGRAPH_REMOTE_USER": USER,
            "IBIGRAPH_REMOTE_PASSWORD": PASSWORD,
            "IBIGRAPH_REMOTE_DEFAULT_GRAPH": UNION_GRAPH,
            "IBIGRAPH_TOKENS_FILE": str(tokens_file),
            "IBIGRAPH_ONTOLOGY_DIR": str(ROOT / "ontology"),
            "IBIGRAPH_WORKERS": "1",
        }
        with (
            run_server(env, tmp_path / "a.log") as a,
            run_server(env, tmp_path / "b.log") as b,
            httpx.Client(base_url=a, timeout=60) as one,
            httpx.Client(base_url=b, timeout=60) as other,
        ):
            label = f"Scaled {uuid.uuid4().hex[:8]}"
            search = {"q": label, "limit": "5"}
            alliance = "https://w3id.org/ibigraph/id/test-alliance"
            before = other.get("/api/search", params=search).json()["results"]  # indexed
            assert alliance not in [h["id"] for h in before]
            assert _count(b) == 0  # and kept
            form = {
                "entity": "test-alliance", "property": "alternateName", "value": label,
                "language": "en", "source_url": "https://example.org/scaled",
                "source_title": "Scaled", "publisher": "Example", "action": "submit",
                "token": tokens["curator"],
            }  # fmt: skip
            assert one.post("/curate", data=form).status_code == 200
            write = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <s:x> <p:n> "1" }} }}'
            auth = {"authorization": f"Bearer {tokens['curator']}"}
            r = one.post(
                "/update",
                content=write,
                headers={**auth, "content-type": "application/sparql-update"},
            )
            assert r.status_code == 200, r.text
            assert _count(b) == 1
            hits = other.get("/api/search", params=search).json()["results"]
            assert [h["id"] for h in hits][:1] == [alliance]
