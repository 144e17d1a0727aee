"""Whole-dataset dumps, written once per store generation into files beside the store.

A dump of a 1M-quad store takes seconds to serialize; written per request on the event loop it
stalled every other request of the worker. Here the first request for a format writes the file
(on a thread, one writer per format at a time, atomically renamed into place) and every later
request of the same generation streams that file. Files of superseded generations are removed.
"""

from __future__ import annotations

import gzip
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from ..rdf.terms import GraphName, Subject
from ..store.remote import system_graph

__all__ = ["DumpCache", "data_quads"]


def data_quads(rows: Iterable[dict[str, Any]], union: str | None = None) -> list[ox.Quad]:
    """The quads of rows of `queries/dump_rows.rq` (s, p, o, and g unless the default graph),
    without a SPARQL server's own graphs or the graph a remote store keeps the union in (its
    default graph already is the union)."""
    return [
        ox.Quad(
            cast(Subject, r["s"]),
            cast(ox.NamedNode, r["p"]),
            r["o"],
            cast(GraphName, r["g"]) if "g" in r else ox.DefaultGraph(),
        )
        for r in rows
        if "g" not in r or (r["g"].value != union and not system_graph(r["g"].value))
    ]


_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}


class DumpCache:
    """Dump files of an on-disk store (`store_path` is the symlink to its current generation)."""

    def __init__(self, store_path: Path, prefixes: dict[str, str]) -> None:
        self.store_path = store_path
        self.folder = store_path.parent / f".{store_path.name}.dumps"
        self.prefixes = prefixes
        self._locks = {ext: threading.Lock() for ext in _FORMATS}

    def file(self, ext: str, gzipped: bool = False) -> Path:
        """The dump of the current generation in format `ext` (gzip-compressed if asked),
        written if not there yet."""
        try:
            plain = self._file(ext)
            return self._gzip(plain) if gzipped else plain
        except FileNotFoundError:  # another process pruned it while this one wrote: again
            plain = self._file(ext)
            return self._gzip(plain) if gzipped else plain

    def _gzip(self, plain: Path) -> Path:
        target = plain.with_name(plain.name + ".gz")
        if target.exists():
            return target
        with self._locks[plain.suffix.lstrip(".")]:
            if not target.exists():
                partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
                with plain.open("rb") as src, gzip.open(partial, "wb", compresslevel=6) as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
                os.replace(partial, target)
        return target

    def _file(self, ext: str) -> Path:
        generation = Path(os.path.realpath(self.store_path))
        target = self.folder / generation.name / f"ibigraph.{ext}"
        if target.exists():
            return target
        with self._locks[ext]:
            if target.exists():  # written while this thread waited
                return target
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
            store = ox.Store.read_only(str(generation))
            fmt = _FORMATS[ext]
            if ext == "ttl":  # one graph: the union (the default graph)
                store.dump(str(partial), fmt, from_graph=ox.DefaultGraph(), prefixes=self.prefixes)
            elif ext == "trig":
                store.dump(str(partial), fmt, prefixes=self.prefixes)
            else:
                store.dump(str(partial), fmt)
            del store
            os.replace(partial, target)
        self._prune(generation.name)
        return target

    def _prune(self, current: str) -> None:
        for old in self.folder.iterdir():
            if old.name != current and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
