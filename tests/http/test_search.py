"""Search, suggest and the Reconciliation Service API over the shipped graph (the real app in
process), and the index following writes on both backends."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from ibigraph.config import Settings
from ibigraph.search.index import SearchIndex
from ibigraph.store import open_store

from ..conftest import IN_PROCESS, ROOT, Writable, in_process
from ..helpers import ID, SCHEMA, assert_problem
from ..optional import RECONCILIATION

SPEC = RECONCILIATION / "0.2"
needs_spec = pytest.mark.needs("reconciliation")


def _labels(settings: Settings, prop: str) -> dict[str, set[str]]:
    """Entity IRI -> its values of `prop`, read from the store."""
    out: dict[str, set[str]] = defaultdict(set)
    result = open_store(settings.store_path).query(
        f'SELECT ?e ?v WHERE {{ ?e <{prop}> ?v FILTER(STRSTARTS(STR(?e), "{ID}")) }}'
    )
    for row in result:  # type: ignore[union-attr]
        out[row["e"].value].add(row["v"].value)
    return out


def _search(site: httpx.Client, q: str, **params: Any) -> list[dict[str, Any]]:
    r = site.get("/api/search", params={"q": q, "limit": 100, **params})
    assert r.status_code == 200, r.text
    return r.json()["results"]  # type: ignore[no-any-return]


def test_every_entity_is_found_first_by_its_name(site: httpx.Client, built_store: Settings) -> None:
    names = _labels(built_store, SCHEMA + "name")
    by_name: dict[str, set[str]] = defaultdict(set)
    for iri, ns in names.items():
        for n in ns:
            by_name[n].add(iri)
    assert len(names) >= 250
    for iri, ns in names.items():
        name = next(iter(ns))
        top = [h for h in _search(site, name) if h["score"] == 100]
        assert iri in {h["id"] for h in top}, name
        assert {h["id"] for h in top} <= by_name[name] | {
            i for i, other in names.items() if {n.casefold() for n in other} & {name.casefold()}
        }


def test_every_acronym_and_alternate_name_finds_its_entity(
    site: httpx.Client, built_store: Settings
) -> None:
    for iri, alternates in _labels(built_store, SCHEMA + "alternateName").items():
        for alt in alternates:
            hits = _search(site, alt)
            best = hits[0]["score"]
            assert best >= 95, alt
            assert iri in {h["id"] for h in hits if h["score"] == best}, alt


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("brian initiative", "brain-initiative"),
        ("Human Brian Project", "human-brain-project"),
        ("human brain project", "human-brain-project"),
        ("NIH", "national-institutes-of-health"),
        ("nih", "national-institutes-of-health"),
        ("BICCN", "brain-initiative-cell-census-network"),
        ("ABA", "australian-brain-alliance"),
        ("Fonds de recherche du Quebec", "fonds-de-recherche-du-quebec"),
        ("EBRAINS", "ebrains"),
        ("Q13371", "harvard-university"),
        ("connectome", "human-connectome-project"),
        ("Human Br", "human-brain-project"),
    ],
)
def test_typos_case_accents_acronyms_and_prefixes(
    site: httpx.Client, query: str, slug: str
) -> None:
    assert _search(site, query)[0]["id"] == ID + slug


def test_ranking_puts_names_before_prefixes_before_typos(site: httpx.Client) -> None:
    hits = _search(site, "EBRAINS")
    assert hits[0]["matched"] == "name" and hits[0]["score"] == 100
    matched = [h["matched"] for h in hits]
    order = ["name", "alternate", "identifier", "prefix", "words", "fuzzy", "description"]
    assert [order.index(m) for m in matched] == sorted(order.index(m) for m in matched)


def test_type_filter_facets_and_pages(site: httpx.Client) -> None:
    everything = site.get("/api/search", params={"q": "brain", "limit": 5}).json()
    assert everything["total"] > 5 and len(everything["results"]) == 5
    assert everything["facets"]["type"]["ibi:FundingAgency"] >= 0
    agencies = site.get(
        "/api/search", params={"q": "national institute", "type": "ibi:FundingAgency"}
    )
    assert agencies.status_code == 200
    results = agencies.json()["results"]
    assert results and all("ibi:FundingAgency" in r["types"] for r in results)
    second = site.get("/api/search", params={"q": "brain", "limit": 5, "offset": 5}).json()
    assert {r["id"] for r in second["results"]}.isdisjoint({r["id"] for r in everything["results"]})


def test_search_as_json_ld_is_a_search_action(site: httpx.Client) -> None:
    from pyld import jsonld

    r = site.get("/api/search", params={"q": "NIH"}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@type"] == "SearchAction"
    expanded = jsonld.expand(doc)
    items = expanded[0][SCHEMA + "result"][0][SCHEMA + "itemListElement"]
    assert items[0][SCHEMA + "item"][0]["@id"] == ID + "national-institutes-of-health"


def test_bad_search_requests_are_clear_problems(site: httpx.Client) -> None:
    json_ = {"Accept": "application/json"}
    assert_problem(site.get("/api/search", params={"q": ""}, headers=json_), 422)
    assert_problem(site.get("/api/search", params={"q": "x" * 501}, headers=json_), 422)
    bad_type = site.get("/api/search", params={"q": "x", "type": "no:Such"}, headers=json_)
    assert "no:Such" in assert_problem(bad_type, 422)["detail"]
    assert_problem(site.get("/api/suggest", headers=json_), 422)


def test_suggest_completes_names(site: httpx.Client) -> None:
    r = site.get("/api/suggest", params={"prefix": "Human Br"}).json()
    assert r["results"][0]["id"] == ID + "human-brain-project"
    assert site.get("/api/suggest", params={"prefix": "zzzzqq"}).json()["results"] == []


# --- the Reconciliation Service API ------------------------------------------------------------


def _validator(name: str) -> Any:
    import jsonschema_rs

    schema = json.loads((SPEC / "schemas" / f"{name}.json").read_text())
    if '"type.json"' in json.dumps(schema):  # a relative $ref, resolved from the folder
        text = json.dumps(schema).replace('"type.json"', '"#/definitions/_type"')
        # the authentication part refers to Swagger's schema online; the service has none,
        # and tests fetch nothing: that reference accepts anything
        text = text.replace(
            '{"$ref": "http://swagger.io/v2/schema.json#/definitions/securityDefinitions/'
            'additionalProperties"}',
            "{}",
        )
        schema = json.loads(text)
        schema.setdefault("definitions", {})["_type"] = json.loads(
            (SPEC / "schemas" / "type.json").read_text()
        )
    assert "swagger.io" not in json.dumps(schema)
    return jsonschema_rs.validator_for(schema)


def _valid(name: str, doc: Any) -> None:
    errors = [str(e) for e in _validator(name).iter_errors(doc)]
    assert errors == [], errors


@needs_spec
def test_manifest_validates(site: httpx.Client) -> None:
    manifest = site.get("/reconcile").json()
    _valid("manifest", manifest)
    assert manifest["identifierSpace"] == ID
    assert "{{id}}" in manifest["view"]["url"] and manifest["extend"]["propose_properties"]


@needs_spec
@pytest.mark.parametrize(
    "example",
    sorted((SPEC / "examples" / "reconciliation-query-batch" / "invalid").glob("*.json"))
    if SPEC.exists()
    else [],
    ids=lambda p: p.stem,
)
def test_invalid_query_examples_are_400(site: httpx.Client, example: Path) -> None:
    r = site.post(
        "/reconcile", data={"queries": example.read_text()}, headers={"Accept": "application/json"}
    )
    assert assert_problem(r, 400)["detail"].startswith("query 'q")


@needs_spec
@pytest.mark.parametrize(
    "example",
    sorted((SPEC / "examples" / "reconciliation-query-batch" / "valid").glob("*.json"))
    if SPEC.exists()
    else [],
    ids=lambda p: p.stem,
)
def test_valid_query_examples_get_valid_results(site: httpx.Client, example: Path) -> None:
    r = site.post("/reconcile", data={"queries": example.read_text()})
    assert r.status_code == 200, r.text
    _valid("reconciliation-result-batch", r.json())
    assert set(r.json()) == set(json.loads(example.read_text()))


@needs_spec
def test_reconciliation_scores_and_matches(site: httpx.Client) -> None:
    queries = {
        "exact": {"query": "Human Brain Project"},
        "typo": {"query": "Human Brian Project"},
        "typed": {"query": "NIH", "type": "ibi:FundingAgency", "limit": 3},
        "country": {
            "query": "Harvard University",
            "properties": [{"pid": "country", "v": "United States"}],
        },
        "wrong-country": {
            "query": "Harvard University",
            "properties": [{"pid": "country", "v": "Japan"}],
        },
        "founded": {"query": "BRAIN Initiative", "properties": [{"pid": "founded", "v": "2013"}]},
        "by-identifier": {"properties": [{"pid": "wikidata", "v": "Q13371"}]},
    }
    r = site.get("/reconcile", params={"queries": json.dumps(queries)})
    assert r.status_code == 200
    body = r.json()
    _valid("reconciliation-result-batch", body)
    first = {k: v["result"][0] for k, v in body.items()}
    assert first["exact"]["id"] == "human-brain-project" and first["exact"]["match"]
    assert first["typo"]["id"] == "human-brain-project" and not first["typo"]["match"]
    assert first["typed"]["id"] == "national-institutes-of-health" and first["typed"]["match"]
    assert all(
        any(t["id"] == "ibi:FundingAgency" for t in c["type"]) for c in body["typed"]["result"]
    )
    assert first["country"]["match"] and first["country"]["score"] == 100
    assert first["wrong-country"]["id"] == "harvard-university"
    assert not first["wrong-country"]["match"] and first["wrong-country"]["score"] < 95
    assert first["founded"]["id"] == "brain-initiative" and first["founded"]["match"]
    assert first["by-identifier"]["id"] == "harvard-university"
    assert all(0 <= c["score"] <= 100 for v in body.values() for c in v["result"])


@needs_spec
def test_suggest_preview_and_extend(site: httpx.Client) -> None:
    entities = site.get("/reconcile/suggest/entity", params={"prefix": "human br"}).json()
    _valid("suggest-entities-response", entities)
    assert entities["result"][0]["id"] == "human-brain-project"
    types = site.get("/reconcile/suggest/type", params={"prefix": "Fund"}).json()
    _valid("suggest-types-response", types)
    assert {"id": "ibi:FundingAgency", "name": "FundingAgency"} in types["result"]
    props = site.get("/reconcile/suggest/property", params={"prefix": "fo"}).json()
    _valid("suggest-properties-response", props)
    proposed = site.get("/reconcile/propose_properties", params={"type": "ibi:Consortium"}).json()
    _valid("data-extension-property-proposal", proposed)
    preview = site.get("/reconcile/preview", params={"id": "human-brain-project"})
    assert preview.status_code == 200 and "Human Brain Project" in preview.text
    assert site.get("/reconcile/preview", params={"id": "nothing-here"}).status_code == 404
    ext = {
        "ids": ["brain-initiative", "harvard-university", "no-such-entity"],
        "properties": [
            {"id": p} for p in ("founded", "country", "wikidata", "ror", "schema:funder")
        ],
    }
    r = site.post("/reconcile", data={"extend": json.dumps(ext)})
    assert r.status_code == 200
    _valid("data-extension-response", r.json())
    rows = r.json()["rows"]
    assert rows["harvard-university"]["wikidata"] == [{"str": "Q13371"}]
    assert {"id": "united-states", "name": "United States"} in rows["brain-initiative"]["country"]
    assert rows["no-such-entity"]["founded"] == []


def test_bad_reconciliation_requests_are_400(site: httpx.Client) -> None:
    json_ = {"Accept": "application/json"}
    for bad in ("nope", "[1]", "{}", json.dumps({f"q{i}": {"query": "x"} for i in range(501)})):
        assert_problem(site.post("/reconcile", data={"queries": bad}, headers=json_), 400)
    for bad in ('{"ids": []}', '{"ids": ["x"], "properties": []}', "{"):
        assert_problem(site.post("/reconcile", data={"extend": bad}, headers=json_), 400)
    limit = json.dumps({"q0": {"query": "x", "limit": 0}})
    assert_problem(site.get("/reconcile", params={"queries": limit}, headers=json_), 400)


# --- the index follows writes ------------------------------------------------------------------


def test_search_follows_writes_on_every_backend(writable: Writable) -> None:
    client = writable.client
    slug = "searchable-test-consortium"
    add = f"""INSERT DATA {{ GRAPH src:test-about {{
        id:{slug} a ibi:Consortium ; schema:name "Zyxwv Searchable Consortium"@en ;
            schema:description "A consortium written to check that search follows writes."@en .
    }} }}"""
    assert writable.update(add).status_code == 200, "added"
    found = client.get("/api/search", params={"q": "Zyxwv Searchable Consortium"}).json()
    assert found["results"][0]["id"] == ID + slug
    rename = f"""DELETE {{ GRAPH ?g {{ id:{slug} schema:name ?n }} }}
        INSERT {{ GRAPH src:test-about {{ id:{slug} schema:name "Qwerty Renamed Consortium"@en }} }}
        WHERE {{ GRAPH ?g {{ id:{slug} schema:name ?n }} }}"""
    assert writable.update(rename).status_code == 200, "renamed"
    renamed = client.get("/api/search", params={"q": "Qwerty Renamed Consortium"}).json()
    assert renamed["results"][0]["id"] == ID + slug
    old = client.get("/api/search", params={"q": "Zyxwv Searchable Consortium"}).json()
    assert all(r["id"] != ID + slug or r["score"] < 100 for r in old["results"])
    remove = f"DELETE WHERE {{ GRAPH ?g {{ id:{slug} ?p ?o }} }}"
    assert writable.update(remove).status_code == 200, "removed"
    gone = client.get("/api/search", params={"q": "Qwerty Renamed Consortium"}).json()
    assert ID + slug not in {r["id"] for r in gone["results"]}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=brain",
        "/search?q=brain",
        "/reconcile?queries="
        + quote(json.dumps({"q0": {"query": "brain"}, "q1": {"query": "EBRAINS"}})),
    ],
)
async def test_ranking_runs_off_the_event_loop(
    built_store: Settings, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """A search or a reconciliation batch ranks on a thread (a batch of 100 takes a third of a
    second at 1M quads): while it ranks, the worker answers other requests. Here the ranking
    waits until /health has been answered; on the event loop it could not, and fails."""
    settings = built_store.with_(public_url=IN_PROCESS, queries_dir=ROOT / "queries", workers=1)
    entered, release = threading.Event(), threading.Event()
    search = SearchIndex.search

    def held(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(10), "/health was not answered while the ranking ran"
        return search(self, *args, **kwargs)

    async with in_process(settings) as client:
        assert (await client.get("/api/search", params={"q": "brain"})).status_code == 200
        monkeypatch.setattr(SearchIndex, "search", held)  # the index is built: ranking only
        ranked = asyncio.ensure_future(client.get(path))
        while not entered.is_set():
            await asyncio.sleep(0.01)
        health = await client.get("/health")
        release.set()
        assert health.status_code == 200
        assert (await ranked).status_code == 200
