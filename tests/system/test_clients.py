"""Standard clients against a real server over the shipped data: SPARQLWrapper in every query
form x return format x method (with the parameters and Accept headers it really sends), rdflib
following an IRI, pyld with a real document loader, and HEAD on every GET route."""

from __future__ import annotations

import json
import subprocess
import warnings

import httpx
import pytest
import rdflib
from pyld import jsonld
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from ..optional import COMUNICA

BASE = "https://w3id.org/ibigraph/"
IBI = f"<{BASE}id/international-brain-initiative>"
QUERIES = {
    "SELECT": f"SELECT ?p ?o WHERE {{ {IBI} ?p ?o }} LIMIT 5",
    "ASK": f"ASK {{ {IBI} ?p ?o }}",
    "CONSTRUCT": f"CONSTRUCT {{ {IBI} ?p ?o }} WHERE {{ {IBI} ?p ?o }} LIMIT 5",
    "DESCRIBE": f"DESCRIBE {IBI}",
}
FORMATS = {
    "json": JSON,
    "xml": XML,
    "csv": CSV,
    "tsv": TSV,
    "turtle": TURTLE,
    "n3": N3,
    "rdf": RDF,
    "rdfxml": RDFXML,
    "jsonld": JSONLD,
    "default": None,
}
METHODS = {"get": (GET, None), "post-form": (POST, None), "post-direct": (POST, POSTDIRECTLY)}


def _check(form: str, result: object) -> None:
    """What `convert()` gives back holds the answer, whatever the format."""
    if isinstance(result, rdflib.Graph):
        assert form in ("CONSTRUCT", "DESCRIBE")
        assert len(result) > 0
    elif isinstance(result, dict):  # SPARQL JSON results
        assert ("boolean" in result) if form == "ASK" else result["results"]["bindings"]
    elif isinstance(result, bytes):  # CSV, TSV, Turtle/N3 text
        assert result.strip()
        if form in ("CONSTRUCT", "DESCRIBE"):
            assert len(rdflib.Graph().parse(data=result, format="turtle")) > 0
    else:  # an XML DOM of SPARQL results
        assert result.getElementsByTagName("sparql")  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("form", list(QUERIES))
def test_sparqlwrapper_gets_a_result_it_can_convert(
    data_server: str, form: str, fmt: str, method: str
) -> None:
    client = SPARQLWrapper(data_server + "/sparql")
    client.setQuery(QUERIES[form])
    http_method, request_method = METHODS[method]
    client.setMethod(http_method)
    if request_method:
        client.setRequestMethod(request_method)
    if FORMATS[fmt] is not None:
        client.setReturnFormat(FORMATS[fmt])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SPARQLWrapper warns about formats it finds odd
        result = client.query()
        assert result.response.status == 200
        _check(form, result.convert())


def test_repeated_and_unknown_format_parameters_defer_to_accept(data_server: str) -> None:
    r = httpx.get(
        data_server + "/sparql",
        params=[("query", QUERIES["CONSTRUCT"]), ("format", "xml"), ("output", "nonsense")],
        headers={"accept": "text/turtle"},
    )
    assert r.status_code == 200, r.text
    # `format=xml` on a graph query means RDF/XML, and wins over Accept
    assert r.headers["content-type"].startswith("application/rdf+xml")
    r = httpx.get(
        data_server + "/sparql",
        params=[("query", QUERIES["SELECT"]), ("format", "nonsense")],
        headers={"accept": "text/csv"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")


def test_unknown_format_without_accept_is_a_clear_400(data_server: str) -> None:
    r = httpx.get(
        data_server + "/sparql",
        params={"query": QUERIES["SELECT"], "format": "nonsense"},
        headers={"accept": ""},
    )
    assert r.status_code == 400
    assert "unknown format 'nonsense'" in r.text


def test_format_that_does_not_fit_the_query_form_is_406_without_accept(data_server: str) -> None:
    r = httpx.get(
        data_server + "/sparql",
        params={"query": QUERIES["CONSTRUCT"], "format": "csv"},
        headers={"accept": ""},
    )
    assert r.status_code == 406
    assert "text/turtle" in r.text  # says what it can send instead


def test_rdflib_parses_an_entity_iri(data_server: str) -> None:
    g = rdflib.Graph().parse(data_server + "/id/brain-minds")
    assert (
        rdflib.URIRef(BASE + "id/brain-minds"),
        rdflib.URIRef("https://schema.org/name"),
        None,
    ) in g


def test_pyld_expands_an_entity_with_a_real_document_loader(data_server: str) -> None:
    loader = jsonld.requests_document_loader(timeout=10)
    doc = loader(data_server + "/id/brain-minds", {"headers": {"Accept": "application/ld+json"}})
    body = doc["document"]
    assert body["@context"] == data_server + "/ns/context.jsonld"  # fetched by the loader
    expanded = jsonld.expand(body, {"documentLoader": loader, "base": data_server})
    ids = {node.get("@id") for node in expanded}
    assert BASE + "id/brain-minds" in ids


def _comunica(source: str, query: str) -> list[dict[str, str]]:
    done = subprocess.run(
        [str(COMUNICA), source, query, "-t", "application/json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.needs("comunica")
def test_comunica_queries_the_endpoint_and_an_entity_document(data_server: str) -> None:
    members = (
        "SELECT ?name WHERE { ?s <https://schema.org/memberOf> "
        f"{IBI} ; <https://schema.org/name> ?name }}"
    )
    names = " ".join(row["name"] for row in _comunica(f"sparql@{data_server}/sparql", members))
    assert "Brain/MINDS" in names and "BRAIN Initiative" in names
    # an entity IRI followed as a linked-data document (Comunica asks for N-Quads first)
    founded = "SELECT ?o WHERE { ?s <https://schema.org/foundingDate> ?o }"
    assert _comunica(f"{data_server}/id/brain-minds", founded)


def _get_paths(openapi: dict) -> list[str]:  # type: ignore[type-arg]
    out = []
    for path, ops in openapi["paths"].items():
        if "get" not in ops:
            continue
        content = ops["get"].get("responses", {}).get("200", {}).get("content", {})
        if "text/event-stream" in content:  # a stream stays open: test_feed covers it
            continue
        params = {p["name"]: p for p in ops["get"].get("parameters", []) if p["in"] == "path"}
        concrete = path
        for name in params:
            concrete = concrete.replace("{" + name + "}", EXAMPLE_PATH_VALUES.get(name, "x"))
        out.append(concrete)
    return out


EXAMPLE_PATH_VALUES = {"name": "brain-minds", "slug": "brain-minds", "ext": "ttl"}


def test_head_answers_on_every_get_route_with_the_same_headers(data_server: str) -> None:
    openapi = httpx.get(data_server + "/openapi.json").json()
    paths = _get_paths(openapi)
    assert "/id/{name}" in openapi["paths"] and len(paths) > 10
    checked = 0
    for path in paths:
        get = httpx.get(data_server + path, headers={"accept-encoding": "identity"})
        head = httpx.head(data_server + path, headers={"accept-encoding": "identity"})
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
        if "content-length" in get.headers and path != "/metrics":  # metrics move on
            assert head.headers.get("content-length") == get.headers["content-length"], path
        checked += 1
    assert checked == len(paths)
