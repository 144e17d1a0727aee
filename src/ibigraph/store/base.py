"""What every store backend offers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

__all__ = ["GraphStats", "Store"]


@dataclass(frozen=True)
class GraphStats:
    quads: int
    triples: int  # triples in the default graph: the union of all graphs
    graphs: dict[str, int]  # graph IRI ("" for the default graph) -> quads
    classes: dict[str, int]  # class IRI -> distinct instances
    entities: int


class Store(Protocol):
    def query(
        self, sparql: str, *, union: bool = True
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate a SPARQL query; by default the default graph is the union of all graphs."""
        ...

    def quads(self) -> Iterator[ox.Quad]: ...

    def stats(self, entity_ns: str) -> GraphStats: ...
