"""Results past the row cap stream from the embedded store's runners: complete, in every format,
not cached, and the runner is free again afterwards (tests/system/test_streaming.py covers the
network: a stream cut at its cap, a client that leaves mid-stream)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from ibigraph.config import Settings

from ..conftest import _protocol_settings, in_process_client

CROSS = "SELECT ?a ?d WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {n}"


@pytest.fixture(scope="module")
def settings(
    request: pytest.FixtureRequest,
    protocol_nquads: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """The protocol dataset's settings, with 100 rows held and up to 3000 streamed."""
    tmp = tmp_path_factory.mktemp("streaming")
    protocol = _protocol_settings("oxigraph", request, tmp, protocol_nquads)
    return protocol.with_(max_rows=100, max_stream_rows=3000, workers=1)


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[httpx.Client]:
    with in_process_client(settings) as client:
        yield client


@pytest.mark.parametrize(
    ("accept", "rows"),
    [
        ("application/sparql-results+json", lambda r: len(r.json()["results"]["bindings"])),
        ("text/csv", lambda r: len(r.text.strip().splitlines()) - 1),
        ("text/tab-separated-values", lambda r: len(r.text.strip().splitlines()) - 1),
        ("application/sparql-results+xml", lambda r: r.text.count("<result>")),
    ],
)
def test_a_result_past_the_row_cap_streams_whole(api: httpx.Client, accept: str, rows) -> None:  # type: ignore[no-untyped-def]
    small = api.get("/sparql", params={"query": CROSS.format(n=50)}, headers={"Accept": accept})
    assert "content-length" in small.headers  # held whole, as before
    r = api.get("/sparql", params={"query": CROSS.format(n=2500)}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert "content-length" not in r.headers and r.headers["etag"]
    assert r.headers["content-type"].startswith(accept)
    assert rows(r) == 2500


def test_the_streamed_rows_are_the_engines(api: httpx.Client, settings: Settings) -> None:
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"  # every triple: more than the cap of 100
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "text/tab-separated-values"})
    assert "content-length" not in r.headers
    got = sorted(r.text.strip().splitlines()[1:])
    store = ox.Store.read_only(str(settings.store_path.resolve()))
    solutions = store.query(q)
    assert isinstance(solutions, ox.QuerySolutions)
    expected = ox.QueryResultsFormat.TSV
    tsv = solutions.serialize(format=expected)
    assert tsv is not None
    assert got == sorted(tsv.decode().strip().splitlines()[1:]) and len(got) > 100


def test_a_construct_past_the_cap_streams(api: httpx.Client) -> None:
    q = "CONSTRUCT { ?a ?b ?d } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 2000"
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and "content-length" not in r.headers
    g = rdflib.Graph().parse(data=r.text, format="nt")
    assert len(r.text.strip().splitlines()) == len(g) > 100


def test_past_the_stream_cap_is_refused_when_it_is_known_early(api: httpx.Client) -> None:
    """A CONSTRUCT counts triples before it writes much: past the stream cap before the first
    chunk left, the client still gets a problem response."""
    q = "CONSTRUCT { ?a ?b ?d } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 5000"
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "application/n-triples"})
    if r.status_code != 200:  # otherwise cut mid-stream: tests/system/test_streaming.py
        assert r.status_code == 400 and "3000" in r.text


def test_a_stream_frees_its_runner_and_is_not_cached(api: httpx.Client) -> None:
    for _ in range(3):
        r = api.get("/sparql", params={"query": CROSS.format(n=1500)})
        assert len(r.json()["results"]["bindings"]) == 1500
    metrics = api.get("/metrics").text

    def counter(name: str) -> float:
        (line,) = [x for x in metrics.splitlines() if x.startswith(name + "_total ")]
        return float(line.split()[1])

    assert counter("ibigraph_query_cache_hits") == 0  # streamed: never kept
    assert counter("ibigraph_query_runners_stopped") == 0  # each stream ended its runner alive
    ask = api.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert ask.status_code == 200 and ask.json()["boolean"] is True


def test_a_stream_is_gzipped_chunk_by_chunk_when_asked(api: httpx.Client) -> None:
    q = CROSS.format(n=2500)
    with api.stream(
        "GET", "/sparql", params={"query": q}, headers={"Accept-Encoding": "gzip"}
    ) as r:
        compressed = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip" and "content-length" not in r.headers
    rows = json.loads(gzip.decompress(compressed))["results"]["bindings"]
    assert len(rows) == 2500
    plain = api.get("/sparql", params={"query": q}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(compressed) * 5 < len(plain.content)
    assert len(plain.json()["results"]["bindings"]) == 2500
