"""Conversions between Oxigraph and rdflib terms (pyshacl works on rdflib graphs), and the
lock every use of rdflib's SPARQL machinery holds."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import overload

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from .terms import Term, object_of, subject_of

__all__ = ["RDFLIB_SPARQL_LOCK", "from_rdflib", "to_rdflib", "to_rdflib_graph"]

# rdflib's SPARQL parser (pyparsing grammar objects shared by the whole process) is not
# thread-safe: parallel parses fail with errors such as "Param.postParse2() missing 1 required
# positional argument". Update parsing and pySHACL (whose SPARQL-based targets and constraints
# use the same parser) hold this lock. Writes are serialized anyway; reads never take it.
RDFLIB_SPARQL_LOCK = threading.Lock()


@overload
def to_rdflib(term: ox.NamedNode) -> rdflib.URIRef: ...
@overload
def to_rdflib(term: ox.BlankNode) -> rdflib.BNode: ...
@overload
def to_rdflib(term: ox.Literal) -> rdflib.Literal: ...
def to_rdflib(term: Term) -> Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def from_rdflib(term: Node) -> Term:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"not an RDF term: {term!r}")


def to_rdflib_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The union of the quads' graphs as one rdflib graph."""
    g = rdflib.Graph()
    for q in quads:
        g.add((to_rdflib(subject_of(q)), to_rdflib(q.predicate), to_rdflib(object_of(q))))
    return g
