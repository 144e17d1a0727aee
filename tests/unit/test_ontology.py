"""Completeness of the ontology and of the data's vocabulary (as Datasette checks its docs)."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

from ..conftest import ROOT
from ..helpers import SCHEMA

IBI = rdflib.Namespace("https://w3id.org/ibigraph/ontology#")
ORG = "http://www.w3.org/ns/org#"


def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "ibi.ttl")


def ibi_terms(g: rdflib.Graph, kind: rdflib.URIRef) -> set[rdflib.URIRef]:
    return {t for t in g.subjects(RDF.type, kind) if str(t).startswith(str(IBI))}


def test_every_term_has_english_label_and_comment() -> None:
    g = ontology()
    terms = (
        ibi_terms(g, OWL.Class)
        | ibi_terms(g, OWL.ObjectProperty)
        | ibi_terms(g, OWL.NamedIndividual)
    )
    assert len(terms) > 15
    for t in terms:
        for p in (RDFS.label, RDFS.comment):
            values = list(g.objects(t, p))
            assert len(values) == 1 and values[0].language == "en", (t, p)


def _reaches_public_term(g: rdflib.Graph, term: rdflib.URIRef, link: rdflib.URIRef) -> bool:
    return any(
        str(sup).startswith((SCHEMA, ORG))
        for sup in g.transitive_objects(term, link)
        if sup != term
    )


def test_every_class_and_property_refines_a_schema_org_or_org_term() -> None:
    g = ontology()
    for c in ibi_terms(g, OWL.Class):
        assert _reaches_public_term(g, c, RDFS.subClassOf), c
    for p in ibi_terms(g, OWL.ObjectProperty):
        assert _reaches_public_term(g, p, RDFS.subPropertyOf), p


def test_every_entity_class_is_an_allowed_entity_type() -> None:
    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    shape = rdflib.URIRef("https://w3id.org/ibigraph/shapes#entity-type")
    qualified = shapes.value(shape, SH.qualifiedValueShape)
    allowed = set(rdflib.collection.Collection(shapes, shapes.value(qualified, SH["in"])))
    g = ontology()
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    # records about the graph (changes, articles, claims) refine PROV-O; they are not entities
    records = {
        c
        for c in ibi_terms(g, OWL.Class)
        if set(g.objects(c, RDFS.subClassOf)) & {prov.Activity, prov.Entity}
    }
    classes = ibi_terms(g, OWL.Class) - {IBI.SourceGraph, IBI.Entity} - records
    assert IBI.Change in records
    assert classes <= allowed


def test_data_uses_only_declared_ibi_terms_and_public_vocabularies() -> None:
    g = ontology()
    declared = set(g.subjects(RDF.type, None))
    ds = rdflib.Dataset()
    for f in sorted((ROOT / "data").glob("*.trig")):
        ds.parse(f, format="trig")
    allowed_ns = (
        SCHEMA,
        str(RDF),
        str(RDFS),
        "http://purl.org/dc/terms/",
        "http://www.w3.org/ns/org#",
    )
    for _, p, o, _ in ds.quads():
        for term in (p, o if p == RDF.type else None):
            if term is None:
                continue
            if str(term).startswith(str(IBI)):
                assert term in declared, f"undeclared ibigraph term {term}"
            else:
                assert str(term).startswith(allowed_ns), f"{term} is outside the public vocabulary"
