"""The remote backend: a SPARQL 1.1 server (Virtuoso, GraphDB, QLever…) through SPARQLWrapper.

Results are fetched in one canonical format (SPARQL JSON results, or N-Triples for graphs),
parsed by Oxigraph and written out by the same `render` as the embedded store, so both
backends answer every Accept header identically and under the same caps.
"""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
from collections.abc import Callable

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from ..errors import IbigraphError, QuerySyntaxError, QueryTimeout, StoreError
from ..sparql import QueryRequest, inspect_query, render
from .embedded import QueryReply

__all__ = ["RemoteService"]


class RemoteService:
    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        default_graph: str | None = None,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self._auth = (user, password) if user else None
        self.default_graph = default_graph
        self.version: str | None = None  # a remote store has no version we can see
        self.size = 1
        # a remote query is abandoned by its socket timeout; the server stops its own work
        self.on_stuck: Callable[[QueryRequest], None] = lambda req: None

    async def start(self) -> None:
        await self.execute(QueryRequest("ASK { }"))

    async def close(self) -> None:
        pass

    @property
    def busy(self) -> int:
        return 0

    def _client(self, req: QueryRequest, accept: str) -> SPARQLWrapper:
        client = SPARQLWrapper(self.query_url)
        client.setMethod(POST)
        # a form POST: Virtuoso 7.2 never answers application/sparql-query bodies
        # (openlink/virtuoso-opensource#842)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)  # no `format=` parameters: servers disagree on their values
        # The endpoint's URL is the base IRI, as on the embedded store; a BASE in the query
        # itself comes later in the prologue and wins.
        client.setQuery(f"BASE <{req.base_iri}>\n{req.query}" if req.base_iri else req.query)
        client.setTimeout(max(1, int(req.limits.timeout + 0.999)))
        client.addCustomHttpHeader("Accept", accept)
        if self._auth:
            client.setCredentials(*self._auth)
        defaults = req.default_graphs or ((self.default_graph,) if self.default_graph else ())
        for g in defaults:
            client.addDefaultGraph(g)
        for g in req.named_graphs:
            client.addNamedGraph(g)
        return client

    def _fetch(self, req: QueryRequest, graph: bool) -> bytes:
        client = self._client(
            req, "application/n-triples" if graph else "application/sparql-results+json"
        )
        if not graph:
            client.setReturnFormat(JSON)
        try:
            response = client.query().response
            body: bytes = response.read(req.limits.max_bytes + 1)
        except QueryBadFormed as e:
            raise QuerySyntaxError(f"SPARQL syntax error: {_remote_message(e)}") from None
        except TimeoutError:
            raise QueryTimeout.after(req.limits.timeout) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError | socket.timeout):
                raise QueryTimeout.after(req.limits.timeout) from None
            raise StoreError(
                f"the SPARQL server at {self.query_url} is unreachable: {e.reason}"
            ) from None
        except SPARQLWrapperException as e:
            raise IbigraphError(
                f"the SPARQL server refused the query: {_remote_message(e)}"
            ) from None
        return body

    def _run(self, req: QueryRequest) -> QueryReply:
        graph = inspect_query(req.query) in ("CONSTRUCT", "DESCRIBE")
        body = self._fetch(req, graph)
        try:
            if graph:
                # N-Triples is Turtle; the Turtle parser also takes what servers send for it
                parsed = ox.parse(body, format=ox.RdfFormat.TURTLE, base_iri=req.base_iri)
                triples = [ox.Triple(q.subject, q.predicate, q.object) for q in parsed]
                out = render(triples, req.accept, req.limits)
            else:
                results = ox.parse_query_results(
                    _fix_bnodes(body), format=ox.QueryResultsFormat.JSON
                )
                out = render(results, req.accept, req.limits)
        except SyntaxError as e:
            raise StoreError(f"the SPARQL server sent a result that cannot be read: {e}") from None
        return QueryReply(out.media_type, out.body)

    async def execute(self, req: QueryRequest) -> QueryReply:
        return await asyncio.to_thread(self._run, req)


def _fix_bnodes(body: bytes) -> bytes:
    """Virtuoso names blank nodes `nodeID://b1` in SPARQL JSON results, which is not a valid
    blank node label; keep the label part."""
    if b"nodeID://" not in body:
        return body
    data = json.loads(body)
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode" and term["value"].startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://") :]
    return json.dumps(data).encode()


def _remote_message(e: Exception) -> str:
    text = str(e)
    return text.split("Response:", 1)[-1].strip()[:500] or text[:500]
