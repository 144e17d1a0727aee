"""How a runner's query is stopped. The fast lane (the last free runner) counts a query's CPU
time: one that waits on a busy core is answered however long it waited, one that computes is
stopped at FAST_LANE_LIMIT of processor time, and one that makes no progress at all at
FAST_LANE_WALL. A query whose client leaves may end within LEAVE_GRACE, and its runner serves
on; one that would run on is stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import pytest

from ibigraph.config import Limits
from ibigraph.errors import QueryTimeout
from ibigraph.sparql.request import QueryRequest
from ibigraph.store import runners
from ibigraph.store.runners import FAST_LANE_LIMIT, RunnerPool

from ..helpers import EX, numbered_store

LIMITS = Limits(timeout=10, max_rows=100, max_bytes=100_000)
CHEAP = QueryRequest(
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}", "text/csv", limits=LIMITS
)
# a cross product of 3,000 x 3,000 rows: seconds of CPU time
RUNAWAY = QueryRequest(
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y FILTER(?x + ?y > -1) }}",
    "text/csv",
    limits=LIMITS,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lane") / "store"
    numbered_store(path, 3000)
    return path


def _pid(runner: runners._Runner | None) -> int:
    assert runner is not None and runner.proc.pid is not None
    return runner.proc.pid


async def _pool(store: Path, replica: bool = False) -> tuple[RunnerPool, list[None]]:
    """A started pool of one general runner and the fast lane (on disk; with `replica`, on
    copies of the store once `make_copies` has made them), and a list that grows by one for
    each runner it stops."""
    pool = RunnerPool(store, 2, 2**30, 3 if replica else 0)
    stopped: list[None] = []
    pool.on_stopped = lambda: stopped.append(None)
    await pool.start()
    return pool, stopped


def _in_fast_lane(store: Path, req: QueryRequest, pause: float) -> tuple[bytes | str, int]:
    """Run `req` in the fast lane, its runner paused (SIGSTOP, as a busy core would) for its
    first `pause` seconds (0: not paused), while the general runner is taken. Its answer, or
    the message it was stopped with; and how many runners were stopped."""

    async def run() -> tuple[bytes | str, int]:
        pool, stopped = await _pool(store)
        generation = os.path.realpath(store)
        general, fast = (_pid(r) for r in (pool._idle[0], pool._fast))
        loop = asyncio.get_running_loop()
        try:
            os.kill(general, signal.SIGSTOP)  # its query waits until the end
            held = asyncio.ensure_future(pool.execute(CHEAP, generation))
            await asyncio.sleep(0.2)
            assert pool.busy == 1  # the general runner is taken
            if pause:
                os.kill(fast, signal.SIGSTOP)
                loop.call_later(pause, os.kill, fast, signal.SIGCONT)
            try:
                answer: bytes | str = (await pool.execute(req, generation)).body
            except QueryTimeout as e:
                answer = e.detail
            os.kill(general, signal.SIGCONT)
            assert (await held).body == b"n\r\n3000\r\n"
            return answer, len(stopped)
        finally:
            for pid in (general, fast):
                with contextlib.suppress(ProcessLookupError):  # a stopped runner is gone
                    os.kill(pid, signal.SIGCONT)
            await pool.close()

    return asyncio.run(run())


def test_a_query_that_waits_in_the_fast_lane_is_answered(store: Path) -> None:
    # paused for twice its CPU budget (half the wall limit): it used none of it
    answer, stopped = _in_fast_lane(store, CHEAP, 2 * FAST_LANE_LIMIT)
    assert answer == b"n\r\n3000\r\n"
    assert stopped == 0


def test_a_query_that_computes_in_the_fast_lane_is_stopped_by_its_cpu_time(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "FAST_LANE_WALL", 60.0)  # only the CPU time can stop it
    answer, stopped = _in_fast_lane(store, RUNAWAY, 0)
    assert answer == (
        f"the query used more than {FAST_LANE_LIMIT:g} s of processor time and was stopped;"
        " every other query runner was busy with long queries, so it had the fast lane;"
        " try again in a moment"
    )
    assert stopped == 1


def test_a_query_that_makes_no_progress_in_the_fast_lane_is_stopped_by_the_wall_limit(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "FAST_LANE_WALL", 1.0)
    answer, stopped = _in_fast_lane(store, CHEAP, 30)  # paused past the time limit
    assert isinstance(answer, str) and answer.startswith("the query ran longer than 1 s")
    assert stopped == 1


def _leave(store: Path, req: QueryRequest) -> tuple[int, bool, int]:
    """Send `req`, its runner paused for its first 0.3 s, and cancel it (its client leaves)
    after 0.1 s. How many runners were stopped, whether the pool still has the runner, and how
    many queries hold a runner once it is over."""

    async def run() -> tuple[int, bool, int]:
        pool, stopped = await _pool(store)
        runner = pool._idle[0]
        pid = _pid(runner)
        try:
            os.kill(pid, signal.SIGSTOP)
            asyncio.get_running_loop().call_later(0.3, os.kill, pid, signal.SIGCONT)
            task = asyncio.ensure_future(pool.execute(req, os.path.realpath(store)))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.1)  # the runner goes back, or a new one takes its place
            return len(stopped), runner in (*pool._idle, pool._fast), pool.busy
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
            await pool.close()

    return asyncio.run(run())


def test_a_query_that_ends_soon_after_its_client_left_keeps_its_runner(store: Path) -> None:
    assert _leave(store, CHEAP) == (0, True, 0)


def test_a_query_that_runs_on_after_its_client_left_is_stopped(store: Path) -> None:
    assert _leave(store, RUNAWAY) == (1, False, 0)


def test_a_query_never_waits_for_a_runner_to_copy_the_store(tmp_path: Path) -> None:
    """A runner takes queries only once it has started, and a runner on a copy of the store
    takes the place of one on disk only once it has made its copy: no query's time limit pays
    for that (at 100k quads on one busy core, the copies of a worker's runners took 37 s, and
    its first query was stopped at 30 s). Here every runner of a pool just started answers at
    once, under a time limit shorter than a runner's start, as the copies are being made; then
    every runner holds a copy."""
    big = numbered_store(tmp_path / "store", 20_000)
    quick = QueryRequest(CHEAP.query, "text/csv", limits=Limits(0.3, 100, 100_000))
    generation = os.path.realpath(big)

    async def run() -> tuple[list[bytes], list[bool], list[bool]]:
        pool, _ = await _pool(big, replica=True)
        try:
            copying = pool.make_copies()
            assert pool._spare is not None
            spare, pool._spare = pool._spare, None  # the spare too: into the general lane
            pool._idle.append(spare)
            replies = await asyncio.gather(*(pool.execute(quick, generation) for _ in range(3)))
            assert not copying.done()
            await copying
            await asyncio.sleep(0.1)  # the last runner on disk comes back, and goes
            runners = [*pool._idle, pool._fast, pool._spare, *pool._placed]
            after = await pool.execute(quick, generation)
            return [r.body for r in replies], [r.copy for r in runners if r], [after.on_disk]
        finally:
            await pool.close()

    answers, copies, after = asyncio.run(run())
    assert answers == [b"n\r\n20000\r\n"] * 3
    assert copies == [True] * 3 and after == [False]


async def _copy_pool(store: Path) -> tuple[RunnerPool, runners._Runner]:
    """A started pool of two general runners, one of them on a copy of the store (put first,
    where the last to come back would not be taken), and that one."""
    pool = RunnerPool(store, 3, 2**30, copies=1)
    await pool.start()
    await pool.make_copies()
    pool._idle.sort(key=lambda r: not r.copy)
    assert [r.copy for r in pool._idle] == [True, False]
    assert not pool._fast.copy and not pool._spare.copy  # type: ignore[union-attr]
    return pool, pool._idle[0]


@pytest.mark.parametrize("copy_wait", [runners.COPY_WAIT, 0.1])
def test_a_first_sight_waits_a_moment_for_the_runner_on_a_copy(
    store: Path, monkeypatch: pytest.MonkeyPatch, copy_wait: float
) -> None:
    """Where only some runners hold copies, a query takes one if one is free; with it busy, a
    query that prefers a copy waits up to COPY_WAIT for it, and one that does not (a known dear
    one) takes a runner on disk at once. The copy here is busy for 0.3 s."""
    monkeypatch.setattr(runners, "COPY_WAIT", copy_wait)
    generation = os.path.realpath(store)

    async def run() -> list[bool]:
        pool, copy = await _copy_pool(store)
        pid = _pid(copy)
        try:
            on_disk = [(await pool.execute(CHEAP, generation)).on_disk]
            os.kill(pid, signal.SIGSTOP)  # its next query waits until it goes on
            held = asyncio.ensure_future(pool.execute(CHEAP, generation))
            await asyncio.sleep(0.05)
            on_disk.append((await pool.execute(CHEAP, generation, prefer_copy=False)).on_disk)
            asyncio.get_running_loop().call_later(0.3, os.kill, pid, signal.SIGCONT)
            waiting = await pool.execute(CHEAP, generation)
            assert (await held).body == waiting.body == b"n\r\n3000\r\n"
            return [*on_disk, waiting.on_disk]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
            await pool.close()

    # the free copy; a runner on disk at once; the copy after its wait, or the disk without
    assert asyncio.run(run()) == [False, True, copy_wait < 0.3]


def test_a_stopped_runner_on_a_copy_is_replaced_by_one_on_a_copy(store: Path) -> None:
    """The spare (on disk) steps in at once; the runner started in its place copies the store,
    and as the spare it then swaps with a runner on disk: the pool keeps one copy, no more."""
    short = QueryRequest(RUNAWAY.query, "text/csv", limits=Limits(0.5, 100, 100_000))
    generation = os.path.realpath(store)

    async def run() -> tuple[bool, bool, int]:
        pool, _ = await _copy_pool(store)
        try:
            with pytest.raises(QueryTimeout):
                await pool.execute(short, generation)
            for _ in range(200):  # the new spare starts
                await asyncio.sleep(0.05)
                if pool._spare is not None:
                    break
            assert pool._spare is not None
            spare_copy = pool._spare.copy
            reply = await pool.execute(CHEAP, generation)
            await asyncio.sleep(0.1)  # its runner goes back
            live = [*pool._idle, pool._fast, pool._spare]
            return spare_copy, reply.on_disk, sum(r.copy for r in live if r is not None)
        finally:
            await pool.close()

    assert asyncio.run(run()) == (True, False, 1)


def test_a_runner_whose_worker_went_away_ends_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A runner started as its server stops (the copies are made in the background) finds no
    one to tell it is ready: it ends, with no traceback in the server's log."""
    import multiprocessing

    big = numbered_store(tmp_path / "store", 20_000)
    runner = runners._Runner(multiprocessing.get_context("spawn"), 2**30, os.path.realpath(big))
    runner.conn.close()  # the worker goes before the copy is made
    runner.proc.join(60)
    assert runner.proc.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err
