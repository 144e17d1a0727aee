"""One query on one open store, rendered: what the embedded service runs on its threads and its
runner processes (runners.py) run in theirs."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import TypedDict

import pyoxigraph as ox

from ..errors import IbigraphError, QuerySyntaxError, StoreError
from ..sparql.render import Rendered, Spill, render
from ..sparql.request import QueryRequest, missing_prefixes, syntax_error
from .oxigraph import extend_in_batches, read_deltas

__all__ = ["evaluate", "open_read_only", "open_replica"]


def open_read_only(path: Path) -> ox.Store:
    try:
        return ox.Store.read_only(os.path.realpath(path))
    except OSError as e:
        raise StoreError(f"cannot open the store at {path}: {e}") from None


def open_replica(generation: Path, given: list[tuple[Path, ox.Store]]) -> ox.Store:
    """An in-memory copy of the store generation at `generation`, where queries run two to three
    times as fast as on disk. `given` may hold the copy of an older generation, which it hands
    over (the list is emptied, so that no one else holds it): that copy is brought up to date by
    the changes the writes in between recorded, each applied in one transaction (a query sees a
    whole write or none of it), when they lead there and hold no blank node (a SPARQL update
    cannot name a stored one); otherwise the old copy is dropped and the generation copied whole."""
    if given:
        old, store = given.pop()
        chain = read_deltas(old, generation)
        if chain is not None and not any(_blank(q) for part in chain for q in (*part[0], *part[1])):
            for removed, added in chain:
                ops = [f"DELETE DATA {{ {_data(removed)} }}"] if removed else []
                ops += [f"INSERT DATA {{ {_data(added)} }}"] if added else []
                if ops:
                    store.update(" ;\n".join(ops))
            return store
        del store  # before the copy: not two copies at once
    copy = ox.Store()
    extend_in_batches(copy, open_read_only(generation))
    return copy


def _blank(q: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object, q.graph_name))


def _data(quads: list[ox.Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA (terms in N-Triples syntax)."""
    return " ".join(
        f"{q.subject} {q.predicate} {q.object} ."
        if isinstance(q.graph_name, ox.DefaultGraph)
        else f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
        for q in quads
    )


class _QueryOptions(TypedDict, total=False):
    """Keyword arguments of `ox.Store.query`."""

    base_iri: str | None
    prefixes: dict[str, str]
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]


def evaluate(
    store: ox.Store, req: QueryRequest, deadline: float, spill: Spill | None = None
) -> Rendered:
    """The rendered result of `req`, with the CPU time it took on this thread and its wall time;
    with a `spill`, a result past the request's limits goes there as it is written, up to its
    `stream` limits (runners.py)."""
    started, cpu = time.monotonic(), time.thread_time()
    rendered = _evaluate(store, req, deadline, spill)
    return dataclasses.replace(
        rendered, cpu=time.thread_time() - cpu, wall=time.monotonic() - started
    )


def _evaluate(store: ox.Store, req: QueryRequest, deadline: float, spill: Spill | None) -> Rendered:
    kwargs: _QueryOptions = {"base_iri": req.base_iri}
    if req.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in req.default_graphs]
    if req.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in req.named_graphs]
    try:
        result = store.query(req.query, **kwargs)
    except SyntaxError as e:
        error: SyntaxError | None = e
        # the predeclared prefixes cost ~4 us a parse: given only to queries that need them
        # (a bare `id:` in a function call fails otherwise with another message)
        if req.prefixes and (
            "Prefix not found" in str(e) or missing_prefixes(req.query, req.prefixes)
        ):
            kwargs["prefixes"] = dict(req.prefixes)
            try:
                result = store.query(req.query, **kwargs)
                error = None
            except SyntaxError as again:
                error = again
        if error is not None:
            raise QuerySyntaxError(
                f"SPARQL syntax {syntax_error(req.query, str(error), req.prefixes)}"
            ) from None
    if req.check_only:  # results are lazy: nothing was evaluated
        del result  # dropped on this thread (pyoxigraph's results may not cross threads)
        return Rendered("", b"")
    try:
        return render(
            result, req.accept, req.limits, deadline=deadline, stream=req.stream, spill=spill
        )
    except IbigraphError as e:
        # its frames hold `result`, which must be dropped on this thread, not the caller's
        raise e.with_traceback(None) from None
