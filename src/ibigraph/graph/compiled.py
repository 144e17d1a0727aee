"""Validation of a stored graph by the shapes compiled to SPARQL (shacl_sparql.py), which the
engine runs over the store on disk: each node shape's focus nodes are found once, and its checks
run on them in batches (bounded memory), in threads. pySHACL validates an rdflib graph in
memory, which at millions of quads takes hours even in partitions (partitions.py, the fallback
for shapes the compiler does not translate; bench/RESULTS.md)."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ..config import Settings
from .load import read_sources
from .partitions import Progress, protected_graphs
from .shacl_sparql import FUNCTIONS, Check, Target, Term, compile_shapes
from .validate import ShapesContext, ValidationReport, ValidationResult, sort_results

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
    protected = protected_graphs(settings)
    outside: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = sorted(
        (
            g
            for g in store.named_graphs()
            if isinstance(g, ox.NamedNode) and g not in protected and not settings.in_union(g.value)
        ),
        key=str,
    )
    return [ox.DefaultGraph(), *outside, ox.NamedNode(settings.ontology_graph)]


def validate_compiled(
    path: Path,
    settings: Settings,
    *,
    size: int = 2000,
    jobs: int = 1,
    progress: Progress | None = None,
    stop_after: int | None = None,
) -> ValidationReport:
    """Validate the store at `path` with the shapes compiled to SPARQL: each shape's checks run
    on its focus nodes `size` at a time, `jobs` queries at once. With `stop_after`, stop once
    that many violations are found. `progress` hears (focus nodes checked, of all), each node
    counted once per check. NotCompilable if the shapes use SHACL the compiler does not
    translate."""
    context = ShapesContext.of(read_sources(settings, paths=[]))
    targets = compile_shapes(context.shapes, context.ontology, settings)
    store = ox.Store.read_only(str(path))
    graphs = view_graphs(store, settings)

    def select(query: str) -> ox.QuerySolutions:
        solutions = store.query(query, default_graph=graphs, custom_functions=_FUNCTIONS)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    def focus_nodes(target: Target) -> Iterator[ox.NamedNode | ox.BlankNode | ox.Literal]:
        for s in select(target.focus):
            node = s["this"]
            if isinstance(node, (ox.NamedNode, ox.BlankNode, ox.Literal)):
                yield node

    total = 0
    if progress is not None:  # one more pass over each shape's focus nodes, for the bar
        total = sum(sum(1 for _ in focus_nodes(t)) * len(t.checks) for t in targets if t.checks)

    def tasks() -> Iterator[tuple[Check, str, int]]:
        for target in targets:
            if target.checks:
                for batch in _batched(focus_nodes(target), max(1, size)):
                    group = _focus_group(batch)
                    for check in target.checks:
                        yield check, group, len(batch)

    def run(task: tuple[Check, str, int]) -> tuple[list[ValidationResult], int]:
        check, group, weight = task
        limit = f" LIMIT {stop_after}" if stop_after is not None else ""
        return list(check.results(select(check.on(group) + limit))), weight

    results: list[ValidationResult] = []
    done, stopped = 0, False
    for found, weight in _in_threads(run, tasks(), max(1, jobs)):
        results.extend(found)
        done += weight
        if progress is not None:
            progress(done, total)
        if stop_after is not None and sum(r.severity == "Violation" for r in results) >= stop_after:
            stopped = True
            break
    ordered = sort_results(results)
    conforms = not any(r.severity == "Violation" for r in ordered)
    return ValidationReport(conforms=conforms, results=tuple(ordered), graph=None, partial=stopped)


def _focus_group(nodes: list[ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """A group binding ?this to `nodes`. SPARQL cannot name a stored blank node, so those come
    from their labels through a custom function."""
    terms = " ".join(str(n) for n in nodes if not isinstance(n, ox.BlankNode))
    labels = " ".join(str(ox.Literal(n.value)) for n in nodes if isinstance(n, ox.BlankNode))
    groups = [f"{{ VALUES ?this {{ {terms} }} }}"] if terms else []
    if labels:
        groups.append(
            f"{{ VALUES ?_label {{ {labels} }} BIND(<{_BLANK_NODE_FN.value}>(?_label) AS ?this) }}"
        )
    return " UNION ".join(groups)


T = TypeVar("T")
R = TypeVar("R")


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _in_threads(run: Callable[[T], R], tasks: Iterator[T], jobs: int) -> Iterator[R]:
    """`run` over `tasks` in `jobs` threads, results in order, at most 2 x jobs in flight."""
    with ThreadPoolExecutor(jobs) as pool:
        pending: deque[Future[R]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(run, task))
                if len(pending) >= 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
