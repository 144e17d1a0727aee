"""Time travel (RFC 7089) on entity documents, on both backends: after a series of writes, the
TimeGate sends a client to the Memento of the time it asks for, whose document is the one the
service served then, and the TimeMap lists one Memento per change to the entity."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx

from ..conftest import Writable
from ..helpers import assert_problem

TURTLE = {"Accept": "text/turtle"}


def _write_name(writable: Writable, label: str) -> None:
    fact = f'id:test-alliance schema:alternateName "{label}"@en'
    r = writable.update(f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}")
    assert r.status_code == 200, r.text


def _at(client: httpx.Client, when: str) -> httpx.Response:
    gate = client.get(
        "/id/test-alliance",
        headers={**TURTLE, "Accept-Datetime": when},
        follow_redirects=False,
    )
    assert gate.status_code == 302, gate.text
    assert "accept-datetime" in gate.headers["vary"].lower()
    assert 'rel="original"' in gate.headers["link"] and 'rel="timemap"' in gate.headers["link"]
    return client.get(gate.headers["location"], headers=TURTLE)


def test_timegate_mementos_and_timemap(writable: Writable) -> None:
    client = writable.client
    first, second = f"M{uuid.uuid4().hex[:6]}", f"M{uuid.uuid4().hex[:6]}"
    _write_name(writable, first)
    then = client.get("/id/test-alliance", headers=TURTLE)
    assert then.status_code == 200 and first in then.text
    assert 'rel="timegate"' in then.headers["link"]
    time.sleep(1.1)  # Mementos are named to the second
    middle = format_datetime(datetime.now(UTC), usegmt=True)
    time.sleep(1.1)
    _write_name(writable, second)
    now = client.get("/id/test-alliance", headers=TURTLE)
    assert second in now.text
    past = _at(client, middle)
    assert past.status_code == 200
    assert past.headers["memento-datetime"]
    assert past.content == then.content  # the document as it was served then, byte for byte
    assert second not in past.text
    latest = _at(client, format_datetime(datetime.now(UTC), usegmt=True))
    assert second in latest.text
    timemap = client.get("/timemap/id/test-alliance")
    assert timemap.headers["content-type"].startswith("application/link-format")
    mementos = [line for line in timemap.text.splitlines() if 'rel="memento"' in line]
    assert len(mementos) >= 2
    as_json = client.get("/timemap/id/test-alliance", headers={"Accept": "application/json"}).json()
    assert len(as_json["mementos"]) == len(mementos)


def test_bad_datetimes_are_clear_errors(writable: Writable) -> None:
    json_ = {"Accept": "application/json"}
    bad = writable.client.get(
        "/id/test-alliance", headers={**json_, "Accept-Datetime": "yesterday"}
    )
    assert "Accept-Datetime" in assert_problem(bad, 400)["detail"]
    assert_problem(writable.client.get("/memento/2026-01-01/id/test-alliance", headers=json_), 400)
    assert_problem(writable.client.get("/timemap/id/Not%20A%20Slug", headers=json_), 404)


def _ask(client: httpx.Client, label: str, **params: str) -> bool:
    query = f'ASK {{ id:test-alliance schema:alternateName "{label}"@en }}'
    r = client.get("/sparql", params={"query": query, **params},
                   headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def test_sparql_over_a_past_state(writable: Writable) -> None:
    client = writable.client
    first, second = f"S{uuid.uuid4().hex[:6]}", f"S{uuid.uuid4().hex[:6]}"
    _write_name(writable, first)
    time.sleep(1.1)
    middle = datetime.now(UTC)
    time.sleep(1.1)
    _write_name(writable, second)
    for at in (
        middle.isoformat(),
        middle.strftime("%Y%m%dT%H%M%S"),
        middle.strftime("%Y-%m-%dT%H:%M:%S"),
    ):
        assert _ask(client, first, at=at) and not _ask(client, second, at=at), at
    assert _ask(client, second, at=datetime.now(UTC).isoformat())  # the store as it is
    _write_name(writable, "after " + second)  # a later write leaves the past state as it was
    assert _ask(client, first, at=middle.isoformat())
    assert not _ask(client, second, at=middle.isoformat())
    assert not _ask(client, first, at="2000-01-01T00:00:00Z")  # before any change recorded
    # a POSTed query takes `at` in the form too; the past state's rows match the store's then
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    accept = {"Accept": "application/sparql-results+json"}
    counts = [
        int(client.post("/sparql", data={"query": query, **at}, headers=accept).json()
            ["results"]["bindings"][0]["n"]["value"])
        for at in ({"at": middle.isoformat()}, {})
    ]  # fmt: skip
    assert counts[0] < counts[1]


def test_bad_instants_and_updates_in_the_past_are_clear_errors(writable: Writable) -> None:
    json_ = {"Accept": "application/json"}
    ask = "ASK { ?s ?p ?o }"
    bad = writable.client.get("/sparql", params={"query": ask, "at": "last tuesday"}, headers=json_)
    assert "ISO 8601" in assert_problem(bad, 400)["detail"]
    twice = writable.client.get(
        "/sparql",
        params=[("query", ask), ("at", "2026-01-01"), ("at", "2026-01-02")],
        headers=json_,
    )
    assert_problem(twice, 400)
    r = writable.client.post(
        "/update",
        params={"at": "2026-01-01T00:00:00Z"},
        content=b'INSERT DATA { <http://example.org/x> <http://example.org/p> "x" }',
        headers={**writable.auth(), "content-type": "application/sparql-update", **json_},
    )
    assert "past state" in assert_problem(r, 400)["detail"]
