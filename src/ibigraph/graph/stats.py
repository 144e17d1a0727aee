"""Dataset statistics, computed one way: the service's own queries (src/ibigraph/queries/
graph_sizes.rq and void_*.rq) run on whatever answers them, the CLI's store (`store_stats`) or
the HTTP service (its routes run the same `STATS_QUERIES` and call `from_rows`).

    quads       every quad, the default graph's copy included
    triples     triples of the default graph (the union of the source graphs)
    graphs      quads per graph, "" for the default graph
    entities    distinct subjects under the entity namespace
    classes     class -> entities, the largest first
    properties  property -> triples of the default graph (VoID property partitions)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import pyoxigraph as ox

from ..config import Settings
from ..queries import internal_text
from ..rdf.vocab import prefixes
from ..store import OxigraphStore

__all__ = [
    "STATS_QUERIES",
    "DatasetStats",
    "Rows",
    "Select",
    "from_rows",
    "stats_values",
    "stats_with",
    "store_select",
    "store_stats",
]

# the service's own queries the statistics come from, in the order they run
STATS_QUERIES = ("graph_sizes", "void_entities", "void_classes", "void_properties")

Rows = list[dict[str, Any]]  # variable -> pyoxigraph term, unbound variables left out
Select = Callable[[str], Rows]  # runs a SELECT (a CLI store, or the HTTP service from a thread)


@dataclass(frozen=True)
class DatasetStats:
    quads: int
    triples: int
    graphs: dict[str, int]
    entities: int
    classes: dict[str, int]
    properties: dict[str, int]

    @property
    def named_graphs(self) -> int:
        return sum(1 for g in self.graphs if g)


def stats_values(settings: Settings) -> dict[str, dict[str, str]]:
    """The parameters each of STATS_QUERIES is bound to."""
    entities = {"entity_ns": settings.entity_ns}
    return {"void_entities": entities, "void_classes": entities}


def from_rows(rows: Mapping[str, Rows]) -> DatasetStats:
    """The statistics from the rows of each of STATS_QUERIES."""
    graphs = {(r["g"].value if "g" in r else ""): int(r["n"].value) for r in rows["graph_sizes"]}
    classes = {r["c"].value: int(r["n"].value) for r in rows["void_classes"]}
    properties = {r["p"].value: int(r["n"].value) for r in rows["void_properties"]}
    return DatasetStats(
        quads=sum(graphs.values()),
        triples=sum(properties.values()),
        graphs=dict(sorted(graphs.items())),
        entities=int(rows["void_entities"][0]["n"].value),
        classes=dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        properties=dict(sorted(properties.items())),
    )


def store_select(store: OxigraphStore) -> Select:
    """A `Select` over a store opened by the CLI."""

    def select(query: str) -> Rows:
        solutions = cast(ox.QuerySolutions, store.query(query))
        names = [v.value for v in solutions.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in solutions]

    return select


def stats_with(select: Select, settings: Settings) -> DatasetStats:
    """The statistics, running STATS_QUERIES through `select`."""
    pm, values = prefixes(settings.base), stats_values(settings)
    return from_rows({n: select(internal_text(n, pm, values.get(n))) for n in STATS_QUERIES})


def store_stats(store: OxigraphStore, settings: Settings) -> DatasetStats:
    """The statistics of a store opened by the CLI."""
    return stats_with(store_select(store), settings)
