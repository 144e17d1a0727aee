"""What every store backend offers: its statistics, and a writer whose transactions the write
pipeline (graph/writes.py) reads and commits through."""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from ..config import Limits
from ..rdf.terms import GraphName, Subject, Term
from ..sparql.request import QueryRequest

__all__ = ["PROBE", "QuadSource", "Transaction", "Writer", "host_lock"]


# What a service runs when it starts, to show it can answer (and to warm its runners)
PROBE = QueryRequest("ASK {}", limits=Limits(timeout=30, max_rows=1, max_bytes=1024))


class QuadSource(Protocol):
    """What a change reads from: the store as it is (embedded or remote)."""

    def quads_for_pattern(
        self,
        subject: Subject | None,
        predicate: ox.NamedNode | None,
        object: Term | None,
        graph_name: GraphName | None = None,
    ) -> Iterator[ox.Quad]: ...

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]: ...

    def __len__(self) -> int: ...  # quads in the store, every graph


class Transaction(QuadSource, Protocol):
    """The store as it is while a write holds it: read, then commit one change (or nothing)."""

    def commit(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None: ...


class Writer(Protocol):
    """How a backend takes writes: one transaction at a time."""

    def transaction(self) -> AbstractContextManager[Transaction]: ...


@contextmanager
def host_lock(path: Path) -> Iterator[None]:
    """Held by one thread of one process of this host at a time: those that lock `path`
    (an advisory lock, released when its holder ends, even by kill -9)."""
    path.parent.mkdir(parents=True, exist_ok=True)  # a first build on a fresh machine
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
