"""The embedded, on-disk Oxigraph store.

`write_store` builds a complete new store in a fresh directory beside the configured path and
then swaps a symlink to it, so a build that fails, or dies half-way, leaves the previous store
as it was and readers never see a half-written one.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from ..errors import QuerySyntaxError, StoreError
from ..vocab import RDF
from .base import GraphStats

__all__ = ["OxigraphStore", "open_store", "write_store"]

log = logging.getLogger(__name__)

_KEEP = 2  # store generations kept on disk: the current one and the previous one


class OxigraphStore:
    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate a query; the stored default graph already holds the union of all graphs."""
        try:
            return self._store.query(sparql)
        except SyntaxError as e:
            raise QuerySyntaxError(f"SPARQL syntax {e}") from None

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self._store)

    def stats(self, entity_ns: str) -> GraphStats:
        graphs: dict[str, int] = {}
        for row in self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) "
            "WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g"
        ):
            g = row["g"]
            graphs[g.value if g is not None else ""] = int(row["n"].value)
        triples = next(iter(self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[
            "n"
        ].value
        classes = {
            row["c"].value: int(row["n"].value)
            for row in self._store.query(
                f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF}type> ?c "
                f'FILTER(STRSTARTS(STR(?s), "{entity_ns}")) }} GROUP BY ?c ORDER BY DESC(?n) ?c'
            )
        }
        entities = next(
            iter(
                self._store.query(
                    f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
                    f'FILTER(STRSTARTS(STR(?s), "{entity_ns}")) }}'
                )
            )
        )["n"].value
        return GraphStats(
            quads=sum(graphs.values()),
            triples=int(triples),
            graphs=dict(sorted(graphs.items())),
            classes=classes,
            entities=int(entities),
        )


def open_store(path: Path) -> OxigraphStore:
    """Open a built store for reading."""
    if not path.exists():
        raise StoreError(f"no store at {path}; run `ibigraph build` first")
    try:
        return OxigraphStore(ox.Store.read_only(str(path.resolve())))
    except OSError as e:
        raise StoreError(f"cannot open the store at {path}: {e}") from None


def write_store(path: Path, quads: Iterable[ox.Quad]) -> Path:
    """Write `quads` into a new store and make `path` point at it. Returns the new directory."""
    generations = path.parent / f".{path.name}.generations"
    generations.mkdir(parents=True, exist_ok=True)
    target = generations / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
    try:
        store = ox.Store(str(target))
        store.bulk_extend(quads)
        store.flush()
        store.optimize()
        del store
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    if path.exists() and not path.is_symlink():
        # A store directory from elsewhere: keep it as a generation rather than delete it.
        path.rename(generations / f"{path.name}-previous-{time.monotonic_ns()}")
    link = path.parent / f".{path.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(target.relative_to(path.parent))
    os.replace(link, path)  # atomic: readers see the old store or the new one
    _prune(generations, keep=target)
    log.info("wrote store %s -> %s", path, target)
    return target


def _prune(generations: Path, keep: Path) -> None:
    old = sorted((d for d in generations.iterdir() if d != keep), key=lambda d: d.stat().st_mtime)
    for d in old[: max(0, len(old) - (_KEEP - 1))]:
        shutil.rmtree(d, ignore_errors=True)
