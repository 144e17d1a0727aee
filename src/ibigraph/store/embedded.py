"""The embedded store served in-process: queries run on threads, with a hard time limit.

pyoxigraph releases the GIL while it evaluates, so queries run on a small thread pool and the
event loop stays free. pyoxigraph cannot interrupt a query (upstream oxigraph issue #1926), so
the time limit is kept in two steps:

1. cooperatively: while a result is being written, every write checks the deadline, which stops
   queries whose cost is in producing rows;
2. at the limit the client gets its 503 at once; if the query's thread is still busy a moment
   later (stuck inside one step, e.g. sorting or counting a huge join), `on_stuck` is called:
   the app then leaves the load balancer (`/ready` 503) and restarts its process gracefully,
   which is the only way to stop that work. The supervisor (`ibigraph serve`) starts a fresh
   process; the other processes keep serving meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import pyoxigraph as ox

from ..errors import QuerySyntaxError, QueryTimeout, StoreError
from ..sparql import QueryRequest, render, syntax_error

__all__ = ["EmbeddedService", "QueryReply", "store_version"]

log = logging.getLogger(__name__)

STUCK_GRACE = 1.0  # seconds past the limit before a still-running query counts as stuck


@dataclass(frozen=True)
class QueryReply:
    """A rendered result, ready to send."""

    media_type: str
    body: bytes


def store_version(path: Path) -> str:
    """Changes whenever `ibigraph build` swaps in a new store."""
    real = path.resolve()
    try:
        return f"{real.name}-{real.stat().st_mtime_ns}"
    except OSError:
        return real.name


def _open(path: Path) -> ox.Store:
    try:
        return ox.Store.read_only(os.path.realpath(path))
    except OSError as e:
        raise StoreError(f"cannot open the store at {path}: {e}") from None


class _QueryOptions(TypedDict, total=False):
    """Keyword arguments of `ox.Store.query`."""

    base_iri: str | None
    prefixes: dict[str, str]
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]


def _evaluate(store: ox.Store, req: QueryRequest, deadline: float) -> QueryReply:
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
        if req.prefixes and "Prefix not found" in str(e):
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
        return QueryReply("", b"")
    out = render(result, req.accept, req.limits, deadline=deadline)
    return QueryReply(out.media_type, out.body)


class EmbeddedService:
    """Queries on threads over one read-only Oxigraph store."""

    def __init__(self, store_path: Path, threads: int) -> None:
        if not store_path.exists():
            raise StoreError(f"no store at {store_path}; run `ibigraph build` first")
        self.store_path = store_path
        self.size = max(1, threads)
        self._store = _open(store_path)
        self._generation = os.path.realpath(store_path)
        self._link: str | None = ""  # the symlink's text when last looked at
        self._version = store_version(store_path)
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="query")
        self._closed = False
        self._running = 0
        self.on_stuck: Callable[[QueryRequest], None] = lambda req: None
        self.stuck = 0

    async def start(self) -> None:
        if self._closed:  # an app whose lifespan runs again (in-process clients, tests)
            self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="query")
            self._closed = False
        await self.execute(QueryRequest("ASK {}"))

    async def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def busy(self) -> int:
        return self._running

    @property
    def version(self) -> str:
        """Changes when a build or a write swaps in a new store generation; then queries move
        to it. Looked at on every request (one readlink), so a client reads its own writes."""
        try:
            link = os.readlink(self.store_path)
        except OSError:  # not a symlink: a store directory from elsewhere
            link = None
        if link != self._link:
            self._link = link
            current = os.path.realpath(self.store_path)
            if current != self._generation:
                log.info("new store generation: now serving %s", current)
                self._store = _open(self.store_path)
                self._generation, self._version = current, store_version(self.store_path)
        return self._version

    def _run(self, store: ox.Store, req: QueryRequest, deadline: float) -> QueryReply:
        self._running += 1
        try:
            return _evaluate(store, req, deadline)
        finally:
            self._running -= 1

    async def execute(self, req: QueryRequest) -> QueryReply:
        _ = self.version  # notices a rebuilt store
        limit = req.limits.timeout
        deadline = time.monotonic() + limit
        future = self._executor.submit(self._run, self._store, req, deadline)
        waiter = asyncio.wrap_future(future)
        loop = asyncio.get_running_loop()
        expired = False

        def expire() -> None:  # cheaper than asyncio.wait_for, which makes a task per call
            nonlocal expired
            expired = True
            waiter.cancel()

        timer = loop.call_later(limit, expire)
        try:
            return await waiter
        except asyncio.CancelledError:
            if not expired:
                raise  # the client went away
            loop.call_later(STUCK_GRACE, self._check_stuck, future, req)
            raise QueryTimeout.after(limit) from None
        finally:
            timer.cancel()

    def _check_stuck(self, future: Future[QueryReply], req: QueryRequest) -> None:
        if future.done():
            return
        self.stuck += 1
        log.error("query still running %.1f s past its limit: %.200s", STUCK_GRACE, req.query)
        self.on_stuck(req)
