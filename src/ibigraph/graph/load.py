"""Read ontology/ and data/ into quads, rebase them, and materialize the public vocabulary.

Files are parsed with Oxigraph's parsers, which report the line and column of a syntax error.
Data files are TriG: one named graph per source. The ontology files go into the graph
`{base}ontology` and the shapes into `{base}shapes`, so `GRAPH ?g` tells where every triple
comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox

from ..config import DEFAULT_BASE, Settings
from ..errors import DataSyntaxError
from ..rdf.terms import subject_of
from ..rdf.vocab import RDF, RDFS, SCHEMA

__all__ = [
    "FORMATS",
    "Sources",
    "data_files",
    "format_for",
    "materialize",
    "materialized",
    "parse_file",
    "read_sources",
    "stream_file",
]

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}

_TYPE = ox.NamedNode(RDF + "type")
_SUBCLASS = RDFS + "subClassOf"
_SUBPROPERTY = RDFS + "subPropertyOf"
_NAME = ox.NamedNode(SCHEMA + "name")
_LABEL = ox.NamedNode(RDFS + "label")
# Too general to be worth a triple per entity.
_NOT_MATERIALIZED = {SCHEMA + "Thing", RDFS + "Resource", "http://www.w3.org/2002/07/owl#Thing"}


def format_for(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise DataSyntaxError(
            str(path), f"unknown RDF file extension {path.suffix!r} (use {', '.join(FORMATS)})"
        ) from None


_T = TypeVar("_T", bound=ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph)


def _rebase_term(term: _T, base: str) -> _T:
    """`term`, or a term of the same kind with its IRI moved from the default base to `base`."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE):
        return cast(_T, ox.NamedNode(base + term.value[len(DEFAULT_BASE) :]))
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(DEFAULT_BASE):
        return cast(_T, ox.Literal(term.value, datatype=_rebase_term(term.datatype, base)))
    return term


def rebase(quads: Iterable[ox.Quad], base: str) -> Iterator[ox.Quad]:
    """Move IRIs written under the default base to the configured one."""
    if base == DEFAULT_BASE:
        yield from quads
        return
    for q in quads:
        yield ox.Quad(
            _rebase_term(q.subject, base),
            _rebase_term(q.predicate, base),
            _rebase_term(q.object, base),
            _rebase_term(q.graph_name, base),
        )


def _graph(q: ox.Quad | ox.Triple) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    return q.graph_name if isinstance(q, ox.Quad) else ox.DefaultGraph()


def parse_file(
    path: Path, base: str = DEFAULT_BASE, graph: ox.NamedNode | None = None
) -> list[ox.Quad]:
    """Parse one RDF file; triples land in `graph` if given. Syntax errors name file:line:col."""
    return list(stream_file(path, base, graph))


def stream_file(
    path: Path, base: str = DEFAULT_BASE, graph: ox.NamedNode | None = None
) -> Iterator[ox.Quad]:
    """`parse_file`, one quad at a time (a file larger than memory streams); a syntax error is
    raised when the parser reaches it."""
    fmt = format_for(path)
    try:
        with path.open("rb") as f:
            parsed = ox.parse(f, format=fmt, base_iri=base, rename_blank_nodes=True)
            quads = (
                ox.Quad(q.subject, q.predicate, q.object, graph if graph is not None else _graph(q))
                for q in parsed
            )
            yield from rebase(quads, base)
    except SyntaxError as e:
        raise DataSyntaxError.from_parser(str(path), e) from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataSyntaxError(str(path), f"cannot read file: {e}") from None


def data_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the RDF files they hold, sorted; keep files as given."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in FORMATS))
        elif p.exists():
            out.append(p)
        else:
            raise DataSyntaxError(str(p), "no such file or directory")
    return out


@dataclass(frozen=True)
class Sources:
    """Everything a build reads: ontology, shapes and data, each as quads."""

    ontology: list[ox.Quad]
    shapes: list[ox.Quad]
    data: list[ox.Quad]

    def all_quads(self) -> list[ox.Quad]:
        return [*self.ontology, *self.shapes, *self.data]


def read_sources(settings: Settings, paths: Iterable[Path] | None = None) -> Sources:
    """Parse the ontology, the shapes and the data files (default: everything under data/)."""
    onto_graph = ox.NamedNode(settings.ontology_graph)
    shapes_graph = ox.NamedNode(settings.shapes_graph)
    onto_files = sorted(
        f for f in settings.ontology_dir.glob("*.ttl") if f.name != settings.shapes_file.name
    )
    if not onto_files:
        raise DataSyntaxError(str(settings.ontology_dir), "no ontology files (*.ttl) found")
    ontology = [q for f in onto_files for q in parse_file(f, settings.base, onto_graph)]
    shapes = parse_file(settings.shapes_file, settings.base, shapes_graph)
    files = data_files(list(paths) if paths is not None else [settings.data_dir])
    data = [q for f in files for q in parse_file(f, settings.base)]
    return Sources(ontology=ontology, shapes=shapes, data=data)


def _closure(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = {}
    for sub, sup in pairs:
        direct.setdefault(sub, set()).add(sup)
    closed: dict[str, set[str]] = {}

    def walk(node: str, seen: set[str]) -> set[str]:
        for sup in direct.get(node, ()):
            if sup not in seen:
                seen.add(sup)
                walk(sup, seen)
        return seen

    for node in direct:
        closed[node] = walk(node, set()) - {node} - _NOT_MATERIALIZED
    return closed


def materialize(data: Iterable[ox.Quad], ontology: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Add, in the same graph, the super-classes and super-properties the ontology implies,
    and an `rdfs:label` for every `schema:name`, so schema.org queries need no reasoning."""
    return list(dict.fromkeys(materialized(data, ontology)))


def materialized(data: Iterable[ox.Quad], ontology: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """`materialize`, one quad at a time: each data quad, then what it implies (a quad may come
    more than once; a store keeps one)."""
    onto = list(ontology)
    supers_c = _closure(
        (subject_of(q).value, q.object.value)
        for q in onto
        if q.predicate.value == _SUBCLASS and isinstance(q.object, ox.NamedNode)
    )
    supers_p = _closure(
        (subject_of(q).value, q.object.value)
        for q in onto
        if q.predicate.value == _SUBPROPERTY and isinstance(q.object, ox.NamedNode)
    )
    supers_c_sorted = {c: sorted(s) for c, s in supers_c.items()}
    supers_p_nodes = {p: [ox.NamedNode(sp) for sp in sorted(s)] for p, s in supers_p.items()}
    for q in data:
        yield q
        p = q.predicate
        if p == _TYPE and isinstance(q.object, ox.NamedNode):
            for c in supers_c_sorted.get(q.object.value, ()):
                yield ox.Quad(q.subject, _TYPE, ox.NamedNode(c), q.graph_name)
        for sp in supers_p_nodes.get(p.value, ()):
            yield ox.Quad(q.subject, sp, q.object, q.graph_name)
        if p == _NAME:
            yield ox.Quad(q.subject, _LABEL, q.object, q.graph_name)
