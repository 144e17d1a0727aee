"""A streamed result holds its runner only while it streams: a stream nobody reads (its client
left as the response began, before the first chunk was asked for) is stopped at the query's
time limit, and the runner pool is whole again."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from ibigraph.config import Limits
from ibigraph.sparql.request import QueryRequest
from ibigraph.store.embedded import EmbeddedService

from ..helpers import numbered_store


def test_a_stream_nobody_reads_lets_its_runner_go(tmp_path: Path) -> None:
    path = tmp_path / "store"
    numbered_store(path, 3000)
    big = QueryRequest(
        "SELECT ?s ?o WHERE { ?s ?p ?o }",
        accept="text/csv",
        limits=Limits(timeout=1.5, max_rows=10, max_bytes=1_000_000),
        stream=Limits(timeout=1.5, max_rows=1_000_000, max_bytes=100_000_000),
    )

    async def run() -> tuple[int, int, int, bytes]:
        service = EmbeddedService(path, threads=2)
        stopped = 0

        def count() -> None:
            nonlocal stopped
            stopped += 1

        service.pool.on_stopped = count
        await service.start()
        try:
            reply = await service.execute(big)
            assert reply.stream is not None and reply.body == b""
            busy = service.busy  # held by the stream
            del reply  # never iterated: its generator never starts, so never finishes
            gc.collect()
            await asyncio.sleep(2.5)  # past the time limit
            read = await service.execute(big)  # a whole stream, read to its end
            assert read.stream is not None
            body = b"".join([chunk async for chunk in read.stream])
            return busy, service.busy, stopped, body
        finally:
            await service.close()

    busy, after, stopped, body = asyncio.run(run())
    assert busy == 1 and after == 0 and stopped == 1
    assert len(body.splitlines()) == 3001  # the header and every row
