"""The workers of one server share the query costs they measure: a query one worker answered
through a runner runs in another worker's own process at its first sight there. A slot another
process is halfway through writing, or one a newer key took, reads as unknown."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ibigraph.errors import Busy
from ibigraph.store import runners
from ibigraph.store.costs import SharedCosts
from ibigraph.store.embedded import EmbeddedService

from ..helpers import EX, csv_request, numbered_store


@pytest.mark.parametrize("shared", [True, False])
def test_a_cost_one_worker_measured_is_known_to_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    monkeypatch.setattr(runners, "QUEUE_WAIT", 0.1)
    path = tmp_path / "store"
    numbered_store(path, 50)
    req = csv_request(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}")
    costs = tmp_path / "costs" if shared else None

    async def run() -> bytes | str:
        first = EmbeddedService(path, threads=2, shared_costs=costs)  # two workers
        second = EmbeddedService(path, threads=2, shared_costs=costs)
        await first.start()
        await second.start()
        try:
            assert (await first.execute(req)).body == b"n\r\n50\r\n"  # by a runner
            await second.pool.close()  # the second worker can only answer in its own process
            try:
                return (await second.execute(req)).body
            except Busy:
                return "busy"
        finally:
            await first.close()
            await second.close()

    assert asyncio.run(run()) == (b"n\r\n50\r\n" if shared else "busy")


def test_a_torn_or_taken_slot_reads_as_unknown(tmp_path: Path) -> None:
    costs = SharedCosts(tmp_path / "costs", slots=1)  # every key in the one slot
    costs.put(("a",), 0.001)
    assert costs.get(("a",)) == 0.001
    assert SharedCosts(tmp_path / "costs", slots=1).get(("a",)) == 0.001  # another process
    costs.put(("b",), 0.002)  # takes the slot
    assert costs.get(("a",)) is None and costs.get(("b",)) == 0.002
    with open(tmp_path / "costs", "r+b") as f:  # the cost written, its check word not yet
        f.seek(8)
        f.write(b"\x00\x00\x00\x00\x00\x00\xf0\x3f")  # 1.0
    assert costs.get(("b",)) is None


def test_a_cost_file_that_cannot_be_made_leaves_each_worker_its_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = numbered_store(tmp_path / "store", 5)
    req = csv_request(f"ASK {{ <{EX}s1> <{EX}p> 1 }}")

    async def run() -> bytes:
        service = EmbeddedService(path, threads=2, shared_costs=tmp_path / "no-such-dir" / "c")
        await service.start()
        try:
            return (await service.execute(req)).body
        finally:
            await service.close()

    assert asyncio.run(run()) == b"true"
    assert "query costs not shared" in caplog.text
