"""A read-only view of the curated facts: only what described source graphs state.

Ingestion reads the curated graph through anything with pyoxigraph's
`quads_for_pattern(s, p, o, g)` (an `ox.Store`, or the server's writer). A fact counts as curated
only if it sits in a named graph described as an `ibi:SourceGraph`, never in the default graph
(the build copies the union there) and never in an article graph, so claims can never confirm
themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import pyoxigraph as ox

from ..config import Settings
from ..rdf.terms import object_of
from ..rdf.vocab import DCTERMS, RDF, RDFS, SCHEMA

__all__ = ["Curated", "Fact", "QuadReader", "article_ns"]

_TYPE = ox.NamedNode(RDF + "type")


class QuadReader(Protocol):
    """What ingestion needs of a store: pyoxigraph's pattern lookup (None matches anything)."""

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | None,
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]: ...


def article_ns(settings: Settings) -> str:
    """Where article graphs live; they are never curated sources."""
    return settings.base + "article/"


@dataclass(frozen=True)
class Fact:
    """One curated triple and the source graph that states it."""

    subject: str
    predicate: str
    object: ox.NamedNode | ox.BlankNode | ox.Literal
    graph: str


class Curated:
    """Curated facts, each with its source graph; entity names and class labels for messages."""

    def __init__(self, reader: QuadReader, settings: Settings) -> None:
        self.reader = reader
        self.settings = settings
        self._names: dict[str, str] = {}

    @cached_property
    def sources(self) -> dict[str, str | None]:
        """Source graph IRI -> the URL of the source it transcribes (`dcterms:source`)."""
        kind = ox.NamedNode(self.settings.ontology_ns + "SourceGraph")
        skip = article_ns(self.settings)
        graphs = {
            q.subject.value
            for q in self.reader.quads_for_pattern(None, _TYPE, kind, None)
            if isinstance(q.subject, ox.NamedNode) and not q.subject.value.startswith(skip)
        }
        source = ox.NamedNode(DCTERMS + "source")
        out: dict[str, str | None] = {}
        for g in sorted(graphs):
            urls = sorted(
                q.object.value
                for q in self.reader.quads_for_pattern(ox.NamedNode(g), source, None, None)
                if isinstance(q.object, ox.NamedNode)
            )
            out[g] = urls[0] if urls else None
        return out

    def facts(
        self, subject: str | None, predicate: str | None, obj: str | None = None
    ) -> list[Fact]:
        """Curated triples matching the pattern (IRIs as strings; None matches anything)."""
        s = ox.NamedNode(subject) if subject else None
        p = ox.NamedNode(predicate) if predicate else None
        o = ox.NamedNode(obj) if obj else None
        out = {
            Fact(q.subject.value, q.predicate.value, object_of(q), q.graph_name.value)
            for q in self.reader.quads_for_pattern(s, p, o, None)
            if isinstance(q.graph_name, ox.NamedNode)
            and q.graph_name.value in self.sources
            and isinstance(q.subject, ox.NamedNode)
        }
        return sorted(out, key=lambda f: (f.subject, f.predicate, str(f.object), f.graph))

    def types(self, iri: str) -> dict[str, set[str]]:
        """Curated classes of an entity (with the super-classes the build materialized) ->
        the source graphs that state them."""
        out: dict[str, set[str]] = {}
        for f in self.facts(iri, _TYPE.value):
            if isinstance(f.object, ox.NamedNode):
                out.setdefault(f.object.value, set()).add(f.graph)
        return out

    def name(self, iri: str) -> str:
        """The entity's `schema:name` (or the class's `rdfs:label`), else the IRI's last part."""
        cached = self._names.get(iri)
        if cached is not None:
            return cached
        node = ox.NamedNode(iri)
        for p in (SCHEMA + "name", RDFS + "label"):
            labels = sorted(
                q.object.value
                for q in self.reader.quads_for_pattern(node, ox.NamedNode(p), None, None)
                if isinstance(q.object, ox.Literal)
            )
            if labels:
                self._names[iri] = labels[0]
                return labels[0]
        return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    @cached_property
    def superclasses(self) -> dict[str, set[str]]:
        """`rdfs:subClassOf` closure from the ontology the reader holds (any graph)."""
        direct: dict[str, set[str]] = {}
        for q in self.reader.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                direct.setdefault(q.subject.value, set()).add(q.object.value)
        return {c: _reach(c, direct) for c in direct}


def _reach(start: str, direct: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for sup in direct.get(todo.pop(), ()):
            if sup not in seen:
                seen.add(sup)
                todo.append(sup)
    return seen
