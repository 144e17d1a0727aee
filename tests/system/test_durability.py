"""Crash safety of writes on the embedded store, with a real server killed by SIGKILL.

Each round starts the server, makes one write and waits for its 2xx, starts another write and
kills the whole process group (supervisor and workers) at a random moment, then the next round
restarts on the same store and checks: every acknowledged write is there in full, every
interrupted write is there in full or not at all, and the audit graph and the search index
agree (each write adds an entity with a name).
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
BIG = 100  # alternate names in the write that is interrupted
SOURCE = "https://w3id.org/ibigraph/source/"


def _update(tag: str, names: int) -> str:
    """A new source graph holding an entity named after `tag`, with `names` alternate names."""
    g = f"<{SOURCE}crash-{tag}>"
    aliases = "".join(f' ; schema:alternateName "{tag} alias {i}"@en' for i in range(names))
    return f"""INSERT DATA {{
      GRAPH {g} {{
        id:crash-{tag} a ibi:Consortium ; schema:name "Crashtest {tag}"@en ;
          schema:description "A consortium written by the crash test."@en {aliases} .
      }}
      {g} a ibi:SourceGraph ; dcterms:source <https://example.org/{tag}> ;
        dcterms:title "Crash test {tag}"@en ; dcterms:publisher "Crash test" ;
        dcterms:date "2026-12-05"^^xsd:date .
    }}"""


def _found(base: str, tag: str) -> bool:
    r = httpx.get(base + "/api/search", params={"q": f"Crashtest {tag}"}, timeout=60)
    assert r.status_code == 200, r.text
    hits = r.json()["results"]
    return bool(hits) and hits[0]["id"].endswith(f"/id/crash-{tag}") and hits[0]["score"] == 100


def _names(base: str, tag: str) -> int:
    """The names and alternate names of the entity a write of `tag` adds, in its graph."""
    graph, names = f"<{SOURCE}crash-{tag}>", "schema:name|schema:alternateName"
    r = httpx.post(
        base + "/sparql",
        data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s {names} ?o }} }}"},
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
    auth = {"authorization": f"Bearer {token}", "content-type": "application/sparql-update"}
    rng = random.Random(5)
    acknowledged: list[str] = []
    interrupted: list[str] = []
    for i in range(ROUNDS + 1):
        with start_server(env, tmp_path / f"server-{i}.log") as server:
            # everything acknowledged so far is there, in full, and search finds it
            for tag in acknowledged:
                assert _names(server.base, tag) == 1, (i, tag)
                assert _found(server.base, tag), (i, tag)
            counts = {tag: _names(server.base, tag) for tag in interrupted}
            for tag, n in counts.items():
                assert n in (0, 1 + BIG), (i, tag)  # all or nothing
                assert _found(server.base, tag) == (n > 0), (i, tag)  # as the store says
            complete = [tag for tag, n in counts.items() if n]
            assert _changes(server.base) == len(acknowledged) + len(complete)
            if i == ROUNDS:
                print(f"{len(complete)} of {len(interrupted)} interrupted writes had committed")
                break
            r = httpx.post(
                server.base + "/update", content=_update(f"a{i}", 0), headers=auth, timeout=30
            )
            assert r.status_code == 200, r.text
            acknowledged.append(f"a{i}")
            assert _found(server.base, f"a{i}"), "search follows the write"
            # a write in flight when the process dies
            interrupted.append(f"b{i}")
            writer = threading.Thread(
                target=lambda i=i: _quietly_post(server.base, _update(f"b{i}", BIG), auth)
            )
            writer.start()
            threading.Event().wait(rng.uniform(0.0, 0.5))
            server.kill9()
            writer.join()


def _quietly_post(base: str, body: str, headers: dict[str, str]) -> None:
    with contextlib.suppress(httpx.TransportError):  # the server is killed mid-request
        httpx.post(base + "/update", content=body, headers=headers, timeout=30)
