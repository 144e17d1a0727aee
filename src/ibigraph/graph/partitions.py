"""Validation of a stored graph in partitions: bounded memory, the results of the whole graph.

The store's nodes are cut into partitions of about `size` quads. Each partition is validated
(`validate_quads`, as the whole graph and the write path are) on what the shapes read about its
nodes, and only the results about its own nodes are kept. Every node whole-graph validation can
report on is in exactly one partition, so the partitions' results together are the whole
graph's. What the shapes read about a node, besides its own description (its data quads):

- the types of the nodes it links to and of the graphs that state its facts (`sh:class` on
  values, `ibi:assertedIn`);
- at those values, the quads that point at them by a predicate a path walks backwards
  (`sh:inversePath`: the entities sharing a `schema:sameAs`, the graphs citing one source), and
  the types of their subjects;
- the quads that point at the node itself by a predicate a target, a path or a SPARQL
  constraint reads backwards (`sh:targetObjectsOf`, `?m org:member $this`), and for a SPARQL
  constraint the whole description of their subjects.

Those predicates are read off the shapes (`Reach.of`), so a new shape of these kinds is covered.
A shape that reads further (two inverse steps, a SPARQL constraint two hops away) is not; the
tests that compare both validations on the curated data would show it.

Partitions run in `jobs` processes, each with the store open read-only.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from ..config import Settings
from ..rdf.terms import subject_of
from ..rdf.vocab import RDF, SH
from .load import read_sources
from .validate import (
    Progress,
    ShapesContext,
    ValidationReport,
    ValidationResult,
    gather_report,
    validate_quads,
)
from .workers import in_processes

__all__ = [
    "Reach",
    "data_of",
    "outside_union",
    "partition_data",
    "protected_graphs",
    "validate_in_partitions",
]

_TYPE = ox.NamedNode(RDF + "type")
_DEFAULT = ox.DefaultGraph()
_BACKWARDS_IN_SPARQL = re.compile(r"<([^<>\s]+)>\s+\$this\b")

NodeKey = tuple[bool, str]  # (is a blank node, IRI or id): a node that pickles


@dataclass(frozen=True)
class Reach:
    """The predicates the shapes follow backwards."""

    backwards: frozenset[ox.NamedNode]  # at the node: the pointing quad
    hop: frozenset[ox.NamedNode]  # at the node: the pointing quad and its subject's description
    inverse: frozenset[ox.NamedNode]  # at the node and at its values: the pointing quad

    @classmethod
    def of(cls, shapes: Iterable[ox.Quad]) -> Reach:
        backwards: set[ox.NamedNode] = set()
        hop: set[ox.NamedNode] = set()
        inverse: set[ox.NamedNode] = set()
        for q in shapes:
            p, o = q.predicate.value, q.object
            if p == SH + "targetObjectsOf" and isinstance(o, ox.NamedNode):
                backwards.add(o)
            elif p == SH + "inversePath" and isinstance(o, ox.NamedNode):
                inverse.add(o)
            elif p == SH + "select" and isinstance(o, ox.Literal):
                hop.update(ox.NamedNode(iri) for iri in _BACKWARDS_IN_SPARQL.findall(o.value))
        return cls(frozenset(backwards), frozenset(hop), frozenset(inverse))


def data_of(quads: Iterable[ox.Quad], protected: set[ox.NamedNode]) -> list[ox.Quad]:
    """The data among `quads`, which hold every graph's copy of their triples: not the
    `protected` graphs' (ontology, shapes, audit), nor the default graph's copies of named-graph
    triples (which make it the union), but its own facts."""
    quads = list(quads)
    named = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name != _DEFAULT}
    return [
        q
        for q in quads
        if q.graph_name not in protected
        if q.graph_name != _DEFAULT or (q.subject, q.predicate, q.object) not in named
    ]


def outside_union(store: ox.Store, settings: Settings) -> list[ox.NamedNode]:
    """The data graphs whose triples are not in the union default graph (articles), in order."""
    protected = protected_graphs(settings)
    graphs = (g for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return sorted(
        (g for g in graphs if g not in protected and not settings.in_union(g.value)), key=str
    )


def protected_graphs(settings: Settings) -> set[ox.NamedNode]:
    """The graphs that are not data: the ontology, the shapes, the audit graph."""
    graphs = (settings.ontology_graph, settings.shapes_graph, settings.audit_graph)
    return {ox.NamedNode(g) for g in graphs}


class _Reader:
    """The data quads of a store as whole-graph validation sees them (`data_of`)."""

    def __init__(self, store: ox.Store, settings: Settings) -> None:
        self.store = store
        self.protected = protected_graphs(settings)

    def _kept(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        return data_of(quads, self.protected)

    def description(self, node: ox.NamedNode | ox.BlankNode) -> list[ox.Quad]:
        return self._kept(self.store.quads_for_pattern(node, None, None, None))

    def types(self, node: ox.NamedNode | ox.BlankNode) -> list[ox.Quad]:
        return self._kept(self.store.quads_for_pattern(node, _TYPE, None, None))

    def incoming(self, node: ox.NamedNode | ox.BlankNode, p: ox.NamedNode) -> list[ox.Quad]:
        return self._kept(self.store.quads_for_pattern(None, p, node, None))


def partition_data(
    reader: _Reader, nodes: Iterable[ox.NamedNode | ox.BlankNode], reach: Reach
) -> list[ox.Quad]:
    """The data quads the shapes read to judge `nodes` (see the module's docstring)."""
    data: set[ox.Quad] = set()
    values: set[ox.NamedNode | ox.BlankNode] = set()
    for node in nodes:
        own = reader.description(node)
        data.update(own)
        for q in own:
            if q.predicate != _TYPE and isinstance(q.object, (ox.NamedNode, ox.BlankNode)):
                values.add(q.object)
            if isinstance(q.graph_name, ox.NamedNode):
                values.add(q.graph_name)
        for p in reach.backwards | reach.inverse:
            data.update(reader.incoming(node, p))
        for p in reach.hop:
            for q in reader.incoming(node, p):
                data.add(q)
                data.update(reader.description(subject_of(q)))
    for v in values:
        data.update(reader.types(v))
        for p in reach.inverse:
            for q in reader.incoming(v, p):
                data.add(q)
                data.update(reader.types(subject_of(q)))
    return list(data)


def _node(key: NodeKey) -> ox.NamedNode | ox.BlankNode:
    blank, value = key
    return ox.BlankNode(value) if blank else ox.NamedNode(value)


def _key(node: ox.NamedNode | ox.BlankNode) -> NodeKey:
    return (isinstance(node, ox.BlankNode), node.value)


class _Partitioner:
    """Cuts the store's nodes into partitions as it streams the store once.

    The nodes are the subjects of the default graph (the union: every source's subjects, in
    index order, so a subject's quads come together), the subjects of the named graphs outside
    the union (articles), and the nodes that are only ever objects but that shapes target: IRIs
    under the entity namespace (typed `ibi:Entity` by the validation view) and the objects of
    `sh:targetObjectsOf` predicates."""

    def __init__(self, store: ox.Store, settings: Settings, reach: Reach) -> None:
        self.store, self.settings, self.reach = store, settings, reach
        self.reader = _Reader(store, settings)
        self.orphans: set[NodeKey] = set()
        self.described = lru_cache(maxsize=65536)(self._described)

    def _described(self, node: ox.NamedNode | ox.BlankNode) -> bool:
        return any(
            q.graph_name not in self.reader.protected
            for q in self.store.quads_for_pattern(node, None, None, None)
        )

    def _orphan(self, q: ox.Quad) -> NodeKey | None:
        o = q.object
        if not isinstance(o, (ox.NamedNode, ox.BlankNode)):
            return None
        entity = isinstance(o, ox.NamedNode) and o.value.startswith(self.settings.entity_ns)
        if not (entity or q.predicate in self.reach.backwards):
            return None
        key = _key(o)
        if key in self.orphans or self.described(o):
            return None
        self.orphans.add(key)
        return key

    def _stream(self) -> Iterator[tuple[ox.Quad, bool]]:
        """Every quad to partition, and whether its subject must be a node of its own."""
        for q in self.store.quads_for_pattern(None, None, None, _DEFAULT):
            yield q, True
        for g in outside_union(self.store, self.settings):
            last, own = None, False
            for q in self.store.quads_for_pattern(None, None, None, g):
                if q.subject != last:  # a subject with default-graph quads is a node already
                    last = q.subject
                    default = self.store.quads_for_pattern(last, None, None, _DEFAULT)
                    own = next(default, None) is None
                yield q, own

    def total(self) -> int:
        """How many quads the stream has (the default graph counted by the engine)."""
        solutions = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(solutions, ox.QuerySolutions)
        n = next(solutions)["n"]
        default = int(n.value) if isinstance(n, ox.Literal) else 0
        return default + sum(
            sum(1 for _ in self.store.quads_for_pattern(None, None, None, g))
            for g in outside_union(self.store, self.settings)
        )

    def __call__(self, size: int) -> Iterator[tuple[list[NodeKey], int]]:
        """Partitions of nodes, each with how many streamed quads it covers."""
        batch: list[NodeKey] = []
        seen_here: set[NodeKey] = set()  # subjects outside the default graph repeat per graph
        weight, last = 0, None
        for q, own in self._stream():
            s = subject_of(q)
            if own and s != last:
                last = s
                key = _key(s)
                if key not in seen_here:
                    if weight >= size:
                        yield batch, weight
                        batch, weight = [], 0
                    if q.graph_name != _DEFAULT:
                        seen_here.add(key)
                    batch.append(key)
            weight += 1
            orphan = self._orphan(q)
            if orphan is not None:
                batch.append(orphan)
        if batch or weight:
            yield batch, weight


class _Validator:
    """Validates partitions of one store (in each worker process, or in this one)."""

    def __init__(self, path: str, settings: Settings) -> None:
        self.settings = settings
        self.sources = read_sources(settings, paths=[])
        self.context = ShapesContext.of(self.sources)
        self.reach = Reach.of(self.sources.shapes)
        self.reader = _Reader(ox.Store.read_only(path), settings)

    def __call__(self, keys: list[NodeKey]) -> list[ValidationResult]:
        nodes = [_node(k) for k in keys]
        data = partition_data(self.reader, nodes, self.reach)
        if not data:
            return []
        report = validate_quads(data, self.sources, self.settings, self.context)
        own = {k[1] for k in keys}
        return [r for r in report.results if r.focus_node in own]


_worker: _Validator | None = None


def _start_worker(path: str, settings: Settings) -> None:
    global _worker
    _worker = _Validator(path, settings)


def _run_in_worker(task: tuple[list[NodeKey], int]) -> tuple[list[ValidationResult], int]:
    assert _worker is not None, "the pool's initializer starts the worker"
    keys, weight = task
    return _worker(keys), weight


def validate_in_partitions(
    path: Path,
    settings: Settings,
    *,
    size: int = 2000,
    jobs: int = 1,
    progress: Progress | None = None,
    stop_after: int | None = None,
) -> ValidationReport:
    """Validate the store at `path` (a directory) in partitions of about `size` quads, in
    `jobs` processes. With `stop_after`, stop once that many violations are found."""
    store = ox.Store.read_only(str(path))
    reach = Reach.of(read_sources(settings, paths=[]).shapes)
    partitioner = _Partitioner(store, settings, reach)
    total = partitioner.total()
    partitions = partitioner(max(1, size))
    if jobs <= 1:
        validator = _Validator(str(path), settings)
        finished: Generator[tuple[list[ValidationResult], int]] = (
            (validator(keys), weight) for keys, weight in partitions
        )
    else:
        finished = in_processes(
            _start_worker, (str(path), settings), _run_in_worker, partitions, jobs
        )
    return gather_report(finished, total, progress, stop_after)
