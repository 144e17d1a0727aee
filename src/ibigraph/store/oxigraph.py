"""The embedded, on-disk Oxigraph store.

`write_store` builds a complete new store in a fresh directory beside the configured path and
then swaps a symlink to it, so a build that fails, or dies half-way, leaves the previous store
as it was and readers never see a half-written one.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from ..errors import QuerySyntaxError, StoreError
from ..rdf.terms import GraphName, Subject, Term
from .base import host_lock

__all__ = [
    "COPY_BATCH",
    "OxigraphStore",
    "StoreWriter",
    "WriteTransaction",
    "extend_in_batches",
    "open_store",
    "read_deltas",
    "write_store",
]

log = logging.getLogger(__name__)

_PRIMARY = ".primary"  # suffix of a generation's writable twin
_DELTAS = ".deltas"  # in the generations folder: what the write that made each one changed
_GRACE = 60.0  # seconds a superseded generation stays for readers that may still open it


class OxigraphStore:
    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate a query; the stored default graph already holds the union of all graphs."""
        try:
            return self._store.query(sparql)
        except SyntaxError as e:
            raise QuerySyntaxError(f"SPARQL syntax {e}") from None

    def _select(self, sparql: str) -> ox.QuerySolutions:
        return cast(ox.QuerySolutions, self._store.query(sparql))

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self._store)


COPY_BATCH = 10_000  # quads per bulk_extend call of a copy made in a serving process


def extend_in_batches(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Add `quads` to an in-memory `store` a batch at a time. One pyoxigraph `bulk_extend`
    holds the GIL from start to end (1.5 s for 250k quads), which stalls every other thread of
    the process: its event loop, and the health check by which uvicorn's supervisor kills a
    worker that is silent for 5 s. Between batches the other threads run (~20% slower)."""
    it = iter(quads)
    while batch := list(islice(it, COPY_BATCH)):
        store.bulk_extend(batch)


def open_store(path: Path) -> OxigraphStore:
    """Open a built store for reading."""
    if not path.exists():
        raise StoreError(f"no store at {path}; run `ibigraph build` first")
    try:
        return OxigraphStore(ox.Store.read_only(str(path.resolve())))
    except OSError as e:
        raise StoreError(f"cannot open the store at {path}: {e}") from None


def write_store(
    path: Path,
    quads: Iterable[ox.Quad],
    guard: Callable[[], None] | None = None,
    verify: Callable[[Path], None] | None = None,
) -> Path:
    """Write `quads` into a new store and make `path` point at it. Returns the new directory.
    `verify` gets the new store's directory (complete, not yet published), then `guard` runs
    under the write lock just before the swap; if either raises, nothing changes."""
    with StoreWriter(path).locked():
        return _write_store(path, quads, guard, verify)


def _write_store(
    path: Path,
    quads: Iterable[ox.Quad],
    guard: Callable[[], None] | None,
    verify: Callable[[Path], None] | None = None,
) -> Path:
    generations = _generations(path)
    target = _new_generation(generations)
    primary = _primary(target)
    try:
        store = ox.Store(str(primary))
        store.bulk_extend(quads)
        store.flush()
        store.optimize()
        store.backup(str(target))
        del store
        if verify is not None:
            verify(target)
        if guard is not None:
            guard()
    except BaseException:
        shutil.rmtree(primary, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        raise
    if path.exists() and not path.is_symlink():
        # A store directory from elsewhere: keep it as a generation rather than delete it.
        # (named to sort before every generation made here, so it counts as the previous one)
        path.rename(generations / f"00000000T000000.{time.monotonic_ns() % 10**9:09d}-imported")
    _publish(path, target)
    log.info("wrote store %s -> %s", path, target)
    return target


def _generations(path: Path) -> Path:
    generations = path.parent / f".{path.name}.generations"
    generations.mkdir(parents=True, exist_ok=True)
    return generations


def _new_generation(generations: Path) -> Path:
    """A directory name that sorts by creation time (to the nanosecond)."""
    ns = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ns // 10**9))
    return generations / f"{stamp}.{ns % 10**9:09d}-{os.getpid()}"


def _primary(generation: Path) -> Path:
    """The writable twin of a published generation: readers open the published directory
    read-only, and only the writer ever opens this one."""
    return generation.with_name(generation.name + _PRIMARY)


def _swap(path: Path, target: Path) -> None:
    link = path.parent / f".{path.name}.link-{os.getpid()}-{threading.get_ident()}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(target.resolve(), path.parent.resolve()))
    os.replace(link, path)  # atomic: readers see the old store or the new one


def _publish(path: Path, target: Path) -> None:
    """Make a freshly built store current; older generations go at once (a rebuild)."""
    _swap(path, target)
    _prune_quietly(target.parent, target, grace=0.0)


def _prune_quietly(generations: Path, keep: Path, grace: float = _GRACE) -> None:
    """Pruning after the swap: a failure here must not undo or misreport what was published."""
    try:
        _prune(generations, keep, grace)
    except Exception:
        log.exception("could not prune old store generations in %s", generations)


def _prune(generations: Path, keep: Path, grace: float) -> None:
    """Keep the current generation, the one before it, and those superseded less than `grace`
    seconds ago (after a write, a reader may still be opening one of them). Runs under the
    write lock, so a generation newer than the current one, or a writable twin without its
    published generation, was left by a process that died mid-write."""
    published = sorted(
        (
            d
            for d in generations.iterdir()
            if not d.name.endswith(_PRIMARY) and not d.name.startswith(".")
        ),
        key=lambda d: d.name,
    )
    if keep not in published:
        return
    current = published.index(keep)
    now = time.time()
    for i, d in enumerate(published):
        if i in (current, current - 1):
            continue
        superseded = published[i + 1].stat().st_mtime if i < current else 0.0
        if now - superseded > grace:
            shutil.rmtree(d, ignore_errors=True)
    live = {d.name for d in generations.iterdir() if not d.name.endswith(_PRIMARY)}
    for p in generations.iterdir():
        if p.name.endswith(_PRIMARY) and p.name[: -len(_PRIMARY)] not in live:
            shutil.rmtree(p, ignore_errors=True)
    deltas = generations / _DELTAS
    for p in deltas.iterdir() if deltas.is_dir() else ():
        if p.name not in live:  # its generation is gone (a record being written ends .tmp)
            p.unlink(missing_ok=True)


class StoreWriter:
    """Applies changes to the on-disk store, one at a time across threads and processes.

    A write copies the current generation's writable twin (a RocksDB checkpoint: hard links,
    no data copied), applies the change there, checkpoints the result as a new read-only
    generation and swaps the store symlink to it. The swap is the commit: a process killed
    before it leaves the old store untouched (the half-made directories are pruned later);
    after it, the new generation is complete on disk.
    """

    _thread_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock, host_lock(self.path.parent / f".{self.path.name}.write-lock"):
            yield

    @contextmanager
    def transaction(self) -> Iterator[WriteTransaction]:
        """Yield the store as it is now (to read from and stage a change); commit if the body
        calls `commit`, else leave everything as it was."""
        if not self.path.exists():
            raise StoreError(f"no store at {self.path}; run `ibigraph build` first")
        with self.locked():
            current = Path(os.path.realpath(self.path))
            primary = _primary(current)
            if not primary.exists():
                _recreate_primary(current, primary)
            target = _new_generation(current.parent)
            work = _primary(target)
            published = False
            try:
                src = ox.Store(str(primary))
                src.backup(str(work))
                del src
                txn = WriteTransaction(ox.Store(str(work)))
                yield txn
                if txn.committed:
                    assert txn.store is not None  # committed, not yet closed
                    txn.store.flush()
                    txn.store.backup(str(target))
                    txn.close()
                    _record_delta(current, target, txn.removed, txn.added)
                    _swap(self.path, target)
                    published = True  # from here on the write has happened
                    _prune_quietly(current.parent, target)
                    return
                txn.close()
            finally:
                if not published:
                    shutil.rmtree(target, ignore_errors=True)
                    shutil.rmtree(work, ignore_errors=True)


class WriteTransaction:
    def __init__(self, store: ox.Store) -> None:
        self.store: ox.Store | None = store
        self.committed = False
        self.removed: list[ox.Quad] = []
        self.added: list[ox.Quad] = []

    def quads_for_pattern(
        self,
        s: Subject | None,
        p: ox.NamedNode | None,
        o: Term | None,
        g: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        assert self.store is not None
        return self.store.quads_for_pattern(s, p, o, g)

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        assert self.store is not None
        return self.store.named_graphs()

    def __len__(self) -> int:
        assert self.store is not None
        return len(self.store)

    def commit(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None:
        assert self.store is not None
        self.removed, self.added = list(removed), list(added)
        for q in self.removed:
            self.store.remove(q)
        self.store.extend(self.added)
        self.committed = True

    def close(self) -> None:
        self.store = None  # pyoxigraph closes the database when the object goes


def _record_delta(
    parent: Path, generation: Path, removed: list[ox.Quad], added: list[ox.Quad]
) -> None:
    """Write down what made `generation` from `parent`, before it is published: an in-memory
    replica of the parent catches up by applying it (`read_deltas`)."""
    deltas = generation.parent / _DELTAS
    deltas.mkdir(exist_ok=True)
    lines = [f"from {parent.name}", *(f"D {q} ." for q in removed), *(f"A {q} ." for q in added)]
    tmp = deltas / f"{generation.name}.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, deltas / generation.name)


def read_deltas(
    old: Path, new: Path, limit: int = 256
) -> list[tuple[list[ox.Quad], list[ox.Quad]]] | None:
    """What the writes from generation `old` to generation `new` removed and added, oldest
    first; None when their records do not lead from one to the other (a rebuild, a restored
    store, records pruned with their generations, more than `limit` writes)."""
    if old.parent != new.parent:
        return None
    chain: list[tuple[list[ox.Quad], list[ox.Quad]]] = []
    at = new.name
    while at != old.name:
        if len(chain) >= limit:
            return None
        try:
            text = (new.parent / _DELTAS / at).read_text(encoding="utf-8")
        except OSError:
            return None
        head, _, body = text.partition("\n")
        rows: dict[str, list[str]] = {"D": [], "A": []}
        for line in body.splitlines():
            rows[line[0]].append(line[2:])
        removed, added = (
            list(ox.parse("\n".join(rows[kind]) + "\n", format=ox.RdfFormat.N_QUADS))
            for kind in ("D", "A")
        )
        chain.append((removed, added))
        at = head.removeprefix("from ")
    return chain[::-1]


def _recreate_primary(current: Path, primary: Path) -> None:
    """A store built before writes existed, or restored by hand, has no writable twin yet."""
    log.info("creating the writable copy of %s", current)
    tmp = primary.with_name(primary.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    store = ox.Store(str(tmp))
    store.bulk_extend(ox.Store.read_only(str(current)))
    store.flush()
    del store
    os.replace(tmp, primary)
