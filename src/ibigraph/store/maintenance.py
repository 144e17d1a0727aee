"""Store maintenance: backup and restore (N-Quads, every graph), validation of what the store
holds now, and how many HTTP writes it has accepted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from ..config import Settings
from ..errors import DataSyntaxError, StoreError
from .oxigraph import open_store, write_store

__all__ = ["backup_store", "count_changes", "restore_store"]


def backup_store(path: Path, target: Path) -> int:
    """Write all quads to `target` (written beside it, then renamed: never half a file)."""
    store = open_store(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    n = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal n
        for q in store.quads():
            n += 1
            yield q

    try:
        with tmp.open("wb") as f:
            ox.serialize(counted(), f, format=ox.RdfFormat.N_QUADS)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {target}: {e}") from None
    return n


def restore_store(path: Path, source: Path) -> int:
    """Make the store exactly the quads of `source`, as a new generation."""
    try:
        with source.open("rb") as f:
            quads = list(ox.parse(f, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as e:
        raise DataSyntaxError.from_parser(str(source), e) from None
    except OSError as e:
        raise DataSyntaxError(str(source), f"cannot read file: {e}") from None
    write_store(path, quads)
    return len(quads)


def count_changes(settings: Settings) -> int:
    store = open_store(settings.store_path)
    result = store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{settings.audit_graph}> "
        f"{{ ?c a <{settings.ontology_ns}Change> }} }}"
    )
    return int(next(iter(cast(ox.QuerySolutions, result)))["n"].value)
