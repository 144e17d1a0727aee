"""Query runners: child processes that evaluate queries on the read-only store, one at a time.

pyoxigraph cannot interrupt a query (upstream oxigraph issue #1926), and one query can sort a
cross product or build a string of gigabytes. In a runner process such a query is stopped for
sure: the runner is killed at the time limit, when its client goes away (unless the query ends
within `LEAVE_GRACE`), or by the kernel when it passes its memory budget (RLIMIT_DATA); a fresh
runner takes its place and the worker process, with its other requests, is untouched.

A spare runner is kept started, so a killed one is replaced at once (starting a process takes
about half a second, and copying the store, with replicas, seconds: a runner is put to work only
once it is ready). Admission: of the `size` runners of a worker, one is a fast lane. A query
takes a general runner if one is free, else the fast lane, where it may use `FAST_LANE_LIMIT`
seconds of CPU time (and `FAST_LANE_WALL` seconds in all); with every runner taken it waits
`QUEUE_WAIT` seconds for one, then gets 503 Busy with Retry-After. Long queries can therefore
fill the general lane but never hold the last runner for long, so cheap queries keep being
answered while runaway ones run out their time. The fast lane counts CPU time because on a
busy core a cheap query's wall time grows with the load: counted in wall time, cheap queries
were stopped (503), and each stopped runner replaced, under the load of a benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import AsyncGenerator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from ..errors import Busy, IbigraphError, QueryTimeout, ResultTooLarge
from ..sparql.render import Rendered
from ..sparql.request import QueryRequest

__all__ = ["COPY_WAIT", "FAST_LANE_LIMIT", "FAST_LANE_WALL", "QUEUE_WAIT", "RunnerPool"]

log = logging.getLogger(__name__)

FAST_LANE_LIMIT = 0.5  # seconds of CPU time a query may use holding the last free runner
FAST_LANE_WALL = 2.0  # and seconds in all (it may share a busy core, or wait for the disk)
QUEUE_WAIT = 2.0  # seconds a query waits for a runner before 503 Busy
COPY_WAIT = 0.5  # seconds one that prefers a runner on a copy waits for one (see RunnerPool)
_POLL = 0.05  # how often a waiting thread looks for a cancelled request
EXPENSIVE_MEMORY = 60.0  # seconds a stopped query's text is kept out of the fast lane
LEAVE_GRACE = 0.5  # seconds a query whose client left may run on to its end (then stopped)
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100  # of /proc's CPU times


class QueryMemoryExceeded(ResultTooLarge):
    title = "Query needs too much memory"


def _runner_main(  # pragma: no cover - child
    conn: Connection, memory_budget: int, replica: str
) -> None:
    """A runner: evaluate each query sent on `conn` against the store generation it names (on
    an in-memory copy of it if `replica` names a generation: copied at once, before the first
    query comes). It ends when its worker goes away (its end of `conn` closed), quietly: a
    runner started as the server stops has no one to tell."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        _serve(conn, memory_budget, replica)


def _serve(conn: Connection, memory_budget: int, replica: str) -> None:  # pragma: no cover
    import pyoxigraph as ox

    from .evaluate import evaluate, open_read_only, open_replica

    store: ox.Store | None = None
    opened = ""
    limited = False
    if replica:
        with contextlib.suppress(Exception):  # the first query tries again, and reports
            store, opened = open_replica(Path(replica), []), replica
    conn.send(("ready", None))  # no query waits for the copy (_Runner.wait_ready)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        generation, req = job
        try:
            if generation != opened:
                if replica:
                    given = [(Path(opened), store)] if store is not None else []
                    store = None  # handed over: the copy catches up, or goes before a new one
                    store = open_replica(Path(generation), given)
                else:
                    store = open_read_only(Path(generation))
                opened = generation
            if not limited and memory_budget > 0:
                _limit_memory(memory_budget)
                limited = True
            assert store is not None
            streaming = False

            def spill(media_type: str) -> Callable[[bytes], None]:
                nonlocal streaming
                streaming = True  # from here on the parent reads chunks, then the end
                conn.send(("head", media_type))
                return lambda chunk: conn.send(("chunk", chunk))

            deadline = time.monotonic() + req.limits.timeout
            reply = evaluate(store, req, deadline, spill if req.stream else None)
            if not replica:
                reply = dataclasses.replace(reply, on_disk=True)
            conn.send(("end", None) if streaming else ("ok", reply))
        except IbigraphError as e:
            conn.send(("error", (type(e).__name__, e.detail)))
        except MemoryError:
            conn.send(("error", ("QueryMemoryExceeded", "")))


def _limit_memory(budget: int) -> None:  # pragma: no cover - child
    """Cap the heap of this runner at what it uses now (store open) plus `budget` bytes."""
    with open("/proc/self/status") as f:
        data = next((int(x.split()[1]) * 1024 for x in f if x.startswith("VmData:")), 0)
    limit = data + budget
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


_ERRORS: dict[str, type[IbigraphError]] = {}


def _error(name: str, detail: str, budget: int) -> IbigraphError:
    if name == "QueryMemoryExceeded":
        return QueryMemoryExceeded(_memory_message(budget))
    if not _ERRORS:
        from .. import errors

        _ERRORS.update(
            {
                n: c
                for n in errors.__all__
                if isinstance(c := getattr(errors, n), type) and issubclass(c, IbigraphError)
            }
        )
    cls = _ERRORS.get(name, IbigraphError)
    try:
        return cls(detail)
    except TypeError:  # an error class with another constructor
        return IbigraphError(detail)


def _memory_message(budget: int) -> str:
    return (
        f"the query needed more than the memory limit of {budget // 2**20} MiB and was stopped;"
        " narrow it (a LIMIT, fewer cross products, smaller strings)"
    )


class _Runner:
    def __init__(
        self, ctx: multiprocessing.context.SpawnContext, budget: int, replica: str
    ) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.copy = bool(replica)  # queries an in-memory copy of the store
        self.proc: BaseProcess = ctx.Process(
            target=_runner_main, args=(child, budget, replica), daemon=True, name="ibigraph-query"
        )
        self.proc.start()
        child.close()

    def wait_ready(self) -> None:
        """Block until the runner can take a query (with a replica: until it has copied the
        store), so that no query's time limit pays for a start: at 100k quads on one busy core,
        a worker's first query waited 37 s for the copies of its runners and was stopped."""
        try:
            while not self.conn.poll(_POLL):
                if not self.proc.is_alive():
                    break
            if self.conn.poll(0) and self.conn.recv()[0] == "ready":
                return
        except (EOFError, OSError):
            pass
        self.kill()
        raise OSError(f"a query runner exited as it started (exit code {self.proc.exitcode})")

    def cpu(self) -> float | None:
        """The CPU time (user and system) the runner has used, in seconds; None where the
        system does not tell (no /proc)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()  # after the command's name
            return (int(fields[11]) + int(fields[12])) / _TICKS
        except (OSError, IndexError, ValueError):
            return None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.proc.join(5)


class _Lane:
    """The CPU budget of a query in the fast lane: its runner's CPU time when it began."""

    def __init__(self, runner: _Runner) -> None:
        self.runner = runner
        self.start = runner.cpu()
        # CPU time cannot pass wall time: before this, there is nothing to look at
        self.check_after = time.monotonic() + FAST_LANE_LIMIT

    def spent(self) -> bool:
        """Whether the query has used its CPU time (where that is unknown: its time)."""
        now = self.runner.cpu()
        return self.start is None or now is None or now - self.start > FAST_LANE_LIMIT


class RunnerPool:
    """`size` runner processes over the store at `store_path`, with admission control; `copies`
    of them (counting the spare; past `size` + 1: every one) query in-memory copies of the store,
    the others the store on disk.

    The runners start on disk (in a second); `make_copies` then starts the runners on copies one
    at a time (at 1M quads a copy takes 20 s), each taking the place of a runner on disk, so the
    service answers at once and gets faster. Where only some runners hold copies (their memory
    is what limits them), a query takes an idle one first, and one `prefer_copy` waits up to
    COPY_WAIT for one before it takes a runner on disk: at 1M quads a query there costs two to
    seven times the CPU time, which on a busy core is a longer wait than the queue for a copy."""

    def __init__(self, store_path: Path, size: int, memory_budget: int, copies: int = 0) -> None:
        self.store_path = store_path
        self.size = max(2, size)  # at least one general runner and the fast lane
        self.memory_budget = memory_budget
        self.copies = min(max(0, copies), self.size + 1)
        self._copies_busy = 0  # runners on copies that hold a query
        self._copy_waiters = 0  # queries that wait for one of them
        self._placed: list[_Runner] = []  # runners on copies waiting for one on disk to be free
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Runner] = []
        self._fast: _Runner | None = None
        self._free = asyncio.Condition()
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="query")
        self._running = 0
        self._closed = False
        self._tasks: set[asyncio.Future[None]] = set()
        self._spare: _Runner | None = None
        self._expensive: dict[int, float] = {}  # hash of a stopped query's text -> when
        self.on_stopped: Callable[[], None] = lambda: None
        self.on_busy: Callable[[], None] = lambda: None

    @property
    def busy(self) -> int:
        return self._running

    async def start(self) -> None:
        self._closed = False
        if self._threads._shutdown:
            self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="query")
        loop = asyncio.get_running_loop()
        started = await asyncio.gather(  # on disk; make_copies replaces them
            *(loop.run_in_executor(None, self._spawn, False) for _ in range(self.size + 1)),
            return_exceptions=True,
        )
        runners = [r for r in started if isinstance(r, _Runner)]
        if len(runners) < len(started):  # none left behind
            for r in runners:
                r.kill()
            raise next(e for e in started if isinstance(e, BaseException))
        self._fast, self._spare, self._idle = runners[0], runners[1], runners[2:]
        self._copies_busy = 0

    def make_copies(self) -> asyncio.Future[None]:
        """Start the runners on copies, one at a time (not to slow the worker's own copy, or
        the queries), in the background; each takes the place of a runner on disk: a free general
        one, else the spare, else the fast lane if free, else the one that next comes free. The
        future ends when all are made."""
        return self._keep(self._make_copies())

    async def _make_copies(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(self.copies):
            try:
                runner = await loop.run_in_executor(None, self._spawn, True)
            except OSError as e:  # e.g. stopped with its server: the runners stay on disk
                if not self._closed:
                    log.warning("no query runner on a copy of the store: %s", e)
                return
            if self._closed:
                runner.kill()
                return
            async with self._free:
                gone = next((r for r in self._idle if not r.copy), None)
                if gone is not None:
                    self._idle[self._idle.index(gone)] = runner
                elif self._spare is not None and not self._spare.copy:
                    gone, self._spare = self._spare, runner
                elif self._fast is not None and not self._fast.copy:
                    gone, self._fast = self._fast, runner
                else:
                    self._placed.append(runner)  # _release puts it in
                self._free.notify_all()
            if gone is not None:
                gone.kill()

    def _spawn(self, copy: bool) -> _Runner:
        # a runner on a copy copies the current generation as it starts
        current = os.path.realpath(self.store_path) if copy else ""
        runner = _Runner(self._ctx, self.memory_budget, current)
        runner.wait_ready()
        return runner

    async def close(self) -> None:
        self._closed = True
        for r in [*self._idle, *self._placed, *(x for x in (self._fast, self._spare) if x)]:
            r.kill()
        self._idle, self._placed, self._fast, self._spare = [], [], None, None
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def _acquire(self, query: str, prefer_copy: bool) -> tuple[_Runner, bool]:
        """A free runner (one on a copy first, see the class) and whether it is the fast lane;
        503 Busy after QUEUE_WAIT, or at once for a query text that recently ran out its limits
        (it would only hold the fast lane, which cheap queries need, until it is stopped
        again)."""
        now = time.monotonic()
        deadline = now + QUEUE_WAIT
        copy_until = now + COPY_WAIT if prefer_copy else now
        async with self._free:
            while True:
                runner = self._idle_copy()
                if runner is not None:
                    self._copies_busy += 1
                    return runner, False
                if (
                    self._copies_busy  # one may come free
                    and time.monotonic() < copy_until
                    and not (self._fast is not None and self._fast.copy)
                ):
                    self._copy_waiters += 1
                    try:
                        with contextlib.suppress(TimeoutError):
                            left = copy_until - time.monotonic()
                            await asyncio.wait_for(self._free.wait(), left)
                    finally:
                        self._copy_waiters -= 1
                    continue
                if self._idle:
                    return self._idle.pop(), False
                if self._known_expensive(query):
                    self.on_busy()
                    raise Busy(
                        "this query ran out its limits a moment ago and every general query "
                        "runner is taken; try again later"
                    )
                if self._fast is not None:
                    fast, self._fast = self._fast, None
                    self._copies_busy += fast.copy
                    return fast, True
                left = deadline - time.monotonic()
                if left <= 0:
                    self.on_busy()
                    raise Busy(
                        "every query runner is taken by other queries; try again in a moment"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._free.wait(), left)

    def _idle_copy(self) -> _Runner | None:
        """An idle general runner on a copy, the last to come back first (or the spare, if it
        holds a copy: a runner on disk takes its place)."""
        for i in range(len(self._idle) - 1, -1, -1):
            if self._idle[i].copy:
                return self._idle.pop(i)
        if self._spare is not None and self._spare.copy and self._idle:
            runner, self._spare = self._spare, self._idle.pop()
            return runner
        return None

    async def _release(self, runner: _Runner | None, fast: bool, copy: bool) -> None:
        """Give a runner back (or, if it was killed, the spare, or a fresh one when it is up;
        the runner that takes the place of one on a copy holds a copy too)."""
        if runner is None:
            try:
                if self._spare is not None:  # the spare steps in; a new spare starts
                    runner, self._spare = self._spare, None
                    self._keep(self._refill_spare(copy))
                else:
                    runner = await asyncio.get_running_loop().run_in_executor(
                        None, self._spawn, copy
                    )
            except Exception:  # pragma: no cover - cannot start a process: logged, lane shrinks
                log.exception("cannot start a query runner")
                return
        if self._closed:  # closed while the query ran: not back into the pool, whose end it was
            runner.kill()
            return
        if self._placed and not runner.copy:  # a runner on a copy takes its place
            runner.kill()
            runner = self._placed.pop()
        async with self._free:
            if fast:
                self._fast = runner
            else:
                self._idle.append(runner)
            if self._copy_waiters:  # one of them would not take a runner on disk: all look
                self._free.notify_all()
            else:
                self._free.notify()

    def _known_expensive(self, query: str) -> bool:
        flagged = self._expensive.get(hash(query))
        return flagged is not None and time.monotonic() - flagged < EXPENSIVE_MEMORY

    def _flag_expensive(self, query: str) -> None:
        """Remember a query text that was stopped (bounded: the oldest are forgotten)."""
        if len(self._expensive) >= 1024:
            self._expensive.pop(next(iter(self._expensive)))
        self._expensive[hash(query)] = time.monotonic()

    async def _refill_spare(self, copy: bool) -> None:
        spare = await asyncio.get_running_loop().run_in_executor(None, self._spawn, copy)
        if self._closed or self._spare is not None:
            spare.kill()
        else:
            self._spare = spare

    def _keep(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        """Run `coroutine` as a task held until it ends."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def execute(
        self, req: QueryRequest, generation: str, prefer_copy: bool = True
    ) -> Rendered:
        """The rendered result; one past the request's limits, when it may stream
        (`req.stream`), comes as a `Rendered.stream` that holds the runner until it ends.
        `prefer_copy`: wait a moment for a runner on a copy of the store (see the class)."""
        runner, fast = await self._acquire(req.query, prefer_copy and self.copies > 0)
        limit = min(req.limits.timeout, FAST_LANE_WALL) if fast else req.limits.timeout
        lane = _Lane(runner) if fast and limit > FAST_LANE_LIMIT else None
        deadline = time.monotonic() + limit
        cancelled = threading.Event()
        loop = asyncio.get_running_loop()
        self._running += 1
        alive, handed = True, False
        try:
            future = loop.run_in_executor(
                self._threads,
                self._wait,
                runner,
                generation,
                req,
                deadline,
                limit,
                cancelled,
                lane,
                LEAVE_GRACE,
            )
            try:
                status, value = await asyncio.shield(future)
            except asyncio.CancelledError:
                # the client went away: a query about to end may (a stopped runner is a process
                # to start again, and a copy of the store to make); one that runs on past
                # LEAVE_GRACE is stopped
                cancelled.set()
                try:
                    status, _ = await future
                    alive = status == "ok"
                except BaseException:
                    alive = False
                raise
            if status == "ok":
                assert isinstance(value, Rendered)
                return value
            # "head": the result streams, and the runner goes with it
            handed = True
            held = _Held(runner, fast, lane)
            # a stream whose reader never starts (its client left as the response began)
            # would hold the runner for ever: at the time limit it is stopped anyway
            left = max(0.0, deadline - time.monotonic())
            held.timer = loop.call_later(left + _POLL, self._let_go, held, False)
            chunks = self._stream(held, req, deadline, limit)
            return Rendered(str(value), b"", chunks)
        except (QueryTimeout, QueryMemoryExceeded):
            alive = False
            self._flag_expensive(req.query)
            raise
        except _RunnerGone:  # its client went away
            alive = False
            raise
        finally:
            if not handed:
                self._finish(runner, fast, alive)

    def _finish(self, runner: _Runner, fast: bool, alive: bool) -> None:
        self._running -= 1
        self._copies_busy -= runner.copy
        if not alive:
            runner.kill()
            self.on_stopped()
        self._keep(self._release(runner if alive else None, fast, runner.copy))

    def _let_go(self, held: _Held, alive: bool) -> None:
        """End a stream's hold on its runner, once (its reader, or its timer, gets here first)."""
        if held.done:
            return
        held.done = True
        if held.timer is not None:
            held.timer.cancel()
        held.stop.set()
        self._finish(held.runner, held.fast, alive)

    async def _stream(
        self, held: _Held, req: QueryRequest, deadline: float, limit: float
    ) -> AsyncGenerator[bytes, None]:
        """The chunks of a streamed result, read as the client takes them (the pipe holds
        little, so the runner writes only as fast as the client reads: bounded memory). The
        runner is stopped if the stream ends early (the client left, the time ran out)."""
        loop = asyncio.get_running_loop()
        ended = False
        try:
            while not held.done:
                status, value = await loop.run_in_executor(
                    self._threads,
                    self._wait,
                    held.runner,
                    None,
                    req,
                    deadline,
                    limit,
                    held.stop,
                    held.lane,
                )
                if status == "end":
                    ended = True
                    return
                yield value  # a chunk
            raise _RunnerGone("the stream was stopped at the time limit")
        except (QueryTimeout, QueryMemoryExceeded):
            self._flag_expensive(req.query)
            raise
        finally:
            self._let_go(held, ended)

    def _wait(
        self,
        runner: _Runner,
        generation: str | None,
        req: QueryRequest,
        deadline: float,
        limit: float,
        cancelled: threading.Event,
        lane: _Lane | None,
        grace: float = 0.0,
    ) -> tuple[str, Any]:
        """On a thread: send the query (with the `generation` to run it on; None: it was sent,
        its result streams), wait for the runner's next message or a reason to stop it: its
        client left (`cancelled`, `grace` seconds ago), its time or, in the fast `lane`, its CPU
        time ran out. The message (`ok`, `head`, `chunk` or `end`, and its value); an error the
        runner reports is raised."""
        left: float | None = None  # when `cancelled` was first seen
        try:
            if generation is not None:
                runner.conn.send((generation, req))
            while not runner.conn.poll(_POLL):
                now = time.monotonic()
                if cancelled.is_set():
                    left = now if left is None else left
                    if now - left >= grace:
                        raise _RunnerGone("the client went away")
                if now > deadline:
                    raise _timeout(limit, req.limits.timeout)
                if lane is not None and now > lane.check_after and lane.spent():
                    raise _cpu_timeout()
            status, value = runner.conn.recv()
        except (EOFError, OSError):
            # killed by the kernel or aborted on a failed allocation: the memory budget
            raise QueryMemoryExceeded(_memory_message(self.memory_budget)) from None
        if status == "error":
            name, detail = value
            raise _error(name, detail, self.memory_budget)
        return status, value


class _Held:
    """A runner held by the stream of its result."""

    def __init__(self, runner: _Runner, fast: bool, lane: _Lane | None) -> None:
        self.runner, self.fast, self.lane = runner, fast, lane
        self.done = False
        self.stop = threading.Event()  # tells a thread waiting on the runner to give up
        self.timer: asyncio.TimerHandle | None = None


class _RunnerGone(Exception):
    """The query's runner was stopped because its client went away."""


_FAST_LANE_HINT = (
    "every other query runner was busy with long queries, so it had the fast lane;"
    " try again in a moment"
)


def _timeout(limit: float, full: float) -> QueryTimeout:
    return QueryTimeout.after(limit, _FAST_LANE_HINT) if limit < full else QueryTimeout.after(limit)


def _cpu_timeout() -> QueryTimeout:
    return QueryTimeout(
        f"the query used more than {FAST_LANE_LIMIT:g} s of processor time and was stopped;"
        f" {_FAST_LANE_HINT}"
    )
