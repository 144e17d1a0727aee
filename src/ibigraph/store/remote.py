"""The remote backend: a SPARQL 1.1 server (Virtuoso, GraphDB, QLever…) through SPARQLWrapper.

Results are fetched in one canonical format (SPARQL JSON results, or N-Triples for graphs),
parsed by Oxigraph and written out by the same `render` as the embedded store, so both
backends answer every Accept header identically and under the same caps.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import socket
import tempfile
import threading
import urllib.error
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from ..errors import (
    Forbidden,
    IbigraphError,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from ..rdf.terms import GraphName, Subject, Term, object_of, subject_of
from ..sparql.render import render
from ..sparql.request import _OPAQUE, QueryRequest, inspect_query, missing_prefixes
from .base import PROBE, host_lock
from .embedded import QueryReply

__all__ = ["RemoteService", "RemoteWriter"]


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
        self._stamp = _stamp_file(query_url)
        self.size = 1

    async def start(self) -> None:
        await self.execute(PROBE)

    def writer(self, timeout: float) -> RemoteWriter:
        return RemoteWriter(self, timeout)

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
        query = pin_named_graphs(req.query) if not req.named_graphs else req.query
        # the prologue: the endpoint's URL as the base, and the predeclared prefixes the query
        # uses without declaring them; a BASE in the query itself comes later and wins
        prologue = "".join(
            f"PREFIX {p}: <{ns}>\n" for p, ns in missing_prefixes(query, req.prefixes).items()
        )
        if req.base_iri:
            prologue = f"BASE <{req.base_iri}>\n{prologue}"
        client.setQuery(prologue + query)
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
        if req.check_only:  # the server found no syntax error
            return QueryReply("", b"")
        try:
            return _render(body, graph, req)
        except IbigraphError as e:
            # the error's frames hold pyoxigraph results, which may only be dropped on the
            # thread that made them: it leaves this thread without them
            raise e.with_traceback(None) from None

    def write_stamp(self) -> str:
        """Changes with every write made through ibigraph on this host, by any process: what
        a cache of this store's answers is keyed by (writes made elsewhere go unseen)."""
        try:
            st = self._stamp.stat()
        except OSError:
            return "0"
        return f"{st.st_mtime_ns}-{st.st_size}"

    def bump_stamp(self) -> None:
        with self._stamp.open("a") as f:  # one byte more: size and time change
            f.write(".")

    async def execute(self, req: QueryRequest) -> QueryReply:
        return await asyncio.to_thread(self._run, req)


def _render(body: bytes, graph: bool, req: QueryRequest) -> QueryReply:
    try:
        if graph:
            # N-Triples is Turtle; the Turtle parser also takes what servers send for it
            parsed = ox.parse(body, format=ox.RdfFormat.TURTLE, base_iri=req.base_iri)
            triples = [ox.Triple(q.subject, q.predicate, q.object) for q in parsed]
            return render(triples, req.accept, req.limits)
        results = ox.parse_query_results(_fix_results(body), format=ox.QueryResultsFormat.JSON)
        return render(results, req.accept, req.limits)
    except SyntaxError as e:
        raise StoreError(f"the SPARQL server sent a result that cannot be read: {e}") from None


_GRAPH_IRI = re.compile(r"(?<![\w:?$])GRAPH\s+(I+|[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]*)\s*\{", re.I)


def pin_named_graphs(query: str) -> str:
    """Rewrite `GRAPH <g> { P }` as `{ VALUES ?g_ { <g> } GRAPH ?g_ { P } }`.

    Virtuoso 7.2 answers `GRAPH <g> { P }` with one empty solution, even when <g> holds nothing,
    whenever the default graph is set (FROM or default-graph-uri, as this backend always does):
    `ASK { GRAPH <urn:nothing> { ?s ?p ?o } }` is true. The VALUES form is equivalent by the
    spec and answered correctly. Strings, comments and IRIs are masked before braces are
    counted.
    """
    mask = list(query)
    for m in _OPAQUE.finditer(query):
        fill = "I" if m.group().startswith("<") else " "
        mask[m.start() : m.end()] = fill * (m.end() - m.start())
    masked = "".join(mask)
    closing: dict[int, int] = {}  # where each `{` is closed: one pass, linear
    stack: list[int] = []
    for i, c in enumerate(masked):
        if c == "{":
            stack.append(i)
        elif c == "}" and stack:
            closing[stack.pop()] = i
    edits: list[tuple[int, int, str]] = []
    for n, m in enumerate(_GRAPH_IRI.finditer(masked)):
        close = closing.get(m.end() - 1)
        if close is None:
            return query  # unbalanced: let the server report the syntax error
        var = f"?ibigraph_g{n}"
        term = query[m.start(1) : m.end(1)]
        edits.append((m.start(), m.end(), f"{{ VALUES {var} {{ {term} }} GRAPH {var} {{"))
        edits.append((close + 1, close + 1, " }"))
    pieces, at = [], 0
    for start, end, text in sorted(edits, key=lambda e: e[0]):
        pieces += [query[at:start], text]
        at = end
    return "".join([*pieces, query[at:]])


def _fix_results(body: bytes) -> bytes:
    """Virtuoso names blank nodes `nodeID://b1` in SPARQL JSON results, which is not a valid
    blank node label; keep the label part. Also drops the variables `pin_named_graphs` adds,
    which `SELECT *` would show."""
    if b"nodeID://" not in body and b'"ibigraph_g' not in body:
        return body
    data = json.loads(body)
    head = data.get("head", {})
    if "vars" in head:
        head["vars"] = [v for v in head["vars"] if not v.startswith("ibigraph_g")]
    for row in data.get("results", {}).get("bindings", []):
        for v in [v for v in row if v.startswith("ibigraph_g")]:
            del row[v]
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode" and term["value"].startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://") :]
    return json.dumps(data).encode()


def _remote_message(e: Exception) -> str:
    text = str(e)
    return text.split("Response:", 1)[-1].strip()[:500] or text[:500]


# Graphs a Virtuoso server keeps for itself; never listed, cleared or written as data.
SYSTEM_GRAPH_PREFIXES = (
    "http://www.openlinksw.com/",
    "http://www.w3.org/2002/07/owl",
    "http://www.w3.org/ns/ldp",
    "urn:activitystreams-owl:map",
    "urn:core:services:sparql",
    "http://localuriqaserver/",
)


def system_graph(iri: str) -> bool:
    """Whether a graph is one a SPARQL server keeps for itself (not data: never dumped)."""
    return iri.startswith(SYSTEM_GRAPH_PREFIXES)


_VIRTUOSO_BNODE = re.compile(r"b\d+")  # a stored blank node as Virtuoso names it (nodeID://b10000)


def _sparql_term(t: Term) -> str:
    if isinstance(t, ox.BlankNode):
        return f"<nodeID://{t.value}>"  # how Virtuoso names a stored blank node in a query
    return str(t)


_PREFETCH_CHUNK = 100  # nodes per VALUES query


def _host_file(url: str, suffix: str) -> Path:
    digest = hashlib.blake2b(url.encode(), digest_size=8).hexdigest()
    return Path(tempfile.gettempdir()) / f"ibigraph-remote-{digest}.{suffix}"


def _lock_file(update_url: str) -> Path:
    return _host_file(update_url, "write-lock")


def _stamp_file(query_url: str) -> Path:
    """Bumped after each write made through ibigraph on this host (see `write_stamp`)."""
    return _host_file(query_url, "write-stamp")


class RemoteWriter:
    """Reads a change's context with SELECT queries and commits it as one SPARQL Update
    request (DELETE DATA; INSERT DATA) to the server's update endpoint.

    The remote default graph is the graph named by IBIGRAPH_REMOTE_DEFAULT_GRAPH (the union);
    writes need it. Writers are serialized across the processes of this host (a lock file per
    update endpoint), so each change is prepared against the one before it and the audit
    graph's start times follow the commits; not across hosts.
    """

    _lock = threading.Lock()

    def __init__(self, service: RemoteService, timeout: float) -> None:
        if not service.update_url:
            raise Forbidden(
                "writes are disabled: the remote backend has no IBIGRAPH_REMOTE_UPDATE_URL"
            )
        if not service.default_graph:
            raise Forbidden(
                "writes are disabled: the remote backend needs IBIGRAPH_REMOTE_DEFAULT_GRAPH, "
                "the graph that holds the union of all graphs"
            )
        self.service = service
        self.union = ox.NamedNode(service.default_graph)
        self.timeout = timeout
        # every quad of a prefetched subject / object: nothing changes on the server while a
        # change is being prepared (it is written at the end, in one request)
        self._by_subject: dict[Term, list[ox.Quad]] = {}
        self._by_object: dict[Term, list[ox.Quad]] = {}

    @contextmanager
    def transaction(self) -> Iterator[RemoteWriter]:
        with self._lock, host_lock(_lock_file(self.service.update_url or "")):
            self._by_subject.clear()
            self._by_object.clear()
            yield self

    def prefetch(self, subjects: Iterable[Term] = (), objects: Iterable[Term] = ()) -> None:
        """Read every quad of these subjects (and objects) in a few VALUES queries, so that
        the lookups a change makes one quad at a time are answered from memory."""
        for var, nodes, cache in (
            ("s", subjects, self._by_subject),
            ("o", objects, self._by_object),
        ):
            todo = sorted(
                {n for n in nodes if isinstance(n, ox.NamedNode | ox.BlankNode) and n not in cache},
                key=str,
            )
            for i in range(0, len(todo), _PREFETCH_CHUNK):
                chunk = todo[i : i + _PREFETCH_CHUNK]
                for n in chunk:
                    cache[n] = []
                values = " ".join(_sparql_term(n) for n in chunk)
                query = f"SELECT * WHERE {{ VALUES ?{var} {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
                for q in self._quads(self._select(query), None, None, None, None):
                    cache[subject_of(q) if var == "s" else object_of(q)].append(q)

    def _select(self, query: str) -> list[dict[str, Term]]:
        client = SPARQLWrapper(self.service.query_url)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        client.setTimeout(max(1, int(self.timeout)))
        client.addCustomHttpHeader("Accept", "application/sparql-results+json")
        if self.service._auth:
            client.setCredentials(*self.service._auth)
        try:
            body = client.query().response.read()
        except (SPARQLWrapperException, urllib.error.URLError, TimeoutError) as e:
            raise StoreError(f"the SPARQL server failed a read for a write: {e}") from None
        results = ox.parse_query_results(_fix_results(body), format=ox.QueryResultsFormat.JSON)
        assert isinstance(results, ox.QuerySolutions)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def _is_data_graph(self, g: ox.NamedNode | ox.BlankNode) -> bool:
        return g != self.union and not g.value.startswith(SYSTEM_GRAPH_PREFIXES)

    def quads_for_pattern(
        self,
        s: Subject | None,
        p: ox.NamedNode | None,
        o: Term | None,
        g: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        cached = self._by_subject.get(s) if s is not None else None
        if cached is None and o is not None:
            cached = self._by_object.get(o)
        if cached is not None:
            for q in cached:
                if (
                    (s is None or q.subject == s)
                    and (p is None or q.predicate == p)
                    and (o is None or q.object == o)
                    and (g is None or q.graph_name == g)
                ):
                    yield q
            return
        terms: list[tuple[str, Term | None]] = [("s", s), ("p", p), ("o", o)]
        pattern = " ".join("?" + n if t is None else _sparql_term(t) for n, t in terms)
        if isinstance(g, ox.DefaultGraph):
            where = f"GRAPH {self.union} {{ {pattern} }}"
        elif g is not None:
            where = f"GRAPH {_sparql_term(g)} {{ {pattern} }}"
        else:
            where = f"GRAPH ?g {{ {pattern} }}"
        yield from self._quads(self._select(f"SELECT * WHERE {{ {where} }}"), s, p, o, g)

    def _quads(
        self,
        rows: list[dict[str, Term]],
        s: Term | None,
        p: ox.NamedNode | None,
        o: Term | None,
        g: GraphName | None,
    ) -> Iterator[ox.Quad]:
        # rows of `GRAPH ?g { ?s ?p ?o }` with the pattern's bound terms in place of variables
        for row in rows:
            graph = cast(GraphName | None, row.get("g", g))
            if graph is None or isinstance(graph, ox.DefaultGraph) or graph == self.union:
                graph = ox.DefaultGraph()
            elif not self._is_data_graph(graph):
                continue
            yield ox.Quad(
                cast(Subject, row.get("s", s)),
                cast(ox.NamedNode, row.get("p", p)),
                cast(Term, row.get("o", o)),
                graph,
            )

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            g = cast(ox.NamedNode | ox.BlankNode, row["g"])  # a graph name
            if self._is_data_graph(g):
                yield g

    def __len__(self) -> int:
        """Quads in the data graphs (the union graph counted as the default graph)."""
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = self._select(query)
        return sum(
            int(row["n"].value)
            for row in rows
            if row["g"] == self.union or self._is_data_graph(cast(ox.NamedNode, row["g"]))
        )

    def _block(self, quads: Iterable[ox.Quad], *, insert: bool = False) -> str:
        def term(t: Term) -> str:
            # new blank nodes are written as such (one per label in the request)
            if insert and isinstance(t, ox.BlankNode) and not _VIRTUOSO_BNODE.fullmatch(t.value):
                return f"_:b{t.value}"  # new; Virtuoso 7 rejects labels that start with a digit
            return _sparql_term(t)

        by_graph: dict[str, list[str]] = {}
        for q in quads:
            g = self.union if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name
            triple = " ".join(term(t) for t in (subject_of(q), q.predicate, object_of(q)))
            by_graph.setdefault(str(g), []).append(triple + " .")
        return " ".join(f"GRAPH {g} {{ {' '.join(ts)} }}" for g, ts in by_graph.items())

    def commit(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad]) -> None:
        removed, added = list(removed), list(added)
        parts = []
        if removed:
            parts.append(f"DELETE DATA {{ {self._block(removed)} }}")
        if added:
            # not INSERT DATA: Virtuoso 7 refuses blank nodes there ("constant clause")
            parts.append(f"INSERT {{ {self._block(added, insert=True)} }} WHERE {{ }}")
        if not parts:
            return
        client = SPARQLWrapper(self.service.query_url, updateEndpoint=self.service.update_url)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setQuery(" ;\n".join(parts))
        client.setTimeout(max(1, int(self.timeout)))
        if self.service._auth:
            client.setCredentials(*self.service._auth)
        try:
            client.query().response.read()
        except (SPARQLWrapperException, urllib.error.URLError, TimeoutError) as e:
            raise StoreError(f"the SPARQL server refused the write: {_remote_message(e)}") from None
        finally:  # even a refused request may have changed something
            self.service.bump_stamp()
