"""One suite over every backend (as Oxigraph's own test_store.py runs one suite over its memory
and disk stores): the query service and its writer behave the same, embedded and remote.

Each backend holds the protocol dataset; the remote one is a Virtuoso taking updates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
import pytest

from ibigraph.config import Limits, Settings
from ibigraph.errors import Forbidden, QuerySyntaxError, ResultTooLarge
from ibigraph.sparql.render import Rendered
from ibigraph.sparql.request import QueryRequest
from ibigraph.store.remote import RemoteService
from ibigraph.store.service import QueryService, open_query_service

from ..conftest import writable_settings
from ..helpers import ID, SCHEMA

T = TypeVar("T")
LIMITS = Limits(timeout=20, max_rows=1000, max_bytes=1024 * 1024)
JSON = "application/sparql-results+json"
G = ox.NamedNode("http://example.org/backend-test")


@dataclass
class Backend:
    name: str
    settings: Settings
    service: QueryService
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def query(self, text: str, accept: str = JSON, limits: Limits = LIMITS) -> Rendered:
        return self.run(self.service.execute(QueryRequest(text, accept, limits=limits)))

    def ask(self, text: str) -> bool:
        return bool(json.loads(self.query(text).body)["boolean"])


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    tmp: Path = tmp_path_factory.mktemp(f"backend-{request.param}")
    loop = asyncio.new_event_loop()
    with writable_settings(request.param, tmp) as settings:
        service = open_query_service(settings)
        loop.run_until_complete(service.start())
        try:
            yield Backend(request.param, settings, service, loop)
        finally:
            loop.run_until_complete(service.close())
            loop.close()


def test_select_ask_and_construct_answer_alike(backend: Backend) -> None:
    org, name = f"<{SCHEMA}Organization>", f"<{SCHEMA}name>"
    reply = backend.query(f"SELECT ?n WHERE {{ ?e a {org} ; {name} ?n }} ORDER BY ?n")
    assert reply.media_type == JSON
    names = [b["n"]["value"] for b in json.loads(reply.body)["results"]["bindings"]]
    assert names == ["Test Agency", "Test Alliance", "Test Brain Project", "Test Working Group"]
    assert backend.ask(f"ASK {{ <{ID}testland> ?p ?o }}")
    assert not backend.ask(f"ASK {{ <{ID}no-such-thing> ?p ?o }}")
    graph = backend.query(
        f"CONSTRUCT {{ <{ID}testland> ?p ?o }} WHERE {{ <{ID}testland> ?p ?o }}",
        accept="application/n-triples",
    )
    assert graph.media_type == "application/n-triples"
    triples = [q.triple for q in ox.parse(graph.body, format=ox.RdfFormat.N_TRIPLES)]
    stated = ox.Triple(
        ox.NamedNode(ID + "testland"),
        ox.NamedNode(SCHEMA + "name"),
        ox.Literal("Testland", language="en"),
    )
    assert stated in triples


def test_a_syntax_error_is_a_query_syntax_error(backend: Backend) -> None:
    with pytest.raises(QuerySyntaxError):
        backend.query("SELECT * WHERE { ?s ?p }")


def test_the_row_cap_holds(backend: Backend) -> None:
    with pytest.raises(ResultTooLarge, match="more than 2 rows"):
        backend.query("SELECT * WHERE { ?s ?p ?o }", limits=Limits(20, 2, 1024 * 1024))


def test_a_transaction_reads_commits_and_counts(backend: Backend) -> None:
    writer = backend.service.writer(20)
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    quads = [ox.Quad(s, p, ox.Literal("x"), G), ox.Quad(s, p, ox.Literal("x"))]  # + the union
    with writer.transaction() as txn:
        before = len(txn)
        testland = list(txn.quads_for_pattern(ox.NamedNode(ID + "testland"), None, None, None))
        assert testland and before > len(testland)
        txn.commit([], quads)
    assert backend.ask(f"ASK {{ GRAPH <{G.value}> {{ {s} {p} 'x' }} }}")
    assert backend.ask(f"ASK {{ {s} {p} 'x' }}")  # the default graph: the union
    with writer.transaction() as txn:
        assert len(txn) == before + 2
        assert G in set(txn.named_graphs())
        assert list(txn.quads_for_pattern(s, p, None, G)) == [quads[0]]
        txn.commit(quads, [])
    assert not backend.ask(f"ASK {{ {s} {p} 'x' }}")
    with writer.transaction() as txn:
        assert len(txn) == before


def test_a_transaction_left_without_commit_writes_nothing(backend: Backend) -> None:
    writer = backend.service.writer(20)
    s = ox.NamedNode("http://example.org/never")
    with writer.transaction() as txn:
        assert not list(txn.quads_for_pattern(s, None, None, None))
    assert not backend.ask(f"ASK {{ {s} ?p ?o }}")


def test_a_remote_without_an_update_url_takes_no_writes(protocol_virtuoso: str) -> None:
    with pytest.raises(Forbidden, match="IBIGRAPH_REMOTE_UPDATE_URL"):
        RemoteService(protocol_virtuoso).writer(20)
