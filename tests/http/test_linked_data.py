"""Linked data over HTTP on the shipped graph (the real app in process): every entity in every
format, JSON-LD, pages, named queries, VoID, dumps and the entity list."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from ibigraph.config import Settings
from ibigraph.graph.stats import store_stats
from ibigraph.store import open_store

from ..conftest import IN_PROCESS
from ..helpers import ID, SCHEMA

FORMATS = {
    "text/turtle": ("turtle", "ttl"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("xml", "rdf"),
    "application/trig": ("trig", "trig"),
    "application/n-quads": ("nquads", "nq"),
}


def all_entities(settings: Settings) -> list[str]:
    result = open_store(settings.store_path).query(
        f'SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?s), "{ID}") }}'
    )
    return sorted(row["s"].value.removeprefix(ID) for row in result)  # type: ignore[union-attr]


def graph_of(text: str, fmt: str) -> rdflib.Graph:
    if fmt in ("trig", "nquads"):
        ds = rdflib.Dataset()
        ds.parse(data=text, format=fmt)
        g = rdflib.Graph()
        for s, p, o, _ in ds.quads():
            g.add((s, p, o))
        return g
    return rdflib.Graph().parse(data=text, format=fmt)


def loader(site: httpx.Client):  # type: ignore[no-untyped-def]
    """A pyld document loader that only reads our own service (as a client would)."""

    def load(url: str, options: Any = None) -> dict[str, Any]:
        assert url.startswith(IN_PROCESS), f"pyld tried to fetch {url}"
        r = site.get(url)
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": r.json(),
        }

    return load


def jsonld_graph(doc: dict[str, Any], site: httpx.Client) -> rdflib.Graph:
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": loader(site)})
    return rdflib.Graph().parse(data=nquads, format="nt")


def one_of_each_type(settings: Settings) -> set[str]:
    """An entity of every class the entities have (the first by slug)."""
    result = open_store(settings.store_path).query(
        f"SELECT ?c (MIN(STR(?s)) AS ?first) WHERE {{ ?s a ?c "
        f'FILTER STRSTARTS(STR(?s), "{ID}") }} GROUP BY ?c'
    )
    return {row["first"].value.removeprefix(ID) for row in result}  # type: ignore[union-attr]


def test_every_entity_dereferences_and_one_of_each_type_is_the_same_graph_in_every_format(
    site: httpx.Client, built_store: Settings
) -> None:
    slugs = all_entities(built_store)
    assert len(slugs) > 50
    sample = one_of_each_type(built_store)
    assert len(sample) > 10
    with contextlib.nullcontext(site) as client:
        for slug in slugs:
            turtle = client.get(f"/id/{slug}", headers={"Accept": "text/turtle"})
            assert turtle.status_code == 200, slug
            assert "Accept" in [v.strip() for v in turtle.headers["vary"].split(",")]
            assert turtle.headers["content-location"] == f"/id/{slug}.ttl"
            reference = graph_of(turtle.text, "turtle")
            assert (rdflib.URIRef(ID + slug), None, None) in reference
            html = client.get(f"/id/{slug}", headers={"Accept": "text/html"})
            assert html.status_code == 200 and "<h1>" in html.text
            if slug not in sample:
                continue
            for media, (fmt, ext) in FORMATS.items():
                by_accept = client.get(f"/id/{slug}", headers={"Accept": media})
                by_ext = client.get(f"/id/{slug}.{ext}")
                assert by_accept.headers["content-type"].startswith(media)
                assert by_accept.content == by_ext.content
                assert isomorphic(graph_of(by_accept.text, fmt), reference), (slug, media)
            doc = client.get(f"/id/{slug}", headers={"Accept": "application/ld+json"}).json()
            assert isomorphic(jsonld_graph(doc, site), reference), (slug, "json-ld")


def test_jsonld_is_compacted_with_the_published_context(site: httpx.Client) -> None:
    r = site.get("/id/brain-minds", headers={"Accept": "application/ld+json"})
    doc = r.json()
    assert doc["@context"] == IN_PROCESS + "/ns/context.jsonld"
    first = doc["@graph"][0]
    expanded = jsonld.expand(
        {"@context": doc["@context"], "@id": first["@id"], "name": first["name"]},
        {"documentLoader": loader(site)},
    )
    assert expanded[0]["@id"] == ID + "brain-minds"  # the requested entity comes first
    assert first["name"] == "Brain/MINDS"
    assert "id:international-brain-initiative" in first["memberOf"]
    context = site.get("/ns/context.jsonld").json()
    assert context["@context"]["name"] == {"@id": "schema:name", "@language": "en"}
    assert site.get("/ns/context-v1.jsonld").json() == context


def test_a_plain_json_client_gets_the_jsonld_document(site: httpx.Client) -> None:
    r = site.get("/id/brain-minds", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.content == site.get("/id/brain-minds.jsonld").content
    turtle = graph_of(site.get("/id/brain-minds.ttl").text, "turtle")
    assert isomorphic(jsonld_graph(r.json(), site), turtle)
    # a client that prefers JSON-LD or Turtle still gets it
    both = {"Accept": "application/json;q=0.5, text/turtle"}
    assert (
        site.get("/id/brain-minds", headers=both).headers["content-type"].startswith("text/turtle")
    )
    refused = site.get("/id/brain-minds", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "application/json" in refused.text  # offered


@pytest.mark.parametrize("profile", ["expanded", "compacted", "flattened", "framed"])
def test_jsonld_profiles(site: httpx.Client, profile: str) -> None:
    accept = f'application/ld+json; profile="http://www.w3.org/ns/json-ld#{profile}"'
    r = site.get("/id/brain-initiative", headers={"Accept": accept})
    doc = r.json()
    turtle = graph_of(site.get("/id/brain-initiative.ttl").text, "turtle")
    got = jsonld_graph(doc, site)
    if profile == "framed":  # a frame keeps what is reachable from the entity
        entity = rdflib.URIRef(ID + "brain-initiative")
        assert set(got) <= set(turtle)
        assert set(turtle.triples((entity, None, None))) <= set(got)
    else:
        assert isomorphic(got, turtle)
    if profile == "expanded":
        assert isinstance(doc, list) and "@context" not in json.dumps(doc)
    elif profile == "framed":
        assert doc["@id"] == "id:brain-initiative"  # the entity is the top node
    else:
        assert "@graph" in doc


def test_unknown_entity_is_404_in_the_negotiated_format(site: httpx.Client) -> None:
    turtle = site.get("/id/no-such-thing", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 404
    html = site.get("/id/no-such-thing", headers={"Accept": "text/html"})
    assert html.status_code == 404 and "text/html" in html.headers["content-type"]
    problem = site.get("/id/no-such-thing.jsonld", headers={"Accept": "application/json"})
    assert problem.status_code == 404 and problem.json()["status"] == 404
    weird = site.get("/id/Not%20A%20Slug")
    assert weird.status_code == 404


def test_entity_page_shows_facts_sources_and_links(site: httpx.Client) -> None:
    r = site.get("/id/brain-minds", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 200
    page = r.text
    assert "<h1>Brain/MINDS</h1>" in page
    assert 'href="/id/japan-agency-for-medical-research-and-development"' in page
    assert "https://brainminds.jp/en/overview/objectives/" in page  # a source link
    assert "DESCRIBE" in page or "query=DESCRIBE" in page
    for ext in ("ttl", "jsonld", "nt", "rdf", "nq", "trig"):
        assert f'href="/id/brain-minds.{ext}"' in page
    ibi = site.get("/id/international-brain-initiative.html").text
    assert "Linked from" in ibi and "/id/brain-minds" in ibi


def test_index_and_ontology_pages(site: httpx.Client) -> None:
    index = site.get("/").text
    assert "International Brain Initiative" in index and "/id/brain-initiative" in index
    onto = site.get("/ontology", headers={"Accept": "text/html"}).text
    assert 'id="NationalBrainProject"' in onto
    assert "A national brain project serves a country" in onto  # a shape's message
    ttl = site.get("/ontology.ttl")
    g = rdflib.Graph().parse(data=ttl.text, format="turtle")
    assert (
        rdflib.URIRef("https://w3id.org/ibigraph/ontology#NationalBrainProject"),
        rdflib.RDFS.subClassOf,
        None,
    ) in g


# --- named queries ---


def test_named_queries_are_listed_and_documented(site: httpx.Client) -> None:
    listed = site.get("/api/queries").json()
    names = {q["name"] for q in listed}
    assert len(names) >= 10 and {"ibi_members", "projects_by_place", "search_entities"} <= names
    spec = site.get("/openapi.json").json()
    op = spec["paths"]["/api/queries/projects_by_place"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["place"]["required"] is True
    assert params["limit"]["schema"]["maximum"] == 10000
    since = spec["paths"]["/api/queries/launch_timeline"]["get"]["parameters"]
    year = next(p for p in since if p["name"] == "since")
    schema = json.dumps(year["schema"])
    assert '"minimum": 1000' in schema and '"type": "integer"' in schema


@pytest.mark.parametrize(
    "name",
    [
        "ibi_members",
        "project_funders",
        "identifiers",
        "sources",
        "ibi_working_groups",
        "launch_timeline",
        "entities_by_type",
    ],
)
def test_named_queries_without_parameters_answer(site: httpx.Client, name: str) -> None:
    r = site.get(f"/api/queries/{name}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json(), list) and r.json()


def test_typed_values_and_parameters(site: httpx.Client) -> None:
    rows = site.get("/api/queries/launch_timeline", params={"since": 2016}).json()
    assert rows and all(r["year"] >= 2016 and isinstance(r["year"], int) for r in rows)
    japan = site.get("/api/queries/projects_by_place", params={"place": "japan"}).json()
    assert {r["name"] for r in japan} >= {"Brain/MINDS"}
    funded = site.get(
        "/api/queries/funded_by",
        params={"funder": ID + "national-institutes-of-health"},
    ).json()
    assert "BRAIN Initiative" in {r["name"] for r in funded}
    successions = site.get(
        "/api/queries/successors",
        params={"entity": "riken-brain-science-institute"},
    ).json()
    assert [(r["successorName"], r["predecessorName"]) for r in successions] == [
        ("RIKEN Center for Brain Science", "RIKEN Brain Science Institute")
    ]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("projects_by_place", {}),
        ("projects_by_place", {"place": "japan> } ?s ?p ?o { <x"}),
        ("launch_timeline", {"since": "two thousand"}),
        ("launch_timeline", {"since": "20160"}),
        ("entities_by_type", {"type": "javascript:alert(1)"}),
        ("ibi_members", {"limit": "0"}),
    ],
)
def test_bad_parameter_values_are_422_problems(site: httpx.Client, path: str, params: dict) -> None:  # type: ignore[type-arg]
    r = site.get(f"/api/queries/{path}", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 422


def test_search_parameter_binds_what_the_search_index_finds(site: httpx.Client) -> None:
    ok = site.get("/api/queries/search_entities", params={"text": "minds"}).json()
    assert {r["name"] for r in ok} >= {"Brain/MINDS", "Brain/MINDS Beyond"}
    typo = site.get("/api/queries/search_entities", params={"text": "Human Brian Project"})
    assert typo.json()[0]["entity"] == ID + "human-brain-project"
    assert typo.json()[0]["score"] > 50 and typo.json()[0]["type"].startswith(SCHEMA)
    # the text never becomes query text: the rows are entities the index finds, nothing else
    for attack in ['") } UNION { ?entity ?p ?name } #', '"} ; DROP ALL', "x' || true || '"]:
        r = site.get("/api/queries/search_entities", params={"text": attack})
        found = site.get("/api/search", params={"q": attack, "limit": 100}).json()["results"]
        assert r.status_code == 200
        assert {row["entity"] for row in r.json()} <= {hit["id"] for hit in found}


def test_pagination_with_link_next(site: httpx.Client) -> None:
    first = site.get("/api/queries/identifiers", params={"limit": 5})
    assert len(first.json()) == 5
    nxt = first.headers["link"].split(";")[0].strip("<>")
    second = site.get(nxt)
    assert second.status_code == 200
    assert {r["entity"] for r in first.json()}.isdisjoint({r["entity"] for r in second.json()})
    everything = site.get("/api/queries/identifiers", params={"limit": 1000})
    assert "link" not in everything.headers


def test_named_query_formats_by_accept(site: httpx.Client) -> None:
    url = "/api/queries/ibi_members"
    csv_text = site.get(url, headers={"Accept": "text/csv"}).text
    assert csv_text.splitlines()[0].startswith("member,name")
    sparql = site.get(url, headers={"Accept": "application/sparql-results+json"}).json()
    assert len(sparql["results"]["bindings"]) == len(site.get(url).json())


# --- the dataset ---


def test_void_counts_equal_the_store(site: httpx.Client, built_store: Settings) -> None:
    g = rdflib.Graph().parse(data=site.get("/.well-known/void").text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    ds = rdflib.URIRef("https://w3id.org/ibigraph/dataset")
    store = open_store(built_store.store_path)
    stats = store_stats(store, built_store)
    default = [q for q in store.quads() if q.graph_name == ox.DefaultGraph()]
    assert stats.triples == len(default) > 0  # the statistics queries count what is there
    assert stats.entities == len({q.subject for q in default if q.subject.value.startswith(ID)})
    assert int(g.value(ds, void.triples)) == stats.triples
    assert int(g.value(ds, void.entities)) == stats.entities
    partitions = {
        str(g.value(p, void["class"])): int(g.value(p, void.entities))
        for p in g.objects(ds, void.classPartition)
    }
    assert partitions == stats.classes
    assert g.value(ds, void.sparqlEndpoint) == rdflib.URIRef(IN_PROCESS + "/sparql")


def test_trig_dump_holds_every_graph(site: httpx.Client, built_store: Settings) -> None:
    r = site.get("/dumps/ibigraph.trig", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip"
    ds = rdflib.Dataset()
    ds.parse(data=r.text, format="trig")
    got = {(str(s), str(p), str(o), str(g)) for s, p, o, g in ds.quads()}
    store = list(open_store(built_store.store_path).quads())
    named = {q for q in got if not q[3].startswith("urn:x-rdflib")}
    assert len(named) == sum(1 for q in store if q.graph_name.__class__.__name__ == "NamedNode")
    assert site.get("/dumps/other.trig").status_code == 404


def test_entity_list_filters_and_pages(site: httpx.Client) -> None:
    r = site.get("/api/entities", params={"type": "ibi:FundingAgency", "limit": 3})
    doc = r.json()
    assert r.headers["content-type"].startswith("application/ld+json")
    assert doc["totalItems"] >= 5 and len(doc["member"]) == 3 and "next" in doc
    found = site.get("/api/entities", params={"q": "NIH"}).json()
    assert ID + "national-institutes-of-health" in {m["@id"] for m in found["member"]}
    injected = site.get("/api/entities", params={"q": '")) } #'}).json()
    assert injected["totalItems"] == 0
    bad = site.get("/api/entities", params={"type": "no such: thing"})
    assert bad.status_code == 422


def test_not_found_page_escapes_the_url(site: httpx.Client) -> None:
    r = site.get("/id/%3Cscript%3Ealert(1)", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text


def test_quality_report_is_served_as_the_cli_computes_it(
    site: httpx.Client, built_store: Settings
) -> None:
    from ibigraph.graph.quality import quality_report
    from ibigraph.graph.stats import store_select

    served = site.get("/quality", headers={"Accept": "application/json"})
    assert served.status_code == 200 and "Accept" in served.headers["vary"]
    local = quality_report(store_select(open_store(built_store.store_path)), built_store)
    assert served.json() == local.to_json()
    assert local.entities >= 250 and local.organizations > 100
    page = site.get("/quality", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<h1>Data quality</h1>" in page.text
    assert f"Coverage of the {local.organizations} organisations" in page.text
    assert site.get("/quality", headers={"Accept": "image/png"}).status_code == 406
