"""Writers in parallel against a real server with two worker processes, on both backends: the
writes are serialized across the processes, and a client paging through the change feed while
they happen sees every change exactly once, in order."""

from __future__ import annotations

import itertools
import threading
import time

import httpx

from ..conftest import Writable

WRITERS, WRITES = 3, 5


def _write(base: str, auth: dict[str, str], writer: int, errors: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(WRITES):
            graph, triple = (
                f"<http://example.org/concurrent/{writer}>",
                f'<http://e.org/w> <http://e.org/n> "{i}"',
            )
            body = f"INSERT DATA {{ GRAPH {graph} {{ {triple} }} }}"
            r = client.post("/update", content=body, headers=auth)
            if r.status_code != 200:
                errors.append(r.text)


def _page(client: httpx.Client, since: str | None) -> tuple[list[str], str | None]:
    """One page of at most 2 changes after `since`: their IRIs and the cursor to go on with."""
    params = {"limit": "2", **({"since": since} if since else {})}
    r = client.get("/api/changes/feed", params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    return [c["id"] for c in page["orderedItems"]], page["ibi:last"]


def test_a_feed_paged_during_parallel_writes_sees_each_change_once(
    served_writable: Writable,
) -> None:
    client, base = served_writable.client, served_writable.base
    start = client.get("/api/changes/feed", params={"limit": 1000}).json()["ibi:last"]
    auth = {**served_writable.auth(), "content-type": "application/sparql-update"}
    errors: list[str] = []
    writers = [
        threading.Thread(target=_write, args=(base, auth, w, errors)) for w in range(WRITERS)
    ]
    for t in writers:
        t.start()
    seen: list[str] = []
    cursor = start
    while any(t.is_alive() for t in writers):  # follow the feed while the writes happen
        ids, cursor = _page(client, cursor)
        seen += ids
        if not ids:
            time.sleep(0.05)
    for t in writers:
        t.join()
    while True:  # then drain it
        ids, cursor = _page(client, cursor)
        if not ids:
            break
        seen += ids
    assert not errors, errors[:1]
    params = {"limit": "1000", **({"since": start} if start else {})}
    everything = client.get("/api/changes/feed", params=params).json()["orderedItems"]
    assert seen == [c["id"] for c in everything]  # none missed, none twice, in order
    assert len(seen) == WRITERS * WRITES
    times = [c["published"] for c in everything]
    assert times == sorted(times)
    # serialized: each change ended before the next one started
    ends = client.get("/api/changes", params={"limit": WRITERS * WRITES}).json()["changes"]
    spans = sorted((c["started"], c["ended"]) for c in ends)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
