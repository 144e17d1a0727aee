"""The embedded, on-disk store as the HTTP layer's query service.

Queries run in runner processes (runners.py), where one that passes its time limit or memory
budget, or whose client leaves, is stopped for sure; one whose cost a runner has measured runs
here next time, on a thread (a cheap one always, a dearer one a few at a time; a dear one stays
in the runners). The service notices a new store generation on every request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from ..errors import StoreError
from ..sparql.render import Rendered
from ..sparql.request import QueryRequest
from .base import PROBE
from .costs import SharedCosts
from .evaluate import evaluate, open_read_only, open_replica
from .oxigraph import StoreWriter
from .runners import RunnerPool

__all__ = ["Copies", "EmbeddedService", "QueryReply", "copies_wanted", "store_version"]

log = logging.getLogger(__name__)

QueryReply = Rendered  # a rendered result, ready to send (what `evaluate` returns)


def store_version(path: Path) -> str:
    """Changes whenever `ibigraph build` swaps in a new store."""
    real = path.resolve()
    try:
        return f"{real.name}-{real.stat().st_mtime_ns}"
    except OSError:
        return real.name


REPLICA_BYTES_PER_QUAD = 400  # an in-memory pyoxigraph store: 73 MiB for 197k quads
REPLICA_SHARE = 0.25  # of the machine's memory that the copies may take, by `auto`


class Copies(NamedTuple):
    """Which processes query in-memory copies of the store."""

    worker: bool  # each worker, for the queries whose cost it knows
    runners: int  # and this many of each worker's runners (which answer the others)


def copies_wanted(mode: str, store_path: Path, workers: int, runners: int) -> Copies:
    """Where queries run on in-memory copies of the store: `on`: in each worker and each of its
    `runners`; `workers`: in the workers only (the runners, which answer a query the first time
    and the expensive ones, read the store on disk); `off`; `auto`: each worker's copy and as
    many of its runners' as fit in REPLICA_SHARE of the machine's memory (none if the workers'
    do not fit)."""
    if mode in ("on", "workers", "off"):
        return Copies(mode != "off", runners if mode == "on" else 0)
    try:
        quads = len(open_read_only(store_path))
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (StoreError, ValueError, OSError):
        return Copies(False, 0)
    each = quads * REPLICA_BYTES_PER_QUAD
    fit = int(REPLICA_SHARE * memory // max(1, each * workers))  # copies per worker
    chosen = Copies(fit >= 1, min(runners, max(0, fit - 1)))
    log.info(
        "in-memory copies of the store (%d MiB each): %s in each worker, and in %d of its %d"
        " query runners",
        each >> 20,
        "one" if chosen.worker else "none",
        chosen.runners,
        runners,
    )
    return chosen


class EmbeddedService:
    """Queries in runner processes over one read-only Oxigraph store (see runners.py)."""

    def __init__(
        self,
        store_path: Path,
        threads: int,
        memory_budget: int = 2**30,
        replica: bool = False,
        runner_copies: int | None = None,
        shared_costs: Path | None = None,
    ) -> None:
        if not store_path.exists():
            raise StoreError(f"no store at {store_path}; run `ibigraph build` first")
        self.store_path = store_path
        # queries run on in-memory copies of the store, here and in `runner_copies` of the
        # runners (None: all of them if `replica`), kept current by the changes each write
        # records (store/evaluate.py `open_replica`)
        self.replica = replica
        self._replica_lock = threading.Lock()
        every = threads + 3  # past the size of the pool with its spare
        in_runners = (every if replica else 0) if runner_copies is None else runner_copies
        self._pool = RunnerPool(store_path, threads, memory_budget, in_runners)
        self.size = self._pool.size
        # Known costs: the same text, options and store generation cost the same, so a query
        # a runner answered in under DEAR_SECONDS of CPU time (as it would cost here) runs in
        # this process next time, on a thread, without the round trip to a runner (~0.3 ms of
        # a 1 ms request). Its CPU time here then replaces the estimate. A cheap one (under
        # CHEAP_SECONDS) always runs here; a dearer one in the dearer lane, which holds half the
        # threads, so that they never hold every thread. When that lane is full, the query
        # waits up to DEARER_WAIT for room (on a busy core, a runner is no faster, and on disk
        # up to five times slower), then goes to a runner.
        self._costs: OrderedDict[tuple[object, ...], float] = OrderedDict()  # -> CPU seconds
        self._dearer_at_once = max(1, self.size // 2)
        self._dearer = asyncio.Semaphore(self._dearer_at_once)
        # the costs other workers of this server measured (store/costs.py)
        self._shared = _shared(shared_costs) if shared_costs is not None else None
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="cheap-query")
        self._store: ox.Store | None = None
        self._store_generation = ""
        self._generation = os.path.realpath(store_path)
        self._link: str | None = ""  # the symlink's text when last looked at
        self.copies_made: asyncio.Future[None] | None = None  # the runners' (start())
        self._version = store_version(store_path)

    async def start(self) -> None:
        if self._threads._shutdown:
            self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="cheap-query")
        self._dearer = asyncio.Semaphore(self._dearer_at_once)  # of this event loop
        await self._pool.start()
        await self.execute(PROBE)
        if self.replica:  # this process's own copy, for the queries it answers on its threads
            generation = self._generation
            await asyncio.get_running_loop().run_in_executor(
                self._threads, self._run_here, PROBE, generation
            )
        # then the runners' copies, in the background: the worker answers meanwhile
        self.copies_made = self._pool.make_copies()

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
        key = (generation, *req.key())
        cost = self._costs.get(key)
        if cost is not None:
            self._costs.move_to_end(key)
        elif self._shared is not None and (cost := self._shared.get(key)) is not None:
            self._remember(key, cost)  # measured by another worker
        if cost is not None:
            if cost < CHEAP_SECONDS:
                return await self._here(req, generation, key, cost)
            if cost < DEAR_SECONDS and await self._dearer_room():
                try:
                    return await self._here(req, generation, key, cost)
                finally:
                    self._dearer.release()
            # dear, or the dearer lane is full: a known dear one takes any free runner (on a
            # copy or not), so as not to hold the copies that first sights wait for
            return await self._pool.execute(req, generation, prefer_copy=cost < DEAR_SECONDS)
        reply = await self._pool.execute(req, generation)
        # judged by the CPU time it took (the wall time grows with the load, and under load
        # would send every query to the runners), unless its evaluation took long (it waited
        # for the disk; the time it waited for a runner does not count)
        # a runner on disk: its CPU time says less of the query's cost here, on a copy
        speedup = DISK_FACTOR if self.replica and reply.on_disk else 1.0
        cost = reply.cpu / speedup
        if speedup > 1:  # an estimate, which the first run here (on a thread) replaces
            cost = max(cost, INLINE_SECONDS)
        if (
            cost < DEAR_SECONDS
            and reply.wall < CHEAP_WALL_SECONDS
            and reply.stream is None
            and len(reply.body) < CHEAP_BYTES
        ):
            self._remember(key, cost)  # next time here
            if self._shared is not None:
                self._shared.put(key, cost)
        return reply

    async def _dearer_room(self) -> bool:
        """Take a place in the dearer lane, waiting up to DEARER_WAIT; whether it was taken."""
        if not self._dearer.locked():  # (wait_for with no time to wait would not even try)
            await self._dearer.acquire()  # at once
            return True
        try:
            await asyncio.wait_for(self._dearer.acquire(), DEARER_WAIT)
        except TimeoutError:
            return False
        return True

    def _remember(self, key: tuple[object, ...], cost: float) -> None:
        self._costs[key] = cost
        if len(self._costs) > CHEAP_ENTRIES:
            self._costs.popitem(last=False)

    async def _here(
        self, req: QueryRequest, generation: str, key: tuple[object, ...], cost: float
    ) -> QueryReply:
        """Run a query of known `cost` in this process: inline, on a thread, or on a thread of
        the dearer lane. Its CPU time, measured, becomes its cost."""
        store = self._store
        if cost < INLINE_SECONDS and store is not None and self._store_generation == generation:
            # known to take well under a millisecond on this very store, already open: the hop
            # to a thread would cost more than the query
            reply = evaluate(store, req, time.monotonic() + req.limits.timeout)
        else:
            loop = asyncio.get_running_loop()
            reply = await loop.run_in_executor(self._threads, self._run_here, req, generation)
        self._remember(key, reply.cpu)
        if self._shared is not None and (cost < DEAR_SECONDS) != (reply.cpu < DEAR_SECONDS):
            self._shared.put(key, reply.cpu)  # the others learn where it runs now
        return reply

    def _run_here(self, req: QueryRequest, generation: str) -> QueryReply:
        store = self._store
        if store is None or self._store_generation != generation:
            with self._replica_lock:  # one thread moves the copy to the new generation
                if self._store is None or self._store_generation != generation:
                    self._store = self._open(generation)
                    self._store_generation = generation
                store = self._store
        # a query holds a snapshot: a write applied to the copy meanwhile does not reach it
        return evaluate(store, req, time.monotonic() + req.limits.timeout)

    def _open(self, generation: str) -> ox.Store:
        if not self.replica:
            return open_read_only(Path(generation))
        given = [(Path(self._store_generation), self._store)] if self._store is not None else []
        self._store = None  # handed over: the copy catches up, or goes before a new one
        return open_replica(Path(generation), given)


def _shared(path: Path) -> SharedCosts | None:
    try:
        return SharedCosts(path)
    except OSError as e:
        log.warning("query costs not shared (%s: %s): each worker measures its own", path, e)
        return None


CHEAP_SECONDS = 0.02  # CPU time: a query known to cost less always runs in the serving process
DEAR_SECONDS = 0.25  # and one known to cost more, never (one in between: a few at a time)
DEARER_WAIT = 0.25  # seconds one in between waits for room here before it goes to a runner
# A query on a runner reading the disk is judged on this process's in-memory copy by its CPU
# time divided by this; its cost here then decides. At 1M quads the benchmark's sorts and
# aggregates take 1.2-1.7x as long on disk as in memory when run one at a time, and more in
# runners under load (each its own block cache); scans of literals can take less.
DISK_FACTOR = 4.0
CHEAP_WALL_SECONDS = 2.0  # and its evaluation in this much time in all (waits for the disk)
CHEAP_BYTES = 1024 * 1024  # and a result so small
CHEAP_ENTRIES = 4096  # query texts whose cost is known (least recently used forgotten)
INLINE_SECONDS = 0.0005  # a cheap query this fast (CPU time) runs on the event loop
