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
        "human-brain-project": "Europe",
    }
    for slug, place in national.items():
        assert members[slug]["placeName"] == place
    assert members["brain-initiative"]["year"] == "2013"
    assert members["brain-minds"]["year"] == "2014"
    assert len(rows) == len(members), "each member appears once (union default graph is a set)"


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
    # with the defaults, or else with some value of an enumerated parameter (the fixture
    # articles of a clone without ../shared make no contradicted claims)
    tries = [examples] + [{**examples, p.name: v} for p in query.params if p.enum for v in p.enum]
    assert any(select(built_store, bind(query, t, built_store.entity_ns)) for t in tries)


def test_identifiers_are_well_formed_in_data_files() -> None:
    """A QID or ROR ID typed as a literal or a /wiki/ page would dodge the sameAs shape."""
    for path in (ROOT / "data").glob("*.trig"):
        text = path.read_text()
        assert "wikidata.org/wiki/Q" not in re.sub(r"dcterms:source <[^>]+>", "", text), path
        assert not re.search(r'"Q[0-9]+"', text), path
