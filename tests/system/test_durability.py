"""Crash safety of writes on the embedded store, with a real server killed by SIGKILL.

Each round starts the server, makes one write and waits for its 2xx, starts another write and
kills the whole process group (supervisor and workers) at a random moment, then the next round
restarts on the same store and checks: every acknowledged write is there in full, every
interrupted write is there in full or not at all, and the audit graph agrees.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
from pathlib import Path

import httpx

from ibigraph.auth import add_token
from ibigraph.config import Settings
from ibigraph.graph.build import build_store

from ..conftest import serve_env
from ..server import start_server

# `make test` runs a short soak; `make soak` runs 20 rounds (IBIGRAPH_SOAK_ROUNDS)
ROUNDS = max(3, int(os.environ.get("IBIGRAPH_SOAK_ROUNDS", "3")))
BIG = 100  # triples in the write that is interrupted


def _body(tag: str, n: int) -> str:
    return "".join(
        f'<http://example.org/{tag}/s{i}> <http://example.org/p> "{i}" .\n' for i in range(n)
    )


def _count(base: str, graph: str) -> int:
    r = httpx.post(
        base + "/sparql",
        data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"accept": "application/sparql-results+json"},
        timeout=30,
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _changes(base: str) -> int:
    r = httpx.post(
        base + "/sparql",
        data={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/ibigraph/changes> "
            "{ ?c a <https://w3id.org/ibigraph/ontology#Change> } }"
        },
        headers={"accept": "application/sparql-results+json"},
        timeout=30,
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_acknowledged_writes_survive_kill_9_and_interrupted_ones_leave_no_trace(
    fixture_settings: Settings, tmp_path: Path
) -> None:
    build_store(fixture_settings)
    token = add_token(tmp_path / "tokens.json", "crash-tester", "curator")
    env = serve_env(fixture_settings, tmp_path / "tokens.json")
    auth = {"authorization": f"Bearer {token}", "content-type": "application/n-triples"}
    rng = random.Random(5)
    acknowledged: list[str] = []
    interrupted: list[str] = []
    for i in range(ROUNDS + 1):
        with start_server(env, tmp_path / f"server-{i}.log") as server:
            # everything acknowledged so far is there, in full
            for g in acknowledged:
                assert _count(server.base, g) == 3, (i, g)
            complete = [g for g in interrupted if _count(server.base, g) == BIG]
            for g in interrupted:
                assert _count(server.base, g) in (0, BIG), (i, g)  # all or nothing
            assert _changes(server.base) == len(acknowledged) + len(complete)
            if i == ROUNDS:
                print(f"{len(complete)} of {len(interrupted)} interrupted writes had committed")
                break
            g = f"http://example.org/acked/{i}"
            r = httpx.put(
                server.base + "/graph-store",
                params={"graph": g},
                content=_body(f"a{i}", 3),
                headers=auth,
                timeout=30,
            )
            assert r.status_code == 201, r.text
            acknowledged.append(g)
            # a write in flight when the process dies
            h = f"http://example.org/interrupted/{i}"
            interrupted.append(h)
            writer = threading.Thread(
                target=lambda h=h, i=i: _quietly_put(server.base, h, _body(f"b{i}", BIG), auth)
            )
            writer.start()
            threading.Event().wait(rng.uniform(0.0, 0.8))
            server.kill9()
            writer.join()


def _quietly_put(base: str, graph: str, body: str, headers: dict[str, str]) -> None:
    with contextlib.suppress(httpx.TransportError):  # the server is killed mid-request
        httpx.put(
            base + "/graph-store",
            params={"graph": graph},
            content=body,
            headers=headers,
            timeout=30,
        )
