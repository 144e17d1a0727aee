"""Static types of the RDF terms ibigraph handles, and typed access to the parts of a quad.

pyoxigraph types a quad's subject and object as possibly an RDF 1.2 triple term. ibigraph reads
them as plain terms (their `.value`, their type); these helpers only say so to the type checker
(`cast`: nothing is checked or converted at run time, so a triple term behaves as before).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias, cast

import pyoxigraph as ox

from .vocab import XSD

__all__ = [
    "GraphName",
    "Subject",
    "Term",
    "date_time",
    "graph_of",
    "object_of",
    "subject_of",
    "triple_of",
]

Subject: TypeAlias = ox.NamedNode | ox.BlankNode
Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal
GraphName: TypeAlias = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def subject_of(t: ox.Quad | ox.Triple) -> Subject:
    return cast(Subject, t.subject)


def object_of(t: ox.Quad | ox.Triple) -> Term:
    return cast(Term, t.object)


def graph_of(q: ox.Quad) -> ox.NamedNode | ox.BlankNode:
    """The graph of a quad read from a named graph (the default graph has no `.value`)."""
    return cast(ox.NamedNode | ox.BlankNode, q.graph_name)


def triple_of(q: ox.Quad) -> tuple[Subject, ox.NamedNode, Term]:
    return (subject_of(q), q.predicate, object_of(q))


def date_time(t: datetime) -> ox.Literal:
    """An aware datetime as an xsd:dateTime, UTC written Z (as the audit graph stores times)."""
    return ox.Literal(t.isoformat().replace("+00:00", "Z"), datatype=ox.NamedNode(XSD + "dateTime"))
