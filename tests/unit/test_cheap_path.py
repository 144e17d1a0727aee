"""Cheap requests: a query a runner answered in little CPU time runs in the serving process next
time, however long the machine's load made its round trip; a repeated request's parameters and
query form are worked out once, with every refusal given again."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from ibigraph.api.params import parse_params
from ibigraph.errors import BadInputError, Busy, ForbiddenFeature
from ibigraph.sparql.request import QueryRequest, inspect_query
from ibigraph.store import embedded, runners
from ibigraph.store.embedded import CHEAP_SECONDS, EmbeddedService

from ..helpers import EX, csv_request, numbered_store


def test_queries_cheap_in_cpu_time_are_cheap_when_they_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store"
    numbered_store(path, 300)
    # each takes a few ms of CPU; 24 at once through one general runner and the fast lane,
    # both paused (SIGSTOP, as a busy core would) for their first 0.3 s, queue for longer
    # than CHEAP_SECONDS, and CHEAP_WALL_SECONDS (for their evaluation) too
    monkeypatch.setattr(embedded, "CHEAP_WALL_SECONDS", 0.2)
    requests = [
        csv_request(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y"
            f" FILTER(?x < {200 + i} && ?y != 7) }}"
        )
        for i in range(24)
    ]

    async def run() -> tuple[list[float], float, list[bytes], list[bytes]]:
        service = EmbeddedService(path, threads=2)
        await service.start()
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            pids = [r.proc.pid for r in (*service.pool._idle, service.pool._fast) if r]
            for pid in pids:
                assert pid is not None
                os.kill(pid, signal.SIGSTOP)
                loop.call_later(0.3, os.kill, pid, signal.SIGCONT)
            first = await asyncio.gather(*(service.execute(r) for r in requests))
            took = loop.time() - started
            await service.pool.close()  # no runner left: only this process can answer now
            again = [await service.execute(r) for r in requests]
            return [r.cpu for r in first], took, [r.body for r in first], [r.body for r in again]
        finally:
            await service.close()

    cpu, took, first, again = asyncio.run(run())
    assert took > 0.3  # the burst queued (so the wall time was no guide)
    assert max(cpu) < CHEAP_SECONDS and min(cpu) > 0
    assert again == first
    assert first[0] == b"n\r\n59800\r\n"


def test_a_repeated_parse_is_the_callers_to_change() -> None:
    text = "query=ASK%20%7B%7D&default-graph-uri=urn%3Aa&default-graph-uri=urn%3Ab"
    first = parse_params(text)
    assert first == {"query": ["ASK {}"], "default-graph-uri": ["urn:a", "urn:b"]}
    first["query"].append("changed")
    first.setdefault("named-graph-uri", []).append("urn:c")
    assert parse_params(text) == {"query": ["ASK {}"], "default-graph-uri": ["urn:a", "urn:b"]}
    for _ in range(2):
        with pytest.raises(BadInputError, match="not UTF-8"):
            parse_params("query=%ff")


def test_a_repeated_query_is_refused_every_time() -> None:
    assert inspect_query("ASK {}") == inspect_query("ASK {}") == "ASK"
    for _ in range(2):
        with pytest.raises(ForbiddenFeature):
            inspect_query("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }")


def _counting_store(tmp_path: Path) -> tuple[Path, QueryRequest]:
    """A store of 300 values and a query of a few ms of CPU time over it."""
    path = tmp_path / "store"
    numbered_store(path, 300)
    req = csv_request(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y FILTER(?x < ?y) }}"
    )
    return path, req


COUNT = b"n\r\n44850\r\n"


async def _answers(service: EmbeddedService, req: QueryRequest, times: int) -> list[bytes | str]:
    """The bodies of `times` requests made at once, "busy" where no runner was free."""

    async def one() -> bytes | str:
        try:
            return (await service.execute(req)).body
        except Busy:
            return "busy"

    return list(await asyncio.gather(*(one() for _ in range(times))))


@pytest.mark.parametrize("mode", ["workers", "off"])
def test_a_cost_measured_on_disk_is_scaled_for_a_copy_and_checked_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """With runners on disk and a copy in memory here (`workers`), a runner's CPU time is
    divided by DISK_FACTOR to judge the query; its cost here then decides, and a query that
    costs more than DEAR_SECONDS here goes back to the runners. Without copies (`off`) the
    runner's CPU time is the cost."""
    path, req = _counting_store(tmp_path)
    # a query of a few ms: far more than DEAR_SECONDS, yet cheap by the (exaggerated) factor
    monkeypatch.setattr(embedded, "INLINE_SECONDS", 1e-6)
    monkeypatch.setattr(embedded, "CHEAP_SECONDS", 1e-5)
    monkeypatch.setattr(embedded, "DEAR_SECONDS", 2e-5)
    monkeypatch.setattr(embedded, "DISK_FACTOR", 1e6)
    monkeypatch.setattr(runners, "QUEUE_WAIT", 0.1)

    async def run() -> list[bytes | str]:
        copies = mode == "workers"
        service = EmbeddedService(path, threads=2, replica=copies, runner_copies=0)
        await service.start()
        try:
            answers = await _answers(service, req, 1)  # by a runner
            await service.pool.close()  # from here on, only this process can answer
            return answers + await _answers(service, req, 1) + await _answers(service, req, 1)
        finally:
            await service.close()

    answers = asyncio.run(run())
    if mode == "workers":  # answered here once, then sent back to the (closed) runners
        assert answers == [COUNT, COUNT, "busy"]
    else:  # never cheap
        assert answers == [COUNT, "busy", "busy"]


@pytest.mark.parametrize("wait", [0.0, 10.0])
def test_dearer_known_queries_run_here_a_few_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait: float
) -> None:
    """A query known to cost between CHEAP_SECONDS and DEAR_SECONDS runs here while fewer than
    half the threads run such queries; another waits up to DEARER_WAIT for room here (it is
    answered here when the first ends), then goes to the runners."""
    path, req = _counting_store(tmp_path)
    monkeypatch.setattr(embedded, "CHEAP_SECONDS", 1e-9)  # every query is dearer than cheap
    monkeypatch.setattr(embedded, "DEAR_SECONDS", 60.0)
    monkeypatch.setattr(embedded, "DEARER_WAIT", wait)
    monkeypatch.setattr(runners, "QUEUE_WAIT", 0.1)

    async def run() -> tuple[list[bytes | str], list[bytes | str]]:
        service = EmbeddedService(path, threads=2)  # two threads: one for dearer queries
        await service.start()
        try:
            await _answers(service, req, 1)  # by a runner, which measures its cost
            await service.pool.close()  # from here on, only this process can answer
            return await _answers(service, req, 2), await _answers(service, req, 1)
        finally:
            await service.close()

    at_once, alone = asyncio.run(run())
    assert sorted(at_once, key=str) == ([COUNT, COUNT] if wait else [COUNT, "busy"])
    assert alone == [COUNT]
