"""In-memory copies of the embedded store: a copy of an older generation, brought up to date
by the changes the writes recorded, holds exactly what the new generation on disk holds; a
write with blank nodes, a rebuild or a lost record makes a whole new copy; a query on the copy
sees a write whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from ibigraph.store.evaluate import open_read_only, open_replica
from ibigraph.store.oxigraph import StoreWriter, read_deltas, write_store

EX = "http://example.org/"


def _q(s: str, o: str | ox.Literal, g: str | None = "g") -> ox.Quad:
    obj = ox.NamedNode(EX + o) if isinstance(o, str) else o
    graph = ox.NamedNode(EX + g) if g else ox.DefaultGraph()
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), obj, graph)


def _write(path: Path, removed: list[ox.Quad], added: list[ox.Quad]) -> Path:
    with StoreWriter(path).transaction() as txn:
        txn.commit(removed, added)
    return Path(os.path.realpath(path))


def _same(copy: ox.Store, generation: Path) -> bool:
    return set(copy) == set(open_read_only(generation))


def test_a_copy_catches_up_by_the_recorded_changes(tmp_path: Path) -> None:
    path = tmp_path / "store"
    first = write_store(path, [_q("a", "b"), _q("a", "b", None), _q("c", ox.Literal('x "y"\n'))])
    copy = open_replica(first, [])
    assert _same(copy, first)
    second = _write(path, [_q("a", "b")], [_q("d", ox.Literal("é", language="fr"))])
    third = _write(path, [], [_q("e", "f", None)])
    given = [(first, copy)]
    caught_up = open_replica(third, given)
    assert caught_up is copy and not given  # the same copy, handed over
    assert _same(caught_up, third)
    assert read_deltas(second, third) is not None and read_deltas(third, second) is None


def test_blank_nodes_a_rebuild_or_a_lost_record_make_a_whole_copy(tmp_path: Path) -> None:
    path = tmp_path / "store"
    first = write_store(path, [_q("a", "b")])
    copy = open_replica(first, [])
    blank = ox.Quad(ox.BlankNode("n1"), ox.NamedNode(EX + "p"), ox.Literal("v"))
    second = _write(path, [], [blank])
    fresh = open_replica(second, [(first, copy)])
    assert fresh is not copy and _same(fresh, second)
    rebuilt = write_store(path, [_q("z", "y")])
    assert read_deltas(second, rebuilt) is None
    assert _same(open_replica(rebuilt, [(second, fresh)]), rebuilt)
    third = _write(path, [], [_q("k", "l")])
    (third.parent / ".deltas" / third.name).unlink()  # pruned, say
    assert _same(open_replica(third, [(rebuilt, open_replica(rebuilt, []))]), third)


def test_a_query_running_on_the_copy_sees_a_write_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "store"
    first = write_store(path, [_q(f"s{i}", "old") for i in range(500)])
    copy = open_replica(first, [])
    running = copy.query(f"SELECT ?s ?o WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}p> ?o }} }}")
    seen = [next(running) for _ in range(10)]
    # one write moves every subject from "old" to "new"
    second = _write(
        path, [_q(f"s{i}", "old") for i in range(500)], [_q(f"s{i}", "new") for i in range(500)]
    )
    assert open_replica(second, [(first, copy)]) is copy
    seen += list(running)
    assert {row["o"].value for row in seen} == {EX + "old"} and len(seen) == 500
    after = copy.query(f"SELECT ?o WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}p> ?o }} }}")
    assert {row["o"].value for row in after} == {EX + "new"}


def test_the_service_reads_each_write_with_copies_and_without(tmp_path: Path) -> None:
    """Copies everywhere (`on`), in the workers only (`workers`: runners read the disk), none."""
    import asyncio

    from ibigraph.config import Limits
    from ibigraph.sparql.request import QueryRequest
    from ibigraph.store.embedded import EmbeddedService

    path = tmp_path / "store"
    write_store(path, [_q("a", "b")])
    count = QueryRequest(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}",
        accept="text/csv",
        limits=Limits(timeout=10, max_rows=10, max_bytes=10_000),
    )

    async def run(replica: bool, in_runners: int | None) -> list[int]:
        service = EmbeddedService(path, threads=2, replica=replica, runner_copies=in_runners)
        await service.start()
        assert service.copies_made is not None
        await service.copies_made  # the runners' copies follow the writes too
        try:
            seen = []
            for i in range(3):
                for _ in range(3):  # a runner, then this process (a thread or its event loop)
                    reply = await service.execute(count)
                    seen.append(int(reply.body.split()[1]))
                _write(path, [], [_q(f"n{replica}{in_runners}{i}", "b")])
            return seen
        finally:
            await service.close()

    # every runner on a copy, one of them (the general one), none; no copies at all
    for replica, in_runners in ((True, None), (True, 1), (True, 0), (False, 0)):
        n = len(set(open_read_only(path)))
        assert asyncio.run(run(replica, in_runners)) == [n + i for i in range(3) for _ in range(3)]


def test_other_threads_run_while_a_copy_is_made(tmp_path: Path) -> None:
    """A worker copies the store as it starts; if the copy held the GIL throughout (one
    bulk_extend does), its event loop and uvicorn's health check would stall, and the
    supervisor kills a worker that does not answer for 5 s. So no stall of another thread may
    take more than a third of the copy (one batch of 30 is the expected one)."""
    import threading
    import time
    from itertools import pairwise

    path = tmp_path / "store"
    generation = write_store(path, [_q(f"s{i}", f"o{i}") for i in range(300_000)])
    seen: list[float] = []
    done = threading.Event()

    def tick() -> None:
        while not done.is_set():
            seen.append(time.monotonic())
            done.wait(0.002)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        time.sleep(0.05)
        started = time.monotonic()
        copy = open_replica(generation, [])
        took = time.monotonic() - started
        time.sleep(0.05)
    finally:
        done.set()
        ticker.join()
    assert len(copy) == 300_000
    stalls = [b - a for a, b in pairwise(seen) if b > started]
    assert max(stalls) < took / 3, (max(stalls), took)


def test_auto_takes_the_workers_copies_then_as_many_runners_as_fit(tmp_path: Path) -> None:
    import os

    from ibigraph.store.embedded import REPLICA_BYTES_PER_QUAD, REPLICA_SHARE, copies_wanted

    path = tmp_path / "store"
    write_store(path, [_q(f"s{i}", "o") for i in range(1000)])
    each = len(open_read_only(path)) * REPLICA_BYTES_PER_QUAD  # ~400 KB
    share = REPLICA_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert copies_wanted("auto", path, workers=2, runners=5) == (True, 5)
    # workers that leave room for 3 copies each: their own and 2 runners'
    three = int(share // (3 * each))
    assert copies_wanted("auto", path, workers=three, runners=5) == (True, 2)
    assert copies_wanted("auto", path, workers=int(share // each), runners=5) == (True, 0)
    assert copies_wanted("auto", path, workers=10**9, runners=5) == (False, 0)
    assert [copies_wanted(m, path, 2, 5) for m in ("on", "workers", "off")] == [
        (True, 5),
        (True, 0),
        (False, 0),
    ]
    assert copies_wanted("auto", tmp_path / "none", 2, 5) == (False, 0)  # no store to measure
