"""A real Virtuoso from tests/virtuoso.py: N-Quads loading, queries, SPARQL Update over HTTP.

Skipped when Virtuoso is missing, except under CI=true, where that is a failure: run
``.ci/install-virtuoso``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from SPARQLWrapper import BASIC, DIGEST, JSON, POST, SPARQLWrapper

from ..optional import require
from ..virtuoso import (
    DEFAULT_GRAPH,
    VirtuosoServer,
    is_system_graph,
    run_virtuoso,
)

A = "urn:x-test:graph-a"
B = "urn:x-test:graph-b"
S, P = "https://w3id.org/ibigraph/id/s", "https://w3id.org/ibigraph/ontology#p"

NQUADS = f"""\
<{S}> <{P}> "shared" <{A}> .
<{S}> <{P}> "only in A" <{A}> .
<{S}> <https://schema.org/name> "S"@en <{A}> .
<{S}> <{P}> "shared" <{B}> .
_:x <{P}> "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> <{B}> .
<{S}> <{P}> "in the default graph" .
<urn:x-test:t> <{P}> <{S}> .
"""
EXPECTED = {A: 3, B: 2, DEFAULT_GRAPH: 2}


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    require("virtuoso")
    tmp = tmp_path_factory.mktemp("virtuoso")
    nq = tmp / "tiny.nq"
    nq.write_text(NQUADS)
    with run_virtuoso(tmp / "server", nq) as server:
        yield server


def select(url: str, query: str, default_graphs: tuple[str, ...] = ()) -> list[dict[str, str]]:
    sw = SPARQLWrapper(url)
    for g in default_graphs:
        sw.addDefaultGraph(g)
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    res = sw.queryAndConvert()
    return [{k: v["value"] for k, v in b.items()} for b in res["results"]["bindings"]]


def update(server: VirtuosoServer, text: str, basic: bool = False) -> None:
    sw = SPARQLWrapper(server.update_url_basic if basic else server.update_url)
    sw.setHTTPAuth(BASIC if basic else DIGEST)
    sw.setCredentials(server.user, server.password)
    sw.setMethod(POST)
    sw.setQuery(text)
    sw.query()


def graph_counts(server: VirtuosoServer) -> dict[str, int]:
    rows = select(
        server.query_url,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    )
    return {r["g"]: int(r["n"]) for r in rows if not is_system_graph(r["g"])}


def test_nquads_load_keeps_named_graphs_and_fills_the_default_graph(
    virtuoso: VirtuosoServer,
) -> None:
    assert graph_counts(virtuoso) == EXPECTED


def test_insert_data_through_the_update_url(virtuoso: VirtuosoServer) -> None:
    g = "urn:x-test:inserted"
    update(virtuoso, f'INSERT DATA {{ GRAPH <{g}> {{ <{S}> <{P}> "new", "newer" }} }}')
    try:
        assert graph_counts(virtuoso) == {**EXPECTED, g: 2}
    finally:
        update(virtuoso, f"DROP SILENT GRAPH <{g}>", basic=True)
    assert graph_counts(virtuoso) == EXPECTED


def test_anonymous_endpoint_is_read_only(virtuoso: VirtuosoServer) -> None:
    sw = SPARQLWrapper(virtuoso.query_url)
    sw.setMethod(POST)
    sw.setQuery(f'INSERT DATA {{ GRAPH <{A}> {{ <{S}> <{P}> "sneaky" }} }}')
    with pytest.raises(Exception, match=r"(?i)permission|security"):
        sw.query()
    assert graph_counts(virtuoso) == EXPECTED


def test_virtuoso_dataset_semantics(virtuoso: VirtuosoServer) -> None:
    """Pins what Virtuoso 7.2 does, which differs from the spec: the implicit default
    graph is every graph as a bag, and FROM A FROM B is a bag too, not an RDF merge."""
    q = f"SELECT ?o WHERE {{ <{S}> <{P}> ?o }}"

    def objects(*default_graphs: str, query: str = q) -> list[str]:
        return sorted(r["o"] for r in select(virtuoso.query_url, query, default_graphs))

    assert objects() == ["in the default graph", "only in A", "shared", "shared"]
    assert objects(A) == ["only in A", "shared"]
    assert objects(A, B) == ["only in A", "shared", "shared"]
    from_a_from_b = f"SELECT ?o FROM <{A}> FROM <{B}> WHERE {{ <{S}> <{P}> ?o }}"
    assert objects(query=from_a_from_b) == ["only in A", "shared", "shared"]
    assert objects(DEFAULT_GRAPH) == ["in the default graph"]
    # A default-graph-uri alone does not limit GRAPH ?g: every graph stays a named graph,
    # Virtuoso's own system graphs included. (And `GRAPH ?g {}` leaves ?g unbound there.)
    graphs = {
        r["g"]
        for r in select(virtuoso.query_url, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", (A,))
    }
    assert {A, B, DEFAULT_GRAPH} < graphs
    assert any(is_system_graph(g) for g in graphs)
