"""Parsing, rebasing and materialization of the public schema.org vocabulary."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibigraph.config import Settings
from ibigraph.errors import DataSyntaxError
from ibigraph.graph.load import materialize, parse_file, read_sources
from ibigraph.rdf.vocab import compact, prefixes

from ..conftest import ROOT
from ..helpers import ONTOLOGY as IBI
from ..helpers import SCHEMA

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
G = ox.NamedNode("https://w3id.org/ibigraph/source/g")
X = ox.NamedNode("https://w3id.org/ibigraph/id/x")


@pytest.fixture(scope="module")
def ontology() -> list[ox.Quad]:
    settings = Settings(data_dir=ROOT / "data", ontology_dir=ROOT / "ontology")
    return read_sources(settings, []).ontology


def test_materialize_adds_schema_supertypes_in_the_same_graph(ontology: list[ox.Quad]) -> None:
    out = materialize(
        [ox.Quad(X, RDF_TYPE, ox.NamedNode(IBI + "NationalBrainProject"), G)], ontology
    )
    types = {q.object.value for q in out if q.predicate == RDF_TYPE}
    assert {
        IBI + "BrainInitiative",
        SCHEMA + "ResearchProject",
        SCHEMA + "Project",
        SCHEMA + "Organization",
    } <= types
    assert SCHEMA + "Thing" not in types
    assert {q.graph_name for q in out} == {G}


def test_materialize_mirrors_name_as_label_and_lead_agency_as_funder(
    ontology: list[ox.Quad],
) -> None:
    name = ox.Literal("X", language="en")
    agency = ox.NamedNode("https://w3id.org/ibigraph/id/agency")
    out = set(
        materialize(
            [
                ox.Quad(X, ox.NamedNode(SCHEMA + "name"), name, G),
                ox.Quad(X, ox.NamedNode(IBI + "leadAgency"), agency, G),
            ],
            ontology,
        )
    )
    assert ox.Quad(X, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), name, G) in out
    assert ox.Quad(X, ox.NamedNode(SCHEMA + "funder"), agency, G) in out


def test_materialize_is_idempotent(ontology: list[ox.Quad]) -> None:
    once = materialize([ox.Quad(X, RDF_TYPE, ox.NamedNode(IBI + "University"), G)], ontology)
    assert sorted(map(str, materialize(once, ontology))) == sorted(map(str, once))


def test_turtle_triples_go_to_the_given_graph(tmp_path: Path) -> None:
    f = tmp_path / "a.ttl"
    f.write_text("<https://e.org/a> <https://e.org/p> <https://e.org/b> .\n")
    (q,) = parse_file(f, graph=G)
    assert q.graph_name == G


def test_unknown_extension_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "data.csv"
    f.write_text("a,b\n")
    with pytest.raises(DataSyntaxError, match=r"unknown RDF file extension '\.csv'"):
        parse_file(f)


def test_undecodable_file_is_bad_input(tmp_path: Path) -> None:
    f = tmp_path / "data.ttl"
    f.write_bytes(b'<https://e.org/a> <https://e.org/p> "\xff\xfe" .\n')
    with pytest.raises(DataSyntaxError) as exc:
        parse_file(f)
    assert str(f) in str(exc.value)


LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=30)


@given(prefix=st.sampled_from(sorted(prefixes("https://w3id.org/ibigraph/"))), local=LOCAL)
def test_compact_round_trips(prefix: str, local: str) -> None:
    pm = prefixes("https://w3id.org/ibigraph/")
    curie = compact(pm[prefix] + local, pm)
    p, _, rest = curie.partition(":")
    assert pm[p] + rest == pm[prefix] + local


@given(st.text(max_size=40))
def test_compact_never_returns_a_wrong_curie(text: str) -> None:
    pm = prefixes("https://w3id.org/ibigraph/")
    iri = "https://elsewhere.example/" + text
    assert compact(iri, pm) == f"<{iri}>"
