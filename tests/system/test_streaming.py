"""Streamed results over the network, on a real server: a stream that passes its cap is cut
(the client sees an incomplete body, never a short result that looks whole), and a client that
leaves mid-stream stops its runner; the server answers on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..conftest import ENDPOINT_LIMITS, serve_protocol_dataset

CROSS = "SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {n}"  # ~250 bytes a row


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("streaming-server")
    # 500 rows held, 100,000 streamed (more than the sockets between client and server hold)
    env = {**ENDPOINT_LIMITS, "IBIGRAPH_WORKERS": "1", "IBIGRAPH_MAX_STREAM_ROWS": "100000"}
    with serve_protocol_dataset("oxigraph", tmp, env) as url:
        yield url


def stopped(client: httpx.Client) -> float:
    text = client.get("/metrics").text
    (line,) = [x for x in text.splitlines() if x.startswith("ibigraph_query_runners_stopped_total")]
    return float(line.split()[1])


def test_a_stream_past_its_cap_is_cut(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        ok = client.get("/sparql", params={"query": CROSS.format(n=99_000)})
        assert ok.status_code == 200 and len(ok.json()["results"]["bindings"]) == 99_000
        with pytest.raises(httpx.RemoteProtocolError):  # the body ends without its last chunk
            client.get("/sparql", params={"query": CROSS.format(n=150_000)})
        assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_a_client_that_leaves_mid_stream_stops_its_runner(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        before = stopped(client)
        query = CROSS.format(n=99_000)
        with client.stream(
            "GET", "/sparql", params={"query": query}, headers={"Accept": "text/csv"}
        ) as r:
            assert r.status_code == 200
            first = next(r.iter_bytes())
            assert first.startswith(b"a,b,c,d,e,f")
        # closed after one chunk: the runner was waiting to write the rest
        for _ in range(100):
            if stopped(client) > before:
                break
            httpx.get(base + "/health")
        assert stopped(client) == before + 1
        assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
