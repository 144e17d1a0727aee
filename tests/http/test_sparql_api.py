"""The SPARQL endpoint over HTTP: the real app in process (ASGI), on each backend."""

from __future__ import annotations

import concurrent.futures
import csv
import gzip
import io
import json
import time

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, SPARQLWrapper

from ibigraph import __version__

from ..conftest import IN_PROCESS
from ..helpers import ID, SCHEMA, assert_problem

NAMES = f"""PREFIX schema: <{SCHEMA}>
SELECT ?e ?name WHERE {{ ?e a schema:Organization ; schema:name ?name }} ORDER BY ?name"""
EXPECTED_NAMES = [
    "Test Agency",
    "Test Alliance",
    "Test Brain Project",
    "Test Working Group",
]
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER (?s = <{ID}testland>) }}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


def names(response: httpx.Response) -> list[str]:
    ctype = response.headers["content-type"].split(";")[0]
    if ctype == "text/csv":  # lossy by design: plain strings, which is all we compare
        return [row["name"] for row in csv.DictReader(io.StringIO(response.text))]
    rows = ox.parse_query_results(response.content, format=RESULT_FORMATS[ctype])
    return [row["name"].value for row in rows]


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def expected_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    s = rdflib.URIRef(ID + "testland")
    for p, o in [
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", rdflib.URIRef(SCHEMA + "Country")),
        (SCHEMA + "name", rdflib.Literal("Testland", lang="en")),
    ]:
        g.add((s, rdflib.URIRef(p), o))
    return g


# --- the three ways to send a query ------------------------------------------------------------


def test_get_query_returns_json_rows(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": NAMES})
    assert r.status_code == 200
    assert media(r) == "application/sparql-results+json"
    assert r.headers["vary"].startswith("Accept")
    assert names(r) == EXPECTED_NAMES


def test_post_form_and_direct_post_agree_with_get(api: httpx.Client) -> None:
    form = api.post("/sparql", data={"query": NAMES})
    direct = api.post(
        "/sparql", content=NAMES, headers={"Content-Type": "application/sparql-query"}
    )
    assert names(form) == names(direct) == EXPECTED_NAMES


@pytest.mark.parametrize("accept", list(RESULT_FORMATS))
def test_select_in_every_results_format_parses_back_to_the_same_rows(
    api: httpx.Client, accept: str
) -> None:
    r = api.get("/sparql", params={"query": NAMES}, headers={"Accept": accept})
    assert r.status_code == 200 and media(r) == accept
    assert names(r) == EXPECTED_NAMES


@pytest.mark.parametrize("accept", list(GRAPH_FORMATS))
def test_construct_in_every_rdf_format_parses_back_to_the_same_graph(
    api: httpx.Client, accept: str
) -> None:
    r = api.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and media(r) == accept
    if accept in ("application/trig", "application/n-quads"):
        ds = rdflib.Dataset()
        ds.parse(data=r.text, format=GRAPH_FORMATS[accept])
        got = rdflib.Graph()
        for s, p, o, _ in ds.quads():
            got.add((s, p, o))
    else:
        got = rdflib.Graph().parse(data=r.text, format=GRAPH_FORMATS[accept])
    want = expected_graph()
    assert set(want) <= set(got)
    assert all(s == rdflib.URIRef(ID + "testland") for s in got.subjects())


def test_ask_answers_boolean(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": f"ASK {{ <{ID}testland> ?p ?o }}"})
    assert r.json()["boolean"] is True


# --- content negotiation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (
            "application/sparql-results+json,text/turtle;q=0.9",
            NAMES,
            "application/sparql-results+json",
        ),
        ("application/sparql-results+json,text/turtle;q=0.9", CONSTRUCT, "text/turtle"),
        ("text/csv;q=0.5, application/sparql-results+xml", NAMES, "application/sparql-results+xml"),
        ("text/*", NAMES, "text/csv"),
        ("application/*;q=0.2, text/tab-separated-values", NAMES, "text/tab-separated-values"),
        ("*/*", NAMES, "application/sparql-results+json"),
        ("*/*", CONSTRUCT, "text/turtle"),
        (
            'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
            CONSTRUCT,
            "application/ld+json",
        ),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            NAMES,
            "application/sparql-results+xml",
        ),
    ],
)
def test_accept_header_is_parsed_with_q_values_and_wildcards(
    api: httpx.Client, accept: str, query: str, expected: str
) -> None:
    r = api.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert media(r) == expected


def test_format_parameter_overrides_accept(api: httpx.Client) -> None:
    r = api.get(
        "/sparql",
        params={"query": NAMES, "format": "csv"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert media(r) == "text/csv"
    assert names(r) == EXPECTED_NAMES


def test_unknown_format_parameter_is_400(api: httpx.Client) -> None:
    r = api.get(
        "/sparql",
        params={"query": NAMES, "format": "yaml"},
        headers={"Accept": "application/problem+json"},
    )
    assert "unknown format 'yaml'" in assert_problem(r, 400)["detail"]


def test_406_lists_the_supported_types(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": NAMES}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    for t in RESULT_FORMATS:
        assert t in r.text
    r = api.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and "text/turtle" in r.text


# --- service description -------------------------------------------------------------------------


def test_service_description_lists_real_formats_and_dataset(api: httpx.Client) -> None:
    r = api.get("/sparql")
    assert r.status_code == 200 and media(r) == "text/turtle"
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(g.subjects(rdflib.RDF.type, sd.Service))
    assert g.value(service, sd.endpoint) == rdflib.URIRef(IN_PROCESS + "/sparql")
    formats = {str(f).rsplit("/", 1)[-1] for f in g.objects(service, sd.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "JSON-LD",
        "TriG",
        "N-Quads",
    }
    names = {str(n) for n in g.objects(None, sd.name)}
    assert "https://w3id.org/ibigraph/source/test-about" in names
    jsonld = api.get("/sparql", headers={"Accept": "application/ld+json"})
    assert media(jsonld) == "application/ld+json"
    assert isomorphic(rdflib.Graph().parse(data=jsonld.text, format="json-ld"), g) or len(
        rdflib.Graph().parse(data=jsonld.text, format="json-ld")
    ) == len(g)


# --- errors ---------------------------------------------------------------------------------------


def test_malformed_query_is_400_with_position(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "syntax error" in r.text.lower()
    problem = assert_problem(
        api.get(
            "/sparql",
            params={"query": "SELECT * WHERE { ?s ?p "},
            headers={"Accept": "application/problem+json"},
        ),
        400,
    )
    assert problem["title"] == "Malformed SPARQL query"


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "words"),
    [
        ("POST", {"data": {"default-graph-uri": "urn:x"}}, 400, "no `query`"),
        ("GET", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "once, not 2 times"),
        (
            "POST",
            {"content": "ASK {}", "headers": {"Content-Type": "text/plain"}},
            415,
            "application/sparql-query",
        ),
        ("POST", {"content": "ASK {}"}, 415, "without Content-Type"),
        ("PUT", {"content": "ASK {}"}, 405, "use GET or POST"),
        ("DELETE", {}, 405, "use GET or POST"),
        ("POST", {"data": {"update": "INSERT DATA { <a> <b> <c> }"}}, 403, "no access tokens"),
        ("GET", {"params": {"update": "CLEAR ALL"}}, 405, "POST"),
        ("GET", {"params": {"query": "INSERT DATA { <a> <b> <c> }"}}, 400, "SPARQL Update"),
        ("GET", {"params": {"query": "   "}}, 400, "empty"),
        (
            "POST",
            {
                "content": "ASK {}".encode("utf-16"),
                "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"},
            },
            415,
            "UTF-8",
        ),
        (
            "POST",
            {"content": b"ASK { \xff }", "headers": {"Content-Type": "application/sparql-query"}},
            400,
            "not UTF-8",
        ),
    ],
)
def test_bad_requests_get_clear_errors(
    api: httpx.Client, method: str, kwargs: dict, status: int, words: str
) -> None:  # type: ignore[type-arg]
    r = api.request(method, "/sparql", **kwargs)
    assert r.status_code == status, r.text
    assert words in r.text
    if status == 405:
        assert "POST" in r.headers["allow"]
    headers = {**kwargs.get("headers", {}), "Accept": "application/problem+json"}
    j = api.request(method, "/sparql", **{**kwargs, "headers": headers})
    assert words in assert_problem(j, status)["detail"]


def test_service_clause_is_refused_without_fetching(api: httpx.Client) -> None:
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "application/json"})
    assert "SERVICE is not allowed" in assert_problem(r, 400)["detail"]


def test_literal_mentioning_service_is_fine(api: httpx.Client) -> None:
    r = api.get("/sparql", params={"query": 'ASK { FILTER ("SERVICE" != "x") }'})
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_oversized_body_is_413(api: httpx.Client) -> None:
    big = "ASK {} #" + "x" * (70 * 1024)
    r = api.post(
        "/sparql",
        content=big,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/problem+json"},
    )
    assert "limit" in assert_problem(r, 413)["detail"]


def test_row_cap_gives_a_clear_message(api: httpx.Client) -> None:
    """Past the row cap a result streams on the embedded store (up to 2000 rows here: see
    test_streaming.py); the remote backend holds every result whole, so it refuses."""
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000"
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "application/json"})
    if r.status_code == 200:
        assert "content-length" not in r.headers  # streamed
        assert len(r.json()["results"]["bindings"]) == 1000
    else:
        assert "more than 500 rows" in assert_problem(r, 400)["detail"]
    ok = api.get("/sparql", params={"query": q.replace("1000", "500")})
    assert ok.status_code == 200 and len(ok.json()["results"]["bindings"]) == 500


def test_runaway_query_is_stopped_while_others_answer(api: httpx.Client) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        runaway = pool.submit(
            api.get,
            "/sparql",
            params={"query": RUNAWAY},
            headers={"Accept": "application/json"},
        )
        time.sleep(0.3)
        quick_started = time.monotonic()
        quick = api.get("/sparql", params={"query": "ASK {}"})
        quick_elapsed = time.monotonic() - quick_started
        stopped = runaway.result()
        elapsed = time.monotonic() - started
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_elapsed < 4, "a simple query answers while the runaway one runs"
    body = assert_problem(stopped, 503)
    assert "longer than 5 s" in body["detail"]
    assert 4.5 <= elapsed < 30
    if api.get("/ready").json()["backend"] == "remote":
        return  # the remote server stops its own work; nothing runs here
    # The query was stuck in one step (a count): its runner process was killed and replaced;
    # the worker process itself goes on (no restart) and answers throughout.
    metrics = api.get("/metrics").text
    assert "ibigraph_query_runners_stopped_total 1.0" in metrics
    assert "ibigraph_query_stuck_total 1.0" not in metrics
    assert api.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# --- HTTP niceties ---


def test_cors_allows_browser_clients(api: httpx.Client) -> None:
    r = api.get(
        "/sparql",
        params={"query": "ASK {}"},
        headers={"Origin": "https://yasgui.example"},
    )
    assert r.headers["access-control-allow-origin"] == "*"
    pre = api.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code in (200, 204)
    assert "POST" in pre.headers["access-control-allow-methods"]


def test_large_results_are_gzipped_when_asked(api: httpx.Client) -> None:
    q = "SELECT * WHERE { ?s ?p ?o . ?x ?y ?z } LIMIT 400"
    r = api.get("/sparql", params={"query": q}, headers={"Accept-Encoding": "gzip"})
    raw = api.build_request(
        "GET", "/sparql", params={"query": q}, headers={"Accept-Encoding": "gzip"}
    )
    stream = api.send(raw, stream=True)
    compressed = b"".join(stream.iter_raw())
    assert r.headers["content-encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(compressed))["results"]["bindings"]) == 400


def test_head_has_headers_and_no_body(api: httpx.Client) -> None:
    r = api.head("/sparql", params={"query": "ASK {}"})
    assert r.status_code == 200 and r.content == b""
    assert media(r) == "application/sparql-results+json"


def test_health_ready_and_metrics(api: httpx.Client) -> None:
    assert api.get("/health").json() == {"status": "ok", "version": __version__}
    ready = api.get("/ready").json()
    assert ready["status"] == "ready" and ready["query_threads"] >= 1
    api.get("/sparql", params={"query": "ASK {}"})
    metrics = api.get("/metrics").text
    assert 'ibigraph_http_requests_total{method="GET",path="/sparql",status="200"}' in metrics


# --- real clients ---


def test_sparqlwrapper_client(endpoint: str) -> None:
    """Real clients reach a real server (the `endpoint` process)."""
    client = SPARQLWrapper(endpoint + "/sparql")
    client.setQuery(NAMES)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    assert [b["name"]["value"] for b in result["results"]["bindings"]] == EXPECTED_NAMES  # type: ignore[index]


def test_rdflib_sparqlstore_client(endpoint: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = rdflib.Graph(store=SPARQLStore(endpoint + "/sparql", returnFormat="xml"))
    rows = g.query(NAMES)
    assert [str(r.name) for r in rows] == EXPECTED_NAMES  # type: ignore[union-attr]
    assert bool(g.query(f"ASK {{ <{ID}testland> ?p ?o }}").askAnswer)


def test_etag_and_if_none_match(api: httpx.Client) -> None:
    first = api.get("/sparql", params={"query": NAMES})
    etag = first.headers.get("etag")
    if etag is None:
        assert api.get("/ready").json()["store_version"] is None
        pytest.skip("this backend has no store version to key an ETag on")
    again = api.get("/sparql", params={"query": NAMES}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = api.get(
        "/sparql",
        params={"query": NAMES},
        headers={"If-None-Match": etag, "Accept": "text/csv"},
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_server_moves_to_a_rebuilt_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`ibigraph build` while serving: the next queries see the new store, with a new ETag."""
    import pyoxigraph as ox

    from ibigraph.store import write_store

    from ..server import run_server

    store = tmp_path / "store"
    a = ox.NamedNode("urn:x:a")
    p = ox.NamedNode("urn:x:p")
    write_store(store, [ox.Quad(a, p, ox.Literal("one"))])
    q = {"query": "SELECT ?o WHERE { <urn:x:a> <urn:x:p> ?o }"}
    with run_server(
        {"IBIGRAPH_STORE": str(store), "IBIGRAPH_WORKERS": "1"}, tmp_path / "log"
    ) as base:
        first = httpx.get(base + "/sparql", params=q)
        assert first.json()["results"]["bindings"][0]["o"]["value"] == "one"
        write_store(store, [ox.Quad(a, p, ox.Literal("two"))])
        time.sleep(0.6)  # the server looks for a new store twice a second
        second = httpx.get(
            base + "/sparql", params=q, headers={"If-None-Match": first.headers["etag"]}
        )
        assert second.status_code == 200
        assert second.json()["results"]["bindings"][0]["o"]["value"] == "two"


def test_graph_with_an_unknown_iri_matches_nothing(api: httpx.Client) -> None:
    """Virtuoso 7.2 would answer one empty solution here; the remote backend rewrites it."""
    for query, expected in [
        ("ASK { GRAPH <urn:x:nothing> { ?s ?p ?o } }", False),
        ("SELECT * WHERE { GRAPH <urn:x:nothing> { ?s ?p ?o } }", []),
    ]:
        r = api.post(
            "/sparql",
            data={"query": query},
            headers={"accept": "application/sparql-results+json"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        got = body["boolean"] if "boolean" in body else body["results"]["bindings"]
        assert got == expected, (query, body)
        if "head" in body and "vars" in body["head"]:
            assert set(body["head"]["vars"]) == {"s", "p", "o"}  # no helper variable leaks out


# --- predeclared prefixes and readable errors ---------------------------------------------------


def test_well_known_prefixes_are_predeclared(api: httpx.Client) -> None:
    r = api.get(
        "/sparql",
        params={
            "query": "SELECT ?name WHERE { ?s a schema:Organization ; schema:name ?name } LIMIT 1"
        },
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"]
    # a prefix alone (PNAME_NS) as a function's argument: the parser fails there otherwise
    # with a message that names no prefix
    bare = api.get(
        "/sparql",
        params={"query": "SELECT (STR(id:) AS ?ns) (STR(schema:) AS ?schema) {}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert bare.status_code == 200, bare.text
    (row,) = bare.json()["results"]["bindings"]
    assert row["schema"]["value"] == "https://schema.org/" and row["ns"]["value"].endswith("/id/")


def test_a_query_prefix_declaration_wins_over_the_predeclared_one(api: httpx.Client) -> None:
    q = "PREFIX schema: <http://example.org/nothing#> ASK { ?s schema:name ?n }"
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["boolean"] is False


def test_unknown_prefix_is_named_with_its_position_and_the_known_prefixes(
    api: httpx.Client, request: pytest.FixtureRequest
) -> None:
    r = api.get(
        "/sparql",
        params={"query": "SELECT * WHERE {\n  ?s foo:bar ?o }"},
        headers={"Accept": "application/problem+json"},
    )
    detail = assert_problem(r, 400)["detail"]
    if request.node.callspec.params["api"] == "oxigraph":  # a remote server words its own
        assert "unknown prefix `foo:` at line 2, column 6" in detail
        assert "schema:" in detail and "id:" in detail


def test_service_description_lists_the_predeclared_prefixes(api: httpx.Client) -> None:
    r = api.get("/sparql", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    declared = {
        str(g.value(d, sh.prefix)): str(g.value(d, sh.namespace))
        for d in g.objects(None, sh.declare)
    }
    assert declared["schema"] == "https://schema.org/"
    assert declared["id"] == "https://w3id.org/ibigraph/id/"
