"""The curated graph: conforms, covers the promised entities, answers with schema.org."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from ibigraph.config import Settings
from ibigraph.graph.build import check
from ibigraph.queries import bind, parse_query_file
from ibigraph.store import open_store

from ..conftest import ROOT
from ..helpers import ID, SCHEMA

# Every entity the seed article names (and the one that really represents Canada).
EXPECTED_ENTITIES = """
international-brain-initiative brain-initiative national-institutes-of-health human-brain-project
ebrains brain-minds japan-agency-for-medical-research-and-development china-brain-project cbrain
canadian-brain-research-strategy australian-brain-alliance korea-brain-research-institute
korea-brain-initiative neurodata-without-borders oecd unesco allen-institute-for-brain-science
kavli-foundation national-science-foundation society-for-neuroscience sfn-annual-meeting
international-brain-laboratory european-commission nature-journal science-journal
world-health-organization brain-initiative-cell-census-network
massachusetts-institute-of-technology alzheimers-disease epilepsy major-depressive-disorder
large-scale-neural-recording optogenetics africa south-america neuroethics data-standards training
""".split()


def select(settings: Settings, sparql: str) -> list[dict[str, str]]:
    result = open_store(settings.store_path).query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def test_shipped_data_has_no_violations(settings: Settings) -> None:
    _, _, report = check(settings)
    assert report.conforms
    assert report.violations == ()


@pytest.mark.parametrize("slug", EXPECTED_ENTITIES)
def test_entity_has_type_name_description_and_source(built_store: Settings, slug: str) -> None:
    rows = select(
        built_store,
        f"""PREFIX schema: <{SCHEMA}> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?type ?name ?description ?source WHERE {{
            <{ID}{slug}> a ?type ; schema:name ?name ; schema:description ?description .
            GRAPH ?g {{ <{ID}{slug}> ?p ?o }}
            ?g dcterms:source ?source .
            FILTER (STRSTARTS(STR(?type), "{SCHEMA}"))
        }}""",
    )
    assert rows, f"{slug} lacks a schema.org type, name, description or sourced graph"
    assert all(r["source"].startswith(("http://", "https://")) for r in rows)


def test_ibi_members_with_countries_and_years(built_store: Settings) -> None:
    query = (ROOT / "queries" / "ibi_members.rq").read_text()
    rows = select(built_store, query)
    members = {r["member"].removeprefix(ID): r for r in rows}
    national = {
        "brain-initiative": "United States",
        "brain-minds": "Japan",
        "china-brain-project": "China",
        "australian-brain-alliance": "Australia",
        "korea-brain-initiative": "South Korea",
        "canadian-brain-research-strategy": "Canada",
    }
    for slug, place in national.items():
        assert members[slug]["placeName"] == place
    assert members["brain-initiative"]["year"] == "2013"
    assert members["brain-minds"]["year"] == "2014"
    assert len(rows) == len(members), "each member appears once (union default graph is a set)"
    # schema:memberOf is current membership: the Human Brain Project ended in 2023
    assert "human-brain-project" not in members


def _members_at(settings: Settings, day: str) -> dict[str, str]:
    from ibigraph.queries import bind, load_queries

    query = load_queries(ROOT / "queries")["members_at"]
    text = bind(query, {"date": day}, settings.entity_ns)
    return {r["member"].removeprefix(ID): r["status"] for r in select(settings, text)}


def test_members_at_a_date_tell_current_from_past(built_store: Settings) -> None:
    """The IBI's members on a day: the Human Brain Project was one in 2020, not after its end
    in 2023; the BRAIN Initiative still is; a member from December 2017 was not one yet in
    2016."""
    in_2020, in_2025 = (
        _members_at(built_store, "2020-06-30"),
        _members_at(built_store, "2025-01-01"),
    )
    assert in_2020["human-brain-project"] == "member"
    assert in_2025["human-brain-project"] == "past"
    assert in_2020["brain-initiative"] == in_2025["brain-initiative"] == "member"
    assert _members_at(built_store, "2016-06-30")["human-brain-project"] == "not yet"


def test_cbrain_is_not_an_ibi_member(built_store: Settings) -> None:
    """The seed article calls CBRAIN a founding partner; sources name the CBRS for Canada."""
    result = open_store(built_store.store_path).query(
        f"ASK {{ <{ID}cbrain> <{SCHEMA}memberOf> ?x }}"
    )
    assert not bool(result)


def test_project_funders_with_schema_org_terms_only(built_store: Settings) -> None:
    rows = select(built_store, (ROOT / "queries" / "project_funders.rq").read_text())
    pairs = {(r["project"].removeprefix(ID), r.get("funder", "").removeprefix(ID)) for r in rows}
    assert ("brain-initiative", "national-institutes-of-health") in pairs
    assert ("brain-minds", "japan-agency-for-medical-research-and-development") in pairs
    assert ("human-brain-project", "european-commission") in pairs


def test_lead_agency_is_materialized_as_funder(built_store: Settings) -> None:
    rows = select(
        built_store,
        f"""SELECT ?p ?a WHERE {{ ?p <https://w3id.org/ibigraph/ontology#leadAgency> ?a
            FILTER NOT EXISTS {{ ?p <{SCHEMA}funder> ?a }} }}""",
    )
    assert rows == []


def test_default_graph_is_the_union_of_source_graphs(built_store: Settings) -> None:
    """Every entity fact in the default graph is stated by at least one named graph."""
    rows = select(
        built_store,
        f"""SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER (STRSTARTS(STR(?s), "{ID}"))
            FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}""",
    )
    assert rows == []


def test_where_a_fact_comes_from(built_store: Settings) -> None:
    rows = select(
        built_store,
        f"""PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?source WHERE {{
            GRAPH ?g {{ <{ID}brain-initiative> <{SCHEMA}foundingDate> ?d }}
            ?g dcterms:source ?source }}""",
    )
    assert rows and all(r["source"].startswith("http") for r in rows)


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.name)
def test_named_query_has_summary_and_runs(built_store: Settings, path: Path) -> None:
    """Each query file parses, documents itself, and finds rows with its example values."""
    text = path.read_text()
    assert re.search(r"^#\+ summary: \S", text, re.M)
    query = parse_query_file(path)
    for p in query.params:
        assert p.description, f"{path.name}: parameter {p.name} needs a description"
        assert not p.required or p.example is not None, f"{path.name}: {p.name} needs an example"
    examples = {p.name: p.example for p in query.params if p.example is not None}
    for p in query.params:  # what the search index finds for the example text
        if p.type == "search":
            examples[p.name] = _searched(built_store, examples[p.name])
    # with the defaults, or else with some value of an enumerated parameter (the fixture
    # articles of a clone without ../shared make no contradicted claims)
    tries = [examples] + [{**examples, p.name: v} for p in query.params if p.enum for v in p.enum]
    assert any(select(built_store, bind(query, t, built_store.entity_ns)) for t in tries)


def _searched(settings: Settings, text: str) -> list[tuple[str, float]]:
    from ibigraph.queries import internal_text
    from ibigraph.rdf.vocab import prefixes
    from ibigraph.search.index import Scope, index_from_rows

    query = internal_text("search_rows", prefixes(settings.base), {"entity_ns": settings.entity_ns})
    rows = open_store(settings.store_path).query(query)
    assert isinstance(rows, ox.QuerySolutions)
    terms = ({"e": r["e"], "p": r["p"], "v": r["v"]} for r in rows)
    index = index_from_rows(terms, Scope.of(settings))
    return [(h.entity.iri, h.score) for h in index.search(text)]


def test_identifiers_are_well_formed_in_data_files() -> None:
    """A QID or ROR ID typed as a literal or a /wiki/ page would dodge the sameAs shape."""
    for path in (ROOT / "data").glob("*.trig"):
        text = path.read_text()
        assert "wikidata.org/wiki/Q" not in re.sub(r"dcterms:source <[^>]+>", "", text), path
        assert not re.search(r'"Q[0-9]+"', text), path


def _named(settings: Settings, name: str, values: dict[str, str]) -> list[dict[str, str]]:
    from ibigraph.queries import bind, load_queries

    return select(settings, bind(load_queries(ROOT / "queries")[name], values, settings.entity_ns))


def test_programme_funding_gives_amounts_in_the_sources_currency(built_store: Settings) -> None:
    rows = _named(built_store, "programme_funding", {"programme": "brain-initiative"})
    by_grant = {r["grant"].removeprefix(ID): r for r in rows}
    fy2023 = by_grant["nih-brain-initiative-funding-fy2023"]
    assert (fy2023["amount"], fy2023["currency"]) == ("680000000", "USD")
    assert fy2023["funder"] == ID + "national-institutes-of-health"
    assert {r["programme"] for r in rows} == {ID + "brain-initiative"}
    hbp = _named(built_store, "programme_funding", {"programme": "human-brain-project"})
    assert hbp and {r["currency"] for r in hbp} == {"EUR"}
    assert {r["funder"] for r in hbp} == {ID + "european-commission"}


def test_founding_meetings_list_who_organised_and_attended(built_store: Settings) -> None:
    rows = _named(built_store, "event_participants", {"participant": "kavli-foundation"})
    events = {r["event"].removeprefix(ID) for r in rows}
    assert {"global-brain-workshop-2016", "coordinating-global-brain-projects-2016"} <= events
    daegu = _named(
        built_store, "event_participants", {"event": "ibi-representatives-meeting-daegu-2018"}
    )
    assert {r["start"] for r in daegu} == {"2018-05-10"}
    assert {r["placeName"] for r in daegu} == {"South Korea"}
    organizers = {r["participant"].removeprefix(ID) for r in daegu if r["role"] == "organizer"}
    assert "korea-brain-research-institute" in organizers
