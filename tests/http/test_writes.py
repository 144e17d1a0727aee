"""Curated writes over HTTP (SPARQL Update, Graph Store Protocol) on both backends, with real
servers: authentication, the SHACL gate, provenance, limits and concurrency."""

from __future__ import annotations

import socket
import threading
import uuid

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic

from ..conftest import Writable
from ..helpers import ID, SRC

PREFIXES = f"""PREFIX id: <{ID}>
PREFIX src: <{SRC}>
PREFIX schema: <https://schema.org/>
PREFIX ibi: <https://w3id.org/ibigraph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _alt_name(label: str) -> str:
    fact = f'id:test-alliance schema:alternateName "{label}"@en'
    return PREFIXES + f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}"


def _has_alt_name(w: Writable, label: str, graph: str | None = f"{SRC}test-about") -> bool:
    pattern = f'<{ID}test-alliance> <https://schema.org/alternateName> "{label}"@en'
    return w.ask(f"ASK {{ GRAPH <{graph}> {{ {pattern} }} }}" if graph else f"ASK {{ {pattern} }}")


def _unique() -> str:
    return "W" + uuid.uuid4().hex[:8]


# -- authentication ----------------------------------------------------------------------------
def test_update_without_token_is_401_with_bearer_challenge(writable: Writable) -> None:
    label = _unique()
    r = writable.update(_alt_name(label), role=None)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "bearer token" in r.text
    assert not _has_alt_name(writable, label)


def test_update_with_unknown_token_is_401_invalid_token(writable: Writable) -> None:
    label = _unique()
    r = writable.update(_alt_name(label), role=None, authorization="Bearer ibg_not-a-token")
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert not _has_alt_name(writable, label)


def test_update_with_reader_token_is_403(writable: Writable) -> None:
    label = _unique()
    r = writable.update(_alt_name(label), role="reader", accept="application/json")
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert "curator role" in r.json()["detail"]
    assert not _has_alt_name(writable, label)


def test_writes_are_disabled_without_a_tokens_file(api: httpx.Client) -> None:
    r = api.post(
        "/update",
        content=_alt_name("x").encode(),
        headers={"content-type": "application/sparql-update", "authorization": "Bearer x"},
    )
    assert r.status_code == 403
    assert "ibigraph token add" in r.text and "tokens.json" in r.text  # says how to enable them


# -- accepted writes ---------------------------------------------------------------------------
def test_insert_data_commits_to_its_graph_and_the_union_and_is_audited(writable: Writable) -> None:
    label = _unique()
    r = writable.update(_alt_name(label), **{"x-change-reason": "acronym seen on the site"})
    assert r.status_code == 200, r.text
    change = r.json()
    assert change["agent"] == "curator-user"
    assert change["graphs"] == [f"{SRC}test-about"]
    assert change["entities"] == [f"{ID}test-alliance"]
    assert change["quadsAdded"] == 2  # the named-graph quad and its union copy
    assert _has_alt_name(writable, label)
    assert _has_alt_name(writable, label, graph=None)
    history = writable.client.get("/api/changes", params={"entity": f"{ID}test-alliance"}).json()[
        "changes"
    ]
    recorded = next(c for c in history if c["change"] == change["change"])
    assert recorded["agent"] == "curator-user"
    assert recorded["reason"] == "acronym seen on the site"
    assert recorded["quadsAdded"] == 2
    assert writable.ask(
        f"ASK {{ GRAPH <https://w3id.org/ibigraph/changes> {{ <{change['change']}> a "
        "<http://www.w3.org/ns/prov#Activity> ; <http://www.w3.org/ns/prov#wasAssociatedWith> "
        "?agent ; <http://www.w3.org/ns/prov#startedAtTime> ?t } }"
    )


def test_a_change_keeps_its_patch_and_can_be_undone(writable: Writable) -> None:
    label = _unique()
    first = writable.update(_alt_name(label)).json()["change"]
    fact = f'<{ID}test-alliance> <https://schema.org/alternateName> "{label}"@en'
    assert writable.ask(
        f"ASK {{ GRAPH <https://w3id.org/ibigraph/changes> {{ <{first}> "
        f"<https://w3id.org/ibigraph/ontology#patch> ?p "
        f"FILTER(CONTAINS(?p, 'A {fact} <{SRC}test-about> .')) }} }}"
    )
    r = writable.client.post("/api/changes/undo", params={"change": first}, headers=writable.auth())
    assert r.status_code == 200, r.text
    assert r.json()["quadsRemoved"] == 2
    assert not _has_alt_name(writable, label) and not _has_alt_name(writable, label, graph=None)
    # undoing the undo puts the fact back
    r = writable.client.post(
        "/api/changes/undo",
        params={"change": r.json()["change"]},
        headers=writable.auth(),
    )
    assert r.status_code == 200, r.text
    assert _has_alt_name(writable, label) and _has_alt_name(writable, label, graph=None)


def test_form_update_at_sparql_endpoint_is_accepted(writable: Writable) -> None:
    label = _unique()
    r = writable.client.post(
        "/sparql",
        data={"update": _alt_name(label), "comment": "form post"},
        headers=writable.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["reason"] == "form post"
    assert _has_alt_name(writable, label)


def test_delete_from_default_graph_removes_the_fact_from_every_graph(writable: Writable) -> None:
    label = _unique()
    assert writable.update(_alt_name(label)).status_code == 200
    r = writable.update(
        PREFIXES + f'DELETE WHERE {{ id:test-alliance schema:alternateName "{label}"@en }}'
    )
    assert r.status_code == 200, r.text
    assert r.json()["quadsRemoved"] == 2
    assert not _has_alt_name(writable, label)
    assert not _has_alt_name(writable, label, graph=None)


def test_new_entity_gets_materialized_types_and_loses_them_with_its_graph(
    writable: Writable,
) -> None:
    slug = "test-new-" + uuid.uuid4().hex[:6]
    graph = f"{SRC}{slug}"
    body = f"""{PREFIXES}INSERT DATA {{
        GRAPH <{graph}> {{
            id:{slug} a ibi:Consortium ; schema:name "New Consortium"@en ;
                schema:description "A consortium that exists only in the tests."@en .
        }}
        <{graph}> a ibi:SourceGraph ; dcterms:source <https://example.org/{slug}> ;
            dcterms:title "About it"@en ; dcterms:publisher "Tests" ;
            dcterms:date "2026-11-26"^^xsd:date .
    }}"""
    r = writable.update(body)
    assert r.status_code == 200, r.text
    org = f"ASK {{ GRAPH <{graph}> {{ <{ID}{slug}> a <https://schema.org/Organization> }} }}"
    assert writable.ask(org)  # materialized from ibi:Consortium, in the same graph
    r = writable.client.delete("/graph-store", params={"graph": graph}, headers=writable.auth())
    assert r.status_code == 200, r.text
    assert not writable.ask(org)
    assert not writable.ask(f"ASK {{ <{ID}{slug}> ?p ?o }}")  # union copies gone too


# -- refused writes leave the store unchanged ----------------------------------------------------
def test_shacl_violation_is_422_with_report_and_nothing_written(writable: Writable) -> None:
    body = PREFIXES + (
        'INSERT DATA { GRAPH src:test-about { id:test-alliance schema:alternateName "BAD1"@en ;'
        ' schema:foundingDate "banana" } }'
    )
    r = writable.update(body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert "nothing was written" in problem["detail"]
    focus = {(v["focusNode"], v["message"]) for v in problem["violations"]}
    assert any(f == f"{ID}test-alliance" and "xsd:gYear" in m for f, m in focus), focus
    assert not _has_alt_name(writable, "BAD1")

    r = writable.update(body, accept="text/turtle")
    assert r.status_code == 422
    report = rdflib.Graph().parse(data=r.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    node = next(report.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert report.value(node, sh.conforms).toPython() is False
    assert rdflib.URIRef(f"{ID}test-alliance") in set(report.objects(None, sh.focusNode))


def test_entity_fact_without_a_source_graph_is_refused(writable: Writable) -> None:
    r = writable.update(
        PREFIXES + 'INSERT DATA { id:test-alliance schema:alternateName "NOSRC"@en }'
    )
    assert r.status_code == 422, r.text
    messages = [v["message"] for v in r.json()["violations"]]
    assert any("default graph" in m for m in messages), messages
    assert not _has_alt_name(writable, "NOSRC", graph=None)


def test_update_syntax_error_is_400_with_position(writable: Writable) -> None:
    r = writable.update(PREFIXES + "INSERT DATA { id:a schema:name }", accept="application/json")
    assert r.status_code == 400
    assert "line" in r.json()["detail"] and "column" in r.json()["detail"]


def test_oversized_update_is_413(writable: Writable) -> None:
    big = PREFIXES + 'INSERT DATA { id:test-alliance schema:alternateName "' + "x" * 70_000 + '" }'
    r = writable.update(big)
    assert r.status_code == 413


def test_load_is_refused_and_no_connection_is_made(writable: Writable) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        r = writable.update(f"LOAD <http://127.0.0.1:{port}/data.ttl> INTO GRAPH <urn:x:g>")
        assert r.status_code == 400
        assert "never fetches" in r.text
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected


def test_service_in_update_is_refused(writable: Writable) -> None:
    r = writable.update(
        "INSERT { GRAPH <urn:x:g> { ?s ?p ?o } } WHERE "
        "{ SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    )
    assert r.status_code == 400
    assert "SERVICE" in r.text


def test_managed_graphs_cannot_be_written(writable: Writable) -> None:
    r = writable.update(
        "INSERT DATA { GRAPH <https://w3id.org/ibigraph/ontology> "
        "{ <urn:x:a> <urn:x:b> <urn:x:c> } }"
    )
    assert r.status_code == 403
    assert "managed by the server" in r.text
    r = writable.update("CLEAR GRAPH <https://w3id.org/ibigraph/changes>")
    assert r.status_code == 403


# -- Graph Store Protocol ---------------------------------------------------------------------
PERSON = """@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<http://example.org/person/1> a foaf:Person ; foaf:name "%s" ."""


def test_graph_store_put_get_post_head_delete(writable: Writable) -> None:
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    url, params, auth = "/graph-store", {"graph": g}, writable.auth()
    turtle = {"content-type": "text/turtle", **auth}
    r = writable.client.put(url, params=params, content=PERSON % "Jane", headers=turtle)
    assert r.status_code == 201, r.text
    got = writable.client.get(url, params=params, headers={"accept": "text/turtle"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/turtle")
    expected = rdflib.Graph().parse(data=PERSON % "Jane", format="turtle")
    assert isomorphic(rdflib.Graph().parse(data=got.text, format="turtle"), expected)
    r = writable.client.put(url, params=params, content=PERSON % "John", headers=turtle)
    assert r.status_code == 200  # replaced an existing graph
    r = writable.client.post(
        url,
        params=params,
        content=b'<http://example.org/person/1> <http://xmlns.com/foaf/0.1/nick> "JJ" .\n',
        headers={"content-type": "application/n-triples", **auth},
    )
    assert r.status_code == 200, r.text
    nt = writable.client.get(url, params=params, headers={"accept": "application/n-triples"}).text
    assert '"John"' in nt and '"JJ"' in nt and '"Jane"' not in nt
    head = writable.client.head(url, params=params)
    assert head.status_code == 200 and head.content == b""
    assert writable.client.delete(url, params=params, headers=auth).status_code == 200
    assert writable.client.get(url, params=params).status_code == 404
    assert writable.client.delete(url, params=params, headers=auth).status_code == 404


def test_graph_store_post_without_graph_creates_one(writable: Writable) -> None:
    url = "/graph-store"
    r = writable.client.post(
        url, content=PERSON % "New", headers={"content-type": "text/turtle", **writable.auth()}
    )
    assert r.status_code == 201, r.text
    created = writable.client.get(
        url, params={"graph": r.headers["location"]}, headers={"accept": "text/turtle"}
    )
    assert created.status_code == 200 and '"New"' in created.text


def test_graph_store_refuses_bad_bodies_and_missing_tokens(writable: Writable) -> None:
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    url, params = "/graph-store", {"graph": g}
    bad = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n<http://example.org/a> foaf:name ."
    r = writable.client.put(
        url,
        params=params,
        content=bad,
        headers={"content-type": "text/turtle", "accept": "application/json", **writable.auth()},
    )
    assert r.status_code == 400
    assert r.json()["detail"].startswith("request body:2:")
    r = writable.client.put(
        url, params=params, content=b"x", headers={"content-type": "text/html", **writable.auth()}
    )
    assert r.status_code == 415
    r = writable.client.put(
        url, params=params, content=PERSON % "X", headers={"content-type": "text/turtle"}
    )
    assert r.status_code == 401
    assert writable.client.get(url, params=params).status_code == 404  # nothing was created


def test_graph_store_jsonld_body(writable: Writable) -> None:
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    doc = '{"@id": "http://example.org/b", "http://xmlns.com/foaf/0.1/name": "From JSON-LD"}'
    r = writable.client.put(
        "/graph-store",
        params={"graph": g},
        content=doc,
        headers={"content-type": "application/ld+json", **writable.auth()},
    )
    assert r.status_code == 201, r.text
    assert writable.ask(f'ASK {{ GRAPH <{g}> {{ ?s ?p "From JSON-LD" }} }}')


# -- concurrency ------------------------------------------------------------------------------
def test_parallel_writers_are_serialized_and_none_is_lost(writable: Writable) -> None:
    labels = [_unique() for _ in range(32)]  # rdflib's parser is shared: all 32 must pass
    results: dict[str, int] = {}

    def write(label: str) -> None:
        results[label] = writable.update(_alt_name(label)).status_code

    threads = [threading.Thread(target=write, args=(label,)) for label in labels]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results.values()) == {200}, results
    for label in labels:
        assert _has_alt_name(writable, label)


def test_reads_during_writes_see_all_or_nothing_of_a_write(writable: Writable) -> None:
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    n = 200
    body = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(n))
    counts: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            r = writable.client.post(
                "/sparql",
                data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"},
                headers={"accept": "application/sparql-results+json"},
            )
            counts.append(int(r.json()["results"]["bindings"][0]["n"]["value"]))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            r = writable.client.put(
                "/graph-store",
                params={"graph": g},
                content=body,
                headers={"content-type": "application/n-triples", **writable.auth()},
            )
            assert r.status_code in (200, 201), r.text
            r = writable.client.delete(
                "/graph-store",
                params={"graph": g},
                headers=writable.auth(),
            )
            assert r.status_code == 200
    finally:
        stop.set()
        reader.join()
    assert counts and set(counts) <= {0, n}, sorted(set(counts))


def test_entity_page_shows_its_last_changes(writable: Writable) -> None:
    if writable.backend != "oxigraph":
        pytest.skip("entity pages are tested on the embedded backend (see test_linked_data)")
    label = _unique()
    r = writable.update(_alt_name(label), **{"x-change-reason": f"seen on the site {label}"})
    assert r.status_code == 200, r.text
    page = writable.client.get("/id/test-alliance", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Recent changes" in page.text
    assert f"seen on the site {label}" in page.text
    assert label in page.text  # the new fact itself


def test_entity_page_shows_a_value_without_an_iri(writable: Writable) -> None:
    if writable.backend != "oxigraph":
        pytest.skip("entity pages are tested on the embedded backend (see test_linked_data)")
    fact = 'id:test-alliance schema:knowsAbout [ schema:name "a topic without an IRI"@en ]'
    r = writable.update(PREFIXES + f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}")
    assert r.status_code == 200, r.text
    page = writable.client.get("/id/test-alliance", headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    assert "(a node without an IRI)" in page.text


def test_reads_need_a_token_when_configured(fixture_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ibigraph.auth import add_token
    from ibigraph.graph.build import build_store

    from ..conftest import in_process_client

    build_store(fixture_settings)
    reader = add_token(tmp_path / "tokens.json", "reader", "reader")
    settings = fixture_settings.with_(tokens_file=tmp_path / "tokens.json", read_role="reader")
    with in_process_client(settings) as client:
        query = {"query": "ASK {}"}
        anonymous = client.get("/sparql", params=query)
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        page = client.get("/id/test-alliance", headers={"authorization": "Bearer nope"})
        assert page.status_code == 401
        ok = client.get("/sparql", params=query, headers={"authorization": f"Bearer {reader}"})
        assert ok.status_code == 200
        assert client.get("/health").status_code == 200


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@pytest.mark.parametrize(
    ("auth", "status"),
    [(None, 401), ("Bearer ibg_wrong", 401), ("reader", 403)],
    ids=["no-token", "wrong-token", "reader-token"],
)
def test_graph_store_writes_need_a_curator_token(
    writable: Writable, method: str, auth: str | None, status: int
) -> None:
    g = f"{SRC}test-about"
    before = writable.ask(f"ASK {{ VALUES ?g {{ <{g}> }} GRAPH ?g {{ ?s ?p ?o }} }}")
    headers = {"content-type": "text/turtle"}
    if auth is not None:
        headers["authorization"] = (
            f"Bearer {writable.tokens[auth]}" if auth in writable.tokens else auth
        )
    r = writable.client.request(
        method,
        "/graph-store",
        params={"graph": g},
        content=b"" if method == "DELETE" else (PERSON % "Intruder").encode(),
        headers=headers,
    )
    assert r.status_code == status, r.text
    assert before and writable.ask(f"ASK {{ VALUES ?g {{ <{g}> }} GRAPH ?g {{ ?s ?p ?o }} }}")
    assert not writable.ask('ASK { ?s ?p "Intruder" }')


def test_graph_store_put_that_breaks_a_shape_is_422_and_changes_nothing(
    writable: Writable,
) -> None:
    g = f"{SRC}test-about"
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ <{g}> }} GRAPH ?g {{ ?s ?p ?o }} }}"

    def n() -> int:
        r = writable.client.post(
            "/sparql",
            data={"query": count},
            headers={"accept": "application/sparql-results+json"},
        )
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    before = n()
    # replacing the source graph with one fact loses every required property of its entities
    body = f'<{ID}test-alliance> <https://schema.org/alternateName> "Only this"@en .'
    r = writable.client.put(
        "/graph-store",
        params={"graph": g},
        content=body,
        headers={"content-type": "text/turtle", **writable.auth()},
    )
    assert r.status_code == 422, r.text
    focus = {v["focusNode"] for v in r.json()["violations"]}
    assert f"{ID}test-alliance" in focus
    assert n() == before


def test_graph_store_oversized_body_is_413(writable: Writable) -> None:
    body = (PERSON % ("x" * 70_000)).encode()
    r = writable.client.put(
        "/graph-store",
        params={"graph": "http://example.org/gsp/big"},
        content=body,
        headers={"content-type": "text/turtle", **writable.auth()},
    )
    assert r.status_code == 413
    assert (
        writable.client.get(
            "/graph-store", params={"graph": "http://example.org/gsp/big"}
        ).status_code
        == 404
    )


def test_a_later_operation_sees_the_union_upkeep_of_an_earlier_one(writable: Writable) -> None:
    s, g = (
        f"http://example.org/seq/{uuid.uuid4().hex}",
        f"http://example.org/gsp/{uuid.uuid4().hex}",
    )
    r = writable.update(
        f"INSERT DATA {{ GRAPH <{g}> {{ <{s}> <http://example.org/p> 1 }} }} ;\n"
        f"DELETE WHERE {{ <{s}> <http://example.org/p> ?x }}"
    )
    assert r.status_code == 200, r.text
    assert not writable.ask(f"ASK {{ <{s}> ?p ?o }}")
    assert not writable.ask(f"ASK {{ VALUES ?g {{ <{g}> }} GRAPH ?g {{ <{s}> ?p ?o }} }}")


def test_deleting_from_the_default_graph_leaves_article_graphs_alone(writable: Writable) -> None:
    s = f"http://example.org/kept/{uuid.uuid4().hex}"
    article = f"https://w3id.org/ibigraph/article/test-{uuid.uuid4().hex[:8]}"
    curated = f"http://example.org/gsp/{uuid.uuid4().hex}"
    triple = f'<{s}> <http://example.org/p> "x"'
    r = writable.update(
        f"INSERT DATA {{ GRAPH <{article}> {{ {triple} }} GRAPH <{curated}> {{ {triple} }} }}"
    )
    assert r.status_code == 200, r.text
    assert writable.update(f"DELETE DATA {{ {triple} }}").status_code == 200
    assert writable.ask(f"ASK {{ VALUES ?g {{ <{article}> }} GRAPH ?g {{ {triple} }} }}")
    assert not writable.ask(f"ASK {{ VALUES ?g {{ <{curated}> }} GRAPH ?g {{ {triple} }} }}")
    assert not writable.ask(f"ASK {{ {triple} }}")


def test_copy_move_add_with_the_default_graph_are_refused(writable: Writable) -> None:
    for op in ("COPY", "MOVE", "ADD"):
        r = writable.update(f"{op} <{SRC}test-about> TO DEFAULT", accept="application/json")
        assert r.status_code == 400, r.text
        assert "union" in r.json()["detail"]
    assert writable.ask(f"ASK {{ VALUES ?g {{ <{SRC}test-about> }} GRAPH ?g {{ ?s ?p ?o }} }}")


def test_rdf_xml_with_entity_declarations_is_refused(writable: Writable) -> None:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/x">'
        "<ex:p>&b;</ex:p></rdf:Description></rdf:RDF>"
    )
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    r = writable.client.put(
        "/graph-store",
        params={"graph": g},
        content=lol,
        headers={
            "content-type": "application/rdf+xml",
            "accept": "application/json",
            **writable.auth(),
        },
    )
    assert r.status_code == 400
    assert "DOCTYPE" in r.json()["detail"]
    assert writable.client.get("/graph-store", params={"graph": g}).status_code == 404


def test_a_change_over_the_quad_limit_is_413_and_writes_nothing(fixture_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ibigraph.auth import add_token
    from ibigraph.graph.build import build_store

    from ..conftest import in_process_client

    build_store(fixture_settings)
    token = add_token(tmp_path / "tokens.json", "curator", "curator")
    settings = fixture_settings.with_(tokens_file=tmp_path / "tokens.json", max_change_quads=20)
    auth = {"authorization": f"Bearer {token}"}
    with in_process_client(settings) as client:
        r = client.post(
            "/update",
            content="INSERT { GRAPH <urn:x:copy> { ?s ?p ?o } } WHERE { ?s ?p ?o }",
            headers={"content-type": "application/sparql-update", **auth},
        )
        assert r.status_code == 413, r.text
        assert "IBIGRAPH_MAX_CHANGE_QUADS" in r.text
        body = "".join(f'<http://e.org/s{i}> <http://e.org/p> "{i}" .\n' for i in range(30))
        r = client.put(
            "/graph-store",
            params={"graph": "urn:x:copy"},
            content=body,
            headers={"content-type": "application/n-triples", **auth},
        )
        assert r.status_code == 413, r.text
        assert client.get("/graph-store", params={"graph": "urn:x:copy"}).status_code == 404


def test_an_update_can_extend_a_stored_blank_node(writable: Writable) -> None:
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    r = writable.client.put(
        "/graph-store",
        params={"graph": g},
        content='<http://e.org/p1> <http://example.org/card> [ <http://example.org/n> "1" ] .',
        headers={"content-type": "text/turtle", **writable.auth()},
    )
    assert r.status_code == 201, r.text
    r = writable.update(
        f'INSERT {{ GRAPH <{g}> {{ ?b <http://example.org/m> "2" }} }} '
        f"WHERE {{ GRAPH <{g}> {{ ?s <http://example.org/card> ?b }} }}"
    )
    assert r.status_code == 200, r.text
    assert writable.ask(
        f"ASK {{ VALUES ?g {{ <{g}> }} GRAPH ?g {{ ?s <http://example.org/card> ?b . "
        '?b <http://example.org/n> "1" ; <http://example.org/m> "2" } }'
    )


def test_dataset_post_puts_quads_in_their_graphs_and_refuses_blank_graph_names(
    writable: Writable,
) -> None:
    g = f"http://example.org/gsp/{uuid.uuid4().hex}"
    headers = {"content-type": "application/trig", "accept": "application/json", **writable.auth()}
    r = writable.client.post(
        "/graph-store",
        content=f'<{g}> {{ <http://e.org/a> <http://e.org/b> "trig" . }}',
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert writable.ask(f'ASK {{ VALUES ?g {{ <{g}> }} GRAPH ?g {{ ?s ?p "trig" }} }}')
    r = writable.client.post(
        "/graph-store",
        content='_:g { <http://e.org/a> <http://e.org/b> "blank-graph" . }',
        headers=headers,
    )
    assert r.status_code == 400
    assert "blank node" in r.json()["detail"]
    assert not writable.ask('ASK { GRAPH ?g { ?s ?p "blank-graph" } }')


def test_using_named_limits_what_graph_iri_sees(writable: Writable) -> None:
    a, b = (f"http://example.org/gsp/{uuid.uuid4().hex}" for _ in range(2))
    marker = _unique()
    r = writable.update(
        f'INSERT DATA {{ GRAPH <{a}> {{ <http://e.org/s> <http://e.org/p> "a" }} '
        f'GRAPH <{b}> {{ <http://e.org/s> <http://e.org/p> "b" }} }}'
    )
    assert r.status_code == 200, r.text
    r = writable.update(
        f"INSERT {{ GRAPH <urn:x:{marker}> {{ ?s <http://e.org/seen> ?o }} }} USING NAMED <{a}> "
        f"WHERE {{ {{ GRAPH <{a}> {{ ?s ?p ?o }} }} UNION {{ GRAPH <{b}> {{ ?s ?p ?o }} }} }}"
    )
    assert r.status_code == 200, r.text
    seen = f"ASK {{ VALUES ?g {{ <urn:x:{marker}> }} GRAPH ?g {{ ?s <http://e.org/seen> "
    assert writable.ask(seen + '"a" } }')
    assert not writable.ask(seen + '"b" } }')  # <b> is outside the USING NAMED dataset


def test_update_may_use_the_predeclared_prefixes(writable: Writable) -> None:
    label = _unique()
    fact = f'id:test-alliance schema:alternateName "{label}"@en'
    r = writable.update(f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}")
    assert r.status_code == 200, r.text
    assert _has_alt_name(writable, label)


def test_update_with_an_unknown_prefix_names_it(writable: Writable) -> None:
    r = writable.update('INSERT DATA { GRAPH src:test-about { id:test-alliance nope:p "x" } }')
    assert r.status_code == 400
    assert "unknown prefix `nope:`" in r.text and "schema:" in r.text


def test_predeclared_prefixes_never_replace_a_requests_own_in_later_operations() -> None:
    from ibigraph.rdf.vocab import prefixes
    from ibigraph.sparql.update import UpdateRequest, parse_update

    update = (
        "PREFIX dc: <http://purl.org/dc/terms/>\n"  # the namespace of the predeclared dcterms:
        "DROP ALL ;\n"
        "INSERT { GRAPH <http://example.org/g> { ?s a dc:BibliographicResource } }\n"
        "WHERE { ?s a schema:Organization }"  # and a predeclared prefix, undeclared here
    )
    ops = parse_update(UpdateRequest(update, prefixes=prefixes("https://w3id.org/ibigraph/")))
    assert len(ops) == 2


def test_service_description_declares_updates_where_writes_are_taken(
    writable: Writable, api: httpx.Client
) -> None:
    sd = "http://www.w3.org/ns/sparql-service-description#SPARQL11Update"
    r = writable.client.get("/sparql", headers={"accept": "application/n-triples"})
    assert sd in r.text
    r = api.get("/sparql", headers={"accept": "application/n-triples"})
    assert sd not in r.text  # a server without tokens takes no update
