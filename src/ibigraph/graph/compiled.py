"""Validation of a stored graph by the shapes compiled to SPARQL (shacl_sparql.py), which the
engine runs over the store on disk: each node shape's focus nodes are found once, and its checks
run on them in batches (bounded memory), in `jobs` processes. pySHACL validates an rdflib graph
in memory, which at millions of quads takes hours even in partitions (partitions.py, the
fallback for shapes the compiler does not translate; bench/RESULTS.md)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ..config import Settings
from .load import read_sources
from .partitions import outside_union
from .shacl_functions import FUNCTIONS, Term
from .shacl_sparql import NotCompilable, compile_shapes
from .validate import Progress, ShapesContext, ValidationReport, ValidationResult, gather_report
from .workers import in_processes

__all__ = ["validate_compiled", "view_graphs"]


_BLANK_NODE_FN = ox.NamedNode("urn:ibigraph:function:blank-node")


def _blank_node(label: Term) -> ox.BlankNode | None:
    return ox.BlankNode(label.value) if isinstance(label, ox.Literal) else None


_FUNCTIONS: dict[ox.NamedNode, Callable[..., Term | None]] = {
    **FUNCTIONS,
    _BLANK_NODE_FN: _blank_node,
}


def view_graphs(
    store: ox.Store, settings: Settings
) -> list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]:
    """The graphs whose union is the validation view's triples (shacl_sparql.py says which)."""
    return [
        ox.DefaultGraph(),
        *outside_union(store, settings),
        ox.NamedNode(settings.ontology_graph),
    ]


def _require_union(store: ox.Store, settings: Settings) -> None:
    """NotCompilable unless the default graph holds a copy of every triple of the graphs in the
    union, as `build`, `load` and writes keep it: the queries read the union there, and a store
    written another way (a bulk load of named graphs alone) would hide facts from them."""
    graphs: list[ox.NamedNode | ox.BlankNode] = [
        g
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and settings.in_union(g.value)
    ]
    if not graphs:
        return
    missing = store.query(
        "ASK { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }",
        named_graphs=graphs,
    )
    if missing:
        raise NotCompilable("the default graph lacks copies of named-graph triples (the union)")


def validate_compiled(
    path: Path,
    settings: Settings,
    *,
    size: int = 2000,
    jobs: int = 1,
    progress: Progress | None = None,
    stop_after: int | None = None,
    union_checked: bool = False,
) -> ValidationReport:
    """Validate the store at `path` with the shapes compiled to SPARQL: each shape's checks run
    on its focus nodes `size` at a time, in `jobs` processes. With `stop_after`, stop once that
    many violations are found. `progress` hears (focus nodes checked, of all), each node
    counted once per check. Memory grows with the focus nodes (found first, ~150 bytes each),
    not with the quads. NotCompilable if the shapes use SHACL the compiler does not
    translate, or if the default graph is not the union (unless `union_checked`: the caller
    wrote it, e.g. `load`; the check scans the store, ~50 s at 10M quads)."""
    main = _Checker(str(path), settings)  # raises NotCompilable before any process starts
    if not union_checked:
        _require_union(main.store, settings)
    focus = [
        [_key(n) for n in main.focus_nodes(i)] if t.checks else []
        for i, t in enumerate(main.targets)
    ]
    total = sum(len(keys) * len(t.checks) for keys, t in zip(focus, main.targets, strict=True))
    tasks = (
        (i, keys, stop_after)
        for i, nodes in enumerate(focus)
        for keys in _batched(nodes, max(1, size))
    )
    finished: Generator[tuple[list[ValidationResult], int]]
    if jobs <= 1:
        finished = (main(task) for task in tasks)
    else:
        finished = in_processes(_start, (str(path), settings), _run, tasks, jobs)
    return gather_report(finished, total, progress, stop_after)


NodeKey = tuple[str, str]  # ("blank", its label) or ("term", the IRI or literal in N-Triples)
Task = tuple[int, list[NodeKey], int | None]  # a target, its focus nodes, a row limit


def _key(node: ox.NamedNode | ox.BlankNode | ox.Literal) -> NodeKey:
    return ("blank", node.value) if isinstance(node, ox.BlankNode) else ("term", str(node))


class _Checker:
    """The compiled shapes over one store (in each worker process, or in this one)."""

    def __init__(self, path: str, settings: Settings) -> None:
        context = ShapesContext.of(read_sources(settings, paths=[]))
        self.targets = compile_shapes(context.shapes, context.ontology, settings)
        self.store = ox.Store.read_only(path)
        self.graphs = view_graphs(self.store, settings)

    def select(self, query: str) -> ox.QuerySolutions:
        solutions = self.store.query(query, default_graph=self.graphs, custom_functions=_FUNCTIONS)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    def focus_nodes(self, target: int) -> Iterator[ox.NamedNode | ox.BlankNode | ox.Literal]:
        for s in self.select(self.targets[target].focus):
            node = s["this"]
            if isinstance(node, (ox.NamedNode, ox.BlankNode, ox.Literal)):
                yield node

    def __call__(self, task: Task) -> tuple[list[ValidationResult], int]:
        """The results of a shape's checks on a batch of its focus nodes, and the work done."""
        target, keys, limit = task
        group = _focus_group(keys)
        checks = self.targets[target].checks
        results: list[ValidationResult] = []
        for check in checks:
            solutions = self.select(
                check.on(group) + (f" LIMIT {limit}" if limit is not None else "")
            )
            results.extend(check.results(solutions))
        return results, len(keys) * len(checks)


_worker: _Checker | None = None


def _start(path: str, settings: Settings) -> None:
    global _worker
    _worker = _Checker(path, settings)


def _run(task: Task) -> tuple[list[ValidationResult], int]:
    assert _worker is not None, "the pool's initializer starts the worker"
    return _worker(task)


def _focus_group(keys: list[NodeKey]) -> str:
    """A group binding ?this to the nodes. SPARQL cannot name a stored blank node, so those
    come from their labels through a custom function."""
    terms = " ".join(value for kind, value in keys if kind != "blank")
    labels = " ".join(str(ox.Literal(value)) for kind, value in keys if kind == "blank")
    groups = [f"{{ VALUES ?this {{ {terms} }} }}"] if terms else []
    if labels:
        groups.append(
            f"{{ VALUES ?_label {{ {labels} }} BIND(<{_BLANK_NODE_FN.value}>(?_label) AS ?this) }}"
        )
    return " UNION ".join(groups)


T = TypeVar("T")


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
