"""Entity documents: what dereferencing an entity IRI returns, in every format.

A document holds the entity's own facts (each in the source graph that states it), the
incoming links that matter (members of an initiative, what a funder funds), the names and
types of every entity it links to, and the descriptions of the source graphs involved.
Turtle, N-Triples, RDF/XML and JSON-LD carry its triples; TriG and N-Quads keep the graphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox

from ..config import Limits
from ..rdf.terms import GraphName, Subject, Term, object_of, subject_of
from ..rdf.vocab import DCTERMS, RDF, SCHEMA, SCHEMA_LINKS
from ..sparql.request import QueryRequest
from ..store.service import QueryService

__all__ = [
    "LINK_PROPERTIES",
    "EntityDocument",
    "fetch_document",
    "fetch_resource",
    "rows",
    "select",
]

LINK_PROPERTIES = [SCHEMA + p for p in SCHEMA_LINKS]
# the links from other entities a document shows ("Linked from"): also a work's authors, an
# event's attendees and an organisation's successor
_INCOMING = [
    *LINK_PROPERTIES,
    *(SCHEMA + p for p in ("attendee", "author", "creator")),
    DCTERMS + "replaces",
]
_LABELS = [RDF + "type", SCHEMA + "name"]
_SOURCE = [
    RDF + "type",
    DCTERMS + "source",
    DCTERMS + "title",
    DCTERMS + "publisher",
    DCTERMS + "date",
]


def _in(props: list[str]) -> str:
    return ", ".join(f"<{p}>" for p in props)


def document_query(iri: ox.NamedNode) -> str:
    e = str(iri)  # N-Triples syntax of a checked IRI: safe to place in the query
    return f"""SELECT DISTINCT ?s ?p ?o ?g WHERE {{
  {{ GRAPH ?g {{ {e} ?p ?o }} BIND ({e} AS ?s) }}
  UNION
  {{ GRAPH ?g {{ ?s ?p {e} }} FILTER (?p IN ({_in(_INCOMING)})) BIND ({e} AS ?o) }}
  UNION
  {{ {{ {e} ?lp ?s }} UNION {{ ?s ?lp {e} FILTER (?lp IN ({_in(_INCOMING)})) }}
     FILTER (isIRI(?s) && ?s != {e})
     ?s ?p ?o FILTER (?p IN ({_in(_LABELS)})) }}
  UNION
  {{ GRAPH ?s {{ {e} ?x ?y }} ?s ?p ?o FILTER (?p IN ({_in(_SOURCE)})) }}
}}"""


def rows(body: bytes) -> list[dict[str, Term]]:
    results = cast(
        ox.QuerySolutions, ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    )
    names = [v.value for v in results.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in results]


@dataclass
class EntityDocument:
    iri: str
    quads: list[ox.Quad]
    triples: list[ox.Triple] = field(init=False)

    def __post_init__(self) -> None:
        seen: dict[tuple[str, str, str], ox.Triple] = {}
        for q in self.quads:
            seen.setdefault(
                (str(q.subject), str(q.predicate), str(q.object)),
                ox.Triple(q.subject, q.predicate, q.object),
            )
        self.triples = list(seen.values())

    @property
    def types(self) -> list[str]:
        return sorted(
            {
                object_of(q).value
                for q in self.quads
                if subject_of(q).value == self.iri and q.predicate.value == RDF + "type"
            }
        )

    def facts(self) -> dict[str, list[tuple[Term, list[str]]]]:
        """The entity's own facts: property -> [(value, [source graphs])]."""
        out: dict[str, dict[str, tuple[Term, list[str]]]] = defaultdict(dict)
        for q in self.quads:
            if subject_of(q).value == self.iri and isinstance(q.graph_name, ox.NamedNode):
                key = str(q.object)
                entry = out[q.predicate.value].setdefault(key, (object_of(q), []))
                entry[1].append(q.graph_name.value)
        return {p: [(v, sorted(set(g))) for v, g in vals.values()] for p, vals in out.items()}

    def incoming(self) -> list[tuple[str, str]]:
        return sorted(
            {
                (subject_of(q).value, q.predicate.value)
                for q in self.quads
                if isinstance(q.object, ox.NamedNode)
                and q.object.value == self.iri
                and subject_of(q).value != self.iri
            }
        )

    def labels(self) -> dict[str, str]:
        return {
            subject_of(q).value: object_of(q).value
            for q in self.quads
            if q.predicate.value == SCHEMA + "name"
        }

    def sources(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for q in self.quads:
            if q.predicate.value.startswith(DCTERMS) and isinstance(q.graph_name, ox.DefaultGraph):
                key = q.predicate.value.removeprefix(DCTERMS)
                out[subject_of(q).value][key] = object_of(q).value
        return dict(out)


async def select(service: QueryService, query: str, limits: Limits) -> list[dict[str, Term]]:
    """Run a SELECT through the service and return its rows as terms."""
    reply = await service.execute(
        QueryRequest(query, accept="application/sparql-results+json", limits=limits)
    )
    return rows(reply.body)


def _quad(r: dict[str, Term]) -> ox.Quad:
    """The quad of a row of ?s ?p ?o and an optional ?g (default graph if unbound)."""
    g = r.get("g")
    return ox.Quad(
        cast(Subject, r["s"]),
        cast(ox.NamedNode, r["p"]),
        r["o"],
        cast(GraphName, g) if g is not None else ox.DefaultGraph(),
    )


async def fetch_document(service: QueryService, iri: str, limits: Limits) -> EntityDocument | None:
    """The entity's document, or None if nothing states a fact about it."""
    node = ox.NamedNode(iri)
    quads: list[ox.Quad] = []
    for r in await select(service, document_query(node), limits):
        quads.append(_quad(r))
    if not any(q.subject == node and isinstance(q.graph_name, ox.NamedNode) for q in quads):
        return None
    return EntityDocument(iri, quads)


def resource_query(iri: ox.NamedNode, limit: int) -> str:
    """What any other IRI the service mints (a change, an agent, a source graph…) says: its
    statements in every graph and in the default graph, the links to it, and, if it names a
    graph, that graph's triples."""
    e = str(iri)
    return f"""SELECT DISTINCT ?s ?p ?o ?g WHERE {{
  {{ GRAPH ?g {{ {e} ?p ?o }} BIND ({e} AS ?s) }}
  UNION {{ {e} ?p ?o BIND ({e} AS ?s) }}
  UNION {{ GRAPH ?g {{ ?s ?p {e} }} BIND ({e} AS ?o) }}
  UNION {{ GRAPH {e} {{ ?s ?p ?o }} BIND ({e} AS ?g) }}
}} LIMIT {limit}"""


async def fetch_resource(service: QueryService, iri: str, limits: Limits) -> EntityDocument | None:
    """The document of a minted IRI that is not an entity, or None if nothing mentions it."""
    quads: list[ox.Quad] = []
    for r in await select(service, resource_query(ox.NamedNode(iri), limits.max_rows), limits):
        quads.append(_quad(r))
    return EntityDocument(iri, quads) if quads else None
