"""The embedded, on-disk store as the HTTP layer's query service.

Queries run in runner processes (runners.py), where one that passes its time limit or memory
budget, or whose client leaves, is stopped for sure; one a runner answered quickly runs here on
a thread next time. The service notices a new store generation on every request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from ..errors import StoreError
from ..sparql.render import Rendered
from ..sparql.request import QueryRequest
from .base import PROBE
from .evaluate import evaluate, open_read_only
from .oxigraph import StoreWriter
from .runners import RunnerPool

__all__ = ["EmbeddedService", "QueryReply", "store_version"]

log = logging.getLogger(__name__)

QueryReply = Rendered  # a rendered result, ready to send (what `evaluate` returns)


def store_version(path: Path) -> str:
    """Changes whenever `ibigraph build` swaps in a new store."""
    real = path.resolve()
    try:
        return f"{real.name}-{real.stat().st_mtime_ns}"
    except OSError:
        return real.name


class EmbeddedService:
    """Queries in runner processes over one read-only Oxigraph store (see runners.py)."""

    def __init__(self, store_path: Path, threads: int, memory_budget: int = 2**30) -> None:
        if not store_path.exists():
            raise StoreError(f"no store at {store_path}; run `ibigraph build` first")
        self.store_path = store_path
        self._pool = RunnerPool(store_path, threads, memory_budget)
        self.size = self._pool.size
        # Known-cheap queries: the same text, options and store generation cost the same, so
        # one that a runner answered in under CHEAP_SECONDS runs in this process next time,
        # on a thread, without the round trip to a runner (~0.3 ms of a 1 ms request).
        self._cheap: OrderedDict[tuple[object, ...], None] = OrderedDict()
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="cheap-query")
        self._store: ox.Store | None = None
        self._store_generation = ""
        self._generation = os.path.realpath(store_path)
        self._link: str | None = ""  # the symlink's text when last looked at
        self._version = store_version(store_path)

    async def start(self) -> None:
        if self._threads._shutdown:
            self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="cheap-query")
        await self._pool.start()
        await self.execute(PROBE)

    def writer(self, timeout: float) -> StoreWriter:
        """Writes go to the on-disk store directly (the time limit is the change set's)."""
        return StoreWriter(self.store_path)

    async def close(self) -> None:
        await self._pool.close()
        self._threads.shutdown(wait=False, cancel_futures=True)

    @property
    def pool(self) -> RunnerPool:
        return self._pool

    @property
    def busy(self) -> int:
        return self._pool.busy

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
                self._generation, self._version = current, store_version(self.store_path)
        return self._version

    async def execute(self, req: QueryRequest) -> QueryReply:
        _ = self.version  # notices a rebuilt store
        generation = self._generation
        key = (
            generation,
            req.query,
            req.accept,
            req.default_graphs,
            req.named_graphs,
            req.base_iri,
            req.check_only,
            req.limits,
        )
        if key in self._cheap:
            self._cheap.move_to_end(key)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, self._run_here, req, generation)
        started = time.monotonic()
        reply = await self._pool.execute(req, generation)
        if time.monotonic() - started < CHEAP_SECONDS and len(reply.body) < CHEAP_BYTES:
            self._cheap[key] = None
            if len(self._cheap) > CHEAP_ENTRIES:
                self._cheap.popitem(last=False)
        return reply

    def _run_here(self, req: QueryRequest, generation: str) -> QueryReply:
        store = self._store
        if store is None or self._store_generation != generation:
            store = self._store = open_read_only(Path(generation))
            self._store_generation = generation
        return evaluate(store, req, time.monotonic() + req.limits.timeout)


CHEAP_SECONDS = 0.02  # a runner's answer this fast marks the query as cheap
CHEAP_BYTES = 1024 * 1024  # and so small
CHEAP_ENTRIES = 4096  # query texts remembered as cheap (least recently used forgotten)
