"""The SPARQL 1.1 Protocol endpoint at /sparql (queries and updates) and /update (updates)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from asyncio import to_thread
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Scope

from ... import __version__
from ...errors import (
    BadInputError,
    IbigraphError,
    MethodNotAllowed,
    NotAcceptable,
    QueryTimeout,
    UnsupportedMediaType,
)
from ...graph.timetravel import parse_instant
from ...queries import internal, load_queries
from ...rdf.formats import (
    FORMAT_ALIASES,
    FORMAT_PARAMETERS,
    GRAPH_TYPES,
    RESULTS_TYPES,
    choose_media_type,
    format_accept,
    named_formats,
    unknown_format,
)
from ...rdf.terms import Subject, Term
from ...sparql.request import QueryRequest, inspect_query
from ...store.embedded import QueryReply
from ...store.service import QueryService
from ..deps import Context, app_context
from ..openapi import RESULT_MEDIA
from ..params import parse_params
from ..records import dataset_stats, snapshot
from ..views import templates
from ..writing import handle_update

__all__ = ["OPENAPI", "routes"]

_SD_TYPES = ["text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"]
_W3C_FORMATS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
    "application/trig": "TriG",
    "application/n-quads": "N-Quads",
}
ALLOW = "GET, HEAD, POST, OPTIONS"
_GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}
_GRAPH_OFFER = list(GRAPH_TYPES)
_RESULTS_OFFER = list(RESULTS_TYPES)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadInputError(f"give the `{name}` parameter once, not {len(values)} times")
    return values[0] if values else None


def _param(params: str, name: str) -> str | None:
    for p in params.split(";"):
        k, _, v = p.partition("=")
        if k.strip().lower() == name:
            return v.strip().strip('"')
    return None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInputError(f"the request body is not UTF-8 (byte {e.start})") from None


def _format_values(params: dict[str, list[str]]) -> list[str]:
    return [v for k in FORMAT_PARAMETERS for v in params.get(k, ()) if v.strip()]


def _accept(request: Request, params: dict[str, list[str]]) -> str | None:
    values = _format_values(params)
    header = request.headers.get("accept")
    return format_accept(values, header) if values else header


def _negotiate(accept: str | None, form: str, params: dict[str, list[str]]) -> str:
    """The result's media type, chosen before the query runs (a 406 costs no evaluation)."""
    try:
        return choose_media_type(accept, _GRAPH_OFFER if form in _GRAPH_FORMS else _RESULTS_OFFER)
    except NotAcceptable:
        values = _format_values(params)
        if values and not named_formats(values):
            raise unknown_format(values) from None
        raise


async def _params(request: Request) -> tuple[dict[str, list[str]], str | None, str | None]:
    """Protocol parameters from the URL and, for form posts, the body; the query text and the
    update text (at most one of them)."""
    params = parse_params(request.scope["query_string"].decode("latin-1"))
    if request.method in ("GET", "HEAD"):
        if "update" in params:
            raise MethodNotAllowed("SPARQL Update must be sent with POST")
        return params, _one(params, "query"), None
    ctype, _, ctype_params = request.headers.get("content-type", "").partition(";")
    ctype = ctype.strip().lower()
    charset = _param(ctype_params, "charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        raise UnsupportedMediaType(f"send the body as UTF-8, not {charset}")
    body = await request.body()
    if ctype == "application/x-www-form-urlencoded":
        form = parse_params(_decode(body))
        if "query" in params:
            raise BadInputError("with a form POST, send `query` in the body, not in the URL")
        for k, v in form.items():
            params.setdefault(k, []).extend(v)
        if "update" in params:
            if "query" in params:
                raise BadInputError("send either `query` or `update`, not both")
            return params, None, _one(params, "update")
        query = _one(params, "query")
        if query is None:
            raise BadInputError("the form has no `query` (or `update`) field")
        return params, query, None
    if ctype == "application/sparql-query":
        if "query" in params:
            raise BadInputError("the query is the body; do not also send a `query` parameter")
        return params, _decode(body), None
    if ctype == "application/sparql-update":
        if "update" in params:
            raise BadInputError("the update is the body; do not also send an `update` parameter")
        return params, None, _decode(body)
    got = ctype or "a body without Content-Type"
    raise UnsupportedMediaType(
        "POST a query as application/sparql-query, an update as application/sparql-update, "
        f"or either as application/x-www-form-urlencoded, not {got}"
    )


def _etag(version: str, query: str, accept: str | None, params: dict[str, list[str]]) -> str:
    """Stable across processes (unlike `hash`), so every worker agrees."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{version}\0{accept or ''}\0{query}".encode())
    for k in ("default-graph-uri", "named-graph-uri"):
        if k in params:
            h.update(f"\0{k}\0{chr(1).join(params[k])}".encode())
    return f'"{h.hexdigest()}"'


def _endpoint(scope: Scope) -> str:
    """This endpoint's URL, the base IRI of queries (cheaper than `request.url`)."""
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else server[0]
    return f"{scope['scheme']}://{host}{scope.get('root_path', '')}{scope['path']}"


async def sparql(request: Request) -> Response:
    """SPARQL 1.1 query endpoint. Without a query, GET answers a Service Description."""
    ctx = app_context(request)
    service: QueryService = ctx.service
    params, query, update = await _params(request)
    if update is not None:
        return await handle_update(request, params, update, _endpoint(request.scope))
    accept = _accept(request, params)
    if query is None:
        if choose_media_type(accept, [*_SD_TYPES, "text/html"]) == "text/html":
            return await editor(request)  # a browser: the query editor
        return await service_description(request, accept)
    if not query.strip():
        raise BadInputError("the query is empty")
    if (at := _one(params, "at")) is not None:  # the graph as it was then (time travel)
        service = await snapshot(ctx, parse_instant(at))
    # refuses SERVICE and updates before any work; linear time, off the loop for long queries
    form = inspect_query(query) if len(query) < _INLINE else await to_thread(inspect_query, query)
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    version = service.version  # a readlink on the embedded store: once
    if version is not None:
        etag = _etag(version, query, accept, params)
        headers["ETag"] = etag
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
    refusal: NotAcceptable | None = None
    try:
        media: str | None = _negotiate(accept, form, params)
    except NotAcceptable as e:
        media, refusal = None, e
    req = QueryRequest(
        query=query,
        accept=media,
        default_graphs=tuple(params.get("default-graph-uri", ())),
        named_graphs=tuple(params.get("named-graph-uri", ())),
        limits=ctx.limits,
        base_iri=_endpoint(request.scope),
        prefixes=ctx.prefixes,
        stream=ctx.stream_limits,
        check_only=refusal is not None,
    )
    if refusal is not None:
        await service.execute(req)  # a syntax error comes first
        raise refusal
    try:
        reply = await _unless_client_leaves(request, service.execute(req))
    except QueryTimeout:
        ctx.metrics.timeouts.inc()
        raise
    except _ClientGone:
        return Response(status_code=499)  # nobody reads it: the client closed the connection
    if reply.stream is not None:  # too large to hold: sent as the runner writes it
        if request.scope.get("ibigraph.head"):
            await reply.stream.aclose()  # stops its runner
            return Response(media_type=reply.media_type, headers=headers)
        return StreamingResponse(reply.stream, media_type=reply.media_type, headers=headers)
    if len(reply.body) <= _CHUNK:
        return Response(reply.body, media_type=reply.media_type, headers=headers)
    headers["Content-Length"] = str(len(reply.body))
    return StreamingResponse(_chunks(reply.body), media_type=reply.media_type, headers=headers)


class _ClientGone(Exception):
    pass


_WATCH_AFTER = 0.2  # seconds a query runs before its connection is watched for a disconnect


async def _unless_client_leaves(request: Request, work: Awaitable[QueryReply]) -> QueryReply:
    """The reply of `work`; if the client disconnects first, `work` is cancelled (its runner
    is stopped) and _ClientGone raised. Quick queries pay only a timer for the watch: the
    connection is watched from _WATCH_AFTER seconds on, by a task that cancels this one."""
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    assert current is not None
    gone = False
    watcher: asyncio.Task[None] | None = None

    async def cancel_when_gone() -> None:
        nonlocal gone
        await _disconnected(request)
        gone = True
        current.cancel()

    def watch() -> None:
        nonlocal watcher
        watcher = loop.create_task(cancel_when_gone())

    timer = loop.call_later(_WATCH_AFTER, watch)
    try:
        return await work
    except asyncio.CancelledError:
        if gone and current.uncancel() == 0:  # our own cancellation, not the server's
            raise _ClientGone from None
        raise
    finally:
        timer.cancel()
        if watcher is not None:
            watcher.cancel()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


_CHUNK = 256 * 1024
_INLINE = 16 * 1024  # query text inspected on the event loop below this size (< 1 ms)


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    view = memoryview(body)
    for i in range(0, len(view), _CHUNK):
        yield bytes(view[i : i + _CHUNK])


async def sparql_other_methods(request: Request) -> Response:
    exc = MethodNotAllowed(f"{request.method} is not supported at /sparql; use GET or POST")
    exc.allow = ALLOW
    raise exc


async def service_description(request: Request, accept: str | None) -> Response:
    ctx = app_context(request)
    media = choose_media_type(accept, _SD_TYPES)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    fmts = "http://www.w3.org/ns/formats/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    node = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    endpoint = ox.NamedNode(str(request.url).split("?", 1)[0])

    def t(s: Subject, p: ox.NamedNode | str, o: Term) -> ox.Triple:
        return ox.Triple(s, ox.NamedNode(p) if isinstance(p, str) else p, o)

    triples = [
        t(node, rdf_type, ox.NamedNode(sd + "Service")),
        t(node, sd + "endpoint", endpoint),
        t(node, sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Query")),
        *(  # updates are taken (with a token) when the server has a tokens file
            [t(node, sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Update"))]
            if _takes_updates(ctx)
            else []
        ),
        t(node, "http://purl.org/dc/terms/hasVersion", ox.Literal(__version__)),
        t(node, sd + "feature", ox.NamedNode(sd + "UnionDefaultGraph")),
        t(
            node,
            sd + "defaultEntailmentRegime",
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        t(node, sd + "defaultDataset", dataset),
        t(dataset, rdf_type, ox.NamedNode(sd + "Dataset")),
        t(dataset, sd + "defaultGraph", default),
        t(default, rdf_type, ox.NamedNode(sd + "Graph")),
    ]
    for media_type in [*RESULTS_TYPES, *GRAPH_TYPES]:
        triples.append(t(node, sd + "resultFormat", ox.NamedNode(fmts + _W3C_FORMATS[media_type])))
    # the prefixes queries may use without declaring them, as SHACL prefix declarations
    shacl = "http://www.w3.org/ns/shacl#"
    any_uri = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
    for name, ns in ctx.prefixes.items():
        decl = ox.BlankNode(f"prefix_{name}")
        triples += [
            t(node, shacl + "declare", decl),
            t(decl, shacl + "prefix", ox.Literal(name)),
            t(decl, shacl + "namespace", ox.Literal(ns, datatype=any_uri)),
        ]
    stats = (await dataset_stats(ctx)).graphs
    void = "http://rdfs.org/ns/void#"
    triples.append(
        t(
            default,
            void + "triples",
            ox.Literal(
                str(stats.get("", 0)),
                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
            ),
        )
    )
    for i, (graph, n) in enumerate(sorted(stats.items())):
        if not graph:
            continue
        ng, g = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        triples += [
            t(dataset, sd + "namedGraph", ng),
            t(ng, rdf_type, ox.NamedNode(sd + "NamedGraph")),
            t(ng, sd + "name", ox.NamedNode(graph)),
            t(ng, sd + "graph", g),
            t(g, rdf_type, ox.NamedNode(sd + "Graph")),
            t(
                g,
                void + "triples",
                ox.Literal(
                    str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                ),
            ),
        ]
    body = ox.serialize(
        triples,
        format=GRAPH_TYPES[media],
        prefixes={"sd": sd, "void": void, "formats": fmts, "sh": shacl},
    )
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def _takes_updates(ctx: Context) -> bool:
    try:
        return bool(ctx.writes.tokens.entries())
    except IbigraphError:  # an unreadable tokens file: no writes now
        return False


# Plain Starlette routes: the endpoint reads the protocol itself, and skipping FastAPI's
# dependency machinery is worth ~10 % of a cheap query's throughput. Documented by hand below.
async def update_endpoint(request: Request) -> Response:
    """SPARQL 1.1 Update only, for clients that want a separate URL for writes."""
    if request.method != "POST":
        exc = MethodNotAllowed("send SPARQL Update to /update with POST")
        exc.allow = "POST, OPTIONS"
        raise exc
    params, _, update = await _params(request)
    if update is None:
        raise BadInputError("/update takes SPARQL Update only; send queries to /sparql")
    return await handle_update(request, params, update, _endpoint(request.scope))


@functools.cache
def _examples(directory: Path) -> list[dict[str, str]]:
    """The named queries of `directory` as editor examples (read once per process)."""
    return [
        {"name": q.name, "summary": q.summary, "query": q.text}
        for q in load_queries(directory).values()
    ]


async def editor(request: Request) -> Response:
    """The query editor (YASGUI, from the service's own static files) with a plain form that
    works without JavaScript; the named queries are its examples."""
    ctx = app_context(request)
    examples = _examples(ctx.settings.queries_dir)
    lines = [line for line in internal("editor_start").text.splitlines() if line[:2] != "#+"]
    declared = [f"PREFIX {p}: <{ctx.prefixes[p]}>" for p in ("id", "ibi")]
    start = "\n".join([*declared, *lines]) + "\n"
    config = {
        "endpoint": "/sparql",
        "prefixes": ctx.prefixes,
        "base": ctx.settings.base,
        "query": start,
        "examples": {e["name"]: e for e in examples},
        **ctx.writes.vocab.terms,  # classes and properties, for completion
    }
    page = templates.get_template("query.html").render(
        query=request.query_params.get("query") or start,
        examples=examples,
        config=json.dumps(config).replace("</", "<\\/"),
    )
    return HTMLResponse(page, headers={"Vary": "Accept"})


routes = [
    Route("/query", editor, methods=["GET", "HEAD"]),
    Route("/sparql", sparql, methods=["GET", "HEAD", "POST"]),
    Route("/sparql", sparql_other_methods, methods=["PUT", "DELETE", "PATCH"]),
    Route("/update", update_endpoint, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
]

_ERRORS = {
    "400": {"description": "Malformed query (with the parser's position), SERVICE, bad parameter"},
    "405": {"description": "Method not allowed, or an update sent with GET"},
    "406": {"description": "No acceptable result format; the body lists the supported ones"},
    "413": {"description": "Request body over the limit"},
    "415": {"description": "Body of another media type or charset"},
    "503": {"description": "Query stopped at the time limit"},
}
_PARAMS = [
    {
        "name": "query",
        "in": "query",
        "schema": {"type": "string"},
        "description": "A SPARQL 1.1 query; without it, GET answers the Service Description",
    },
    {
        "name": "at",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Query the graph as it was at this time: an ISO 8601 date-time "
        "(2026-12-05T03:39:28Z; UTC when it names no zone) or a Memento datetime "
        "(20261205T033928). Rebuilt from the change patches, one past state at a time",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "Graphs whose merge is the default graph (default: the union of all)",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "Graphs available to GRAPH",
    },
    *(
        {
            "name": name,
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
            "description": "Result format, before the Accept header: "
            + ", ".join(sorted(FORMAT_ALIASES))
            + " or a media type (what names no format defers to Accept)",
        }
        for name in FORMAT_PARAMETERS
    ),
]
_WRITE_ERRORS = {
    "400": {"description": "Malformed update or RDF (with the parser's position); LOAD, SERVICE"},
    "401": {"description": "No or unknown bearer token (WWW-Authenticate: Bearer)"},
    "403": {"description": "Writes disabled, a token without the curator role, a managed graph"},
    "413": {"description": "Request body or change over the limit"},
    "422": {"description": "The change violates the SHACL shapes; nothing was written"},
}
_CHANGE = {"200": {"description": "The recorded change (JSON)"}, **_WRITE_ERRORS}
OPENAPI = {
    "/update": {
        "post": {
            "summary": "SPARQL 1.1 Update (curator token)",
            "operationId": "sparql_update",
            "requestBody": {
                "content": {
                    "application/sparql-update": {"schema": {"type": "string"}},
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": {"update": {"type": "string"}}}
                    },
                }
            },
            "responses": _CHANGE,
        }
    },
    "/graph-store": {
        op: {
            "summary": f"SPARQL 1.1 Graph Store Protocol {op.upper()} (?graph=IRI or ?default)",
            "operationId": f"graph_store_{op}",
            "parameters": [
                {"name": "graph", "in": "query", "schema": {"type": "string"}},
                {"name": "default", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": _CHANGE if op != "get" else {"200": {"description": "The graph"}},
        }
        for op in ("get", "put", "post", "delete")
    },
    "/sparql": {
        "get": {
            "summary": "SPARQL 1.1 query (GET)",
            "description": "SPARQL 1.1 Protocol; results by Accept (q-values) or `format`.",
            "operationId": "sparql_get",
            "parameters": _PARAMS,
            "responses": {
                "200": {"description": "Query results", "content": RESULT_MEDIA},
                **_ERRORS,
            },
        },
        "post": {
            "summary": "SPARQL 1.1 query (POST)",
            "operationId": "sparql_post",
            "parameters": _PARAMS[1:],
            "requestBody": {
                "content": {
                    "application/sparql-query": {"schema": {"type": "string"}},
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": {"query": {"type": "string"}}}
                    },
                }
            },
            "responses": {
                "200": {"description": "Query results", "content": RESULT_MEDIA},
                **_ERRORS,
            },
        },
    },
}
