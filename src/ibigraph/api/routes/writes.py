"""Curated writes over HTTP: the SPARQL 1.1 Graph Store HTTP Protocol (/graph-store, indirect
graph identification), the change history (/api/changes) and undo. Every write needs a curator
token, is checked by the shapes, and is recorded (SPARQL Update: api/writing.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from email.parser import BytesParser
from typing import Any, cast
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.routing import Route

from ...errors import (
    BadInputError,
    Busy,
    ChangeTooLarge,
    DataSyntaxError,
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    UnsupportedMediaType,
)
from ...graph.writes import (
    Principal,
    graph_store_change,
    undo_change,
)
from ...queries import internal_text
from ...rdf.formats import GRAPH_TYPES, choose_media_type
from ...sparql.changeset import ChangeSet
from ...sparql.request import QueryRequest
from ..deps import Context, ContextDep, PrincipalDep, app_context, internal_rows
from ..openapi import MAX_OFFSET
from ..params import parse_params
from ..records import history
from ..views import templates
from ..writing import Writes, change_reason, change_response, need_admin

__all__ = ["graph_store_routes", "router"]

_BODY_FORMATS: dict[str, ox.RdfFormat] = {
    **GRAPH_TYPES,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "text/plain": ox.RdfFormat.N_TRIPLES,  # the old N-Triples media type
    "application/json": ox.RdfFormat.JSON_LD,
}
_QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}


# -- Graph Store Protocol ---------------------------------------------------------------------
def _target(request: Request) -> tuple[dict[str, list[str]], ox.NamedNode | ox.DefaultGraph | None]:
    params = parse_params(request.scope["query_string"].decode("latin-1"))
    graphs = params.get("graph", [])
    if "default" in params and graphs:
        raise BadInputError("give either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise BadInputError("give the `graph` parameter once")
    if "default" in params:
        return params, ox.DefaultGraph()
    if graphs:
        try:
            return params, ox.NamedNode(graphs[0])
        except ValueError:
            raise BadInputError(f"graph={graphs[0]!r} is not an absolute IRI") from None
    return params, None


async def _body_quads(
    request: Request, graph_iri: str | None, *, allow_quads: bool
) -> list[ox.Quad]:
    ctx = app_context(request)
    header = request.headers.get("content-type", "")
    body = await request.body()
    base = graph_iri or str(request.url).split("?", 1)[0]
    limit = ctx.settings.max_change_quads
    # parsing is CPU work: off the event loop
    return await asyncio.to_thread(_parse_body, header, body, base, allow_quads, limit)


def _parse_body(
    header: str, body: bytes, base: str, allow_quads: bool, limit: int
) -> list[ox.Quad]:
    if header.split(";")[0].strip().lower() != "multipart/form-data":
        return _parse_rdf(
            header, body, base, allow_quads=allow_quads, where="request body", limit=limit
        )
    # GSP: each part is an RDF document, all merged into the graph
    message = BytesParser().parsebytes(f"Content-Type: {header}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise BadInputError("the multipart/form-data body has no parts")
    quads: list[ox.Quad] = []
    for i, part in enumerate(message.get_payload(), 1):
        quads += _parse_rdf(
            part.get("content-type", ""),
            part.get_payload(decode=True) or b"",
            base,
            allow_quads=False,
            where=f"part {i} of the body",
            limit=limit - len(quads),
        )
    return quads


def _parse_rdf(
    header: str, body: bytes, base: str, *, allow_quads: bool, where: str, limit: int
) -> list[ox.Quad]:
    ctype = header.split(";")[0].strip().lower()
    fmt = _BODY_FORMATS.get(ctype)
    if fmt is None:
        raise UnsupportedMediaType(
            f"send RDF as one of {', '.join(GRAPH_TYPES)} or multipart/form-data, not "
            f"{ctype or 'a body without Content-Type'}"
        )
    if fmt in _QUAD_FORMATS and not allow_quads:
        fmt = {
            ox.RdfFormat.TRIG: ox.RdfFormat.TURTLE,
            ox.RdfFormat.N_QUADS: ox.RdfFormat.N_TRIPLES,
        }[fmt]
    if fmt == ox.RdfFormat.RDF_XML and re.search(rb"<!(DOCTYPE|ENTITY)", body, re.I):
        # internal entities can expand a small body into gigabytes ("billion laughs")
        raise BadInputError(f"{where}: RDF/XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        parsed = ox.parse(body, format=fmt, base_iri=base, rename_blank_nodes=True)
        quads = list(itertools.islice(parsed, limit + 1))
    except SyntaxError as e:
        raise DataSyntaxError.from_parser(where, e) from None
    if len(quads) > limit:
        raise ChangeTooLarge(f"{where} holds more than {limit} triples (IBIGRAPH_MAX_CHANGE_QUADS)")
    return quads


async def _graph_exists(request: Request, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
    ctx = app_context(request)
    if isinstance(graph, ox.DefaultGraph):
        return True
    return bool(await internal_rows(ctx, "graph_exists", {"g": graph}))


async def graph_store(request: Request) -> Response:
    ctx = app_context(request)
    writes: Writes = ctx.writes
    params, graph = _target(request)
    method = request.method
    if method in ("GET", "HEAD"):
        if graph is None:
            raise BadInputError("name the graph: ?graph=IRI or ?default")
        return await _get_graph(request, graph)
    if method not in ("PUT", "POST", "DELETE"):
        exc = MethodNotAllowed(f"{method} is not supported at /graph-store")
        exc.allow = "GET, HEAD, PUT, POST, DELETE"
        raise exc
    principal = writes.principal(request.headers.get("authorization"))
    reason = change_reason(request, params)
    created_iri: str | None = None
    if graph is None:
        if method != "POST":
            raise BadInputError("name the graph: ?graph=IRI or ?default")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if _BODY_FORMATS.get(ctype) in _QUAD_FORMATS:
            quads = await _body_quads(request, None, allow_quads=True)  # into their own graphs
            if any(isinstance(q.graph_name, ox.BlankNode) for q in quads):
                raise BadInputError("name every graph of the body with an IRI, not a blank node")
            return await _write(request, writes, principal, reason, "POST", None, quads)
        created_iri = f"{writes.settings.base}graph/{uuid.uuid4()}"
        graph = ox.NamedNode(created_iri)
    if method == "DELETE" and isinstance(graph, ox.DefaultGraph):
        need_admin(principal, "DELETE ?default (it empties every graph of the union)")
    existed = await _graph_exists(request, graph)
    if method == "DELETE":
        if not existed:  # so a named graph (the default graph always exists)
            raise NotFound(f"there is no graph <{cast(ox.NamedNode, graph).value}>")
        return await _write(request, writes, principal, reason, method, graph, [])
    quads = await _body_quads(
        request, graph.value if isinstance(graph, ox.NamedNode) else None, allow_quads=False
    )
    response = await _write(request, writes, principal, reason, method, graph, quads)
    if created_iri is not None or not existed:
        response.status_code = 201
        response.headers["Location"] = created_iri or cast(ox.NamedNode, graph).value
    return response


async def _write(
    request: Request,
    writes: Writes,
    principal: Principal,
    reason: str | None,
    method: str,
    graph: ox.NamedNode | ox.DefaultGraph | None,
    quads: list[ox.Quad],
) -> Response:
    def build(changes: ChangeSet) -> str:
        if graph is None:  # a dataset POST: quads merge into the graphs they name
            changes.extend(quads)
            return "Graph Store POST (dataset)"
        return graph_store_change(changes, method, graph, quads, writes.vocab.writable_union)

    target = (
        "dataset"
        if graph is None
        else ("default" if isinstance(graph, ox.DefaultGraph) else graph.value)
    )
    summary = f"{method} graph {target} ({len(quads)} triples in the body)"
    change = await asyncio.to_thread(writes.run, principal, build, summary, reason)
    return change_response(change)


async def _get_graph(request: Request, graph: ox.NamedNode | ox.DefaultGraph) -> Response:
    ctx = app_context(request)
    media = choose_media_type(request.headers.get("accept"), list(GRAPH_TYPES))
    if not await _graph_exists(request, graph):  # so a named graph
        raise NotFound(f"there is no graph <{cast(ox.NamedNode, graph).value}>")
    pm = ctx.prefixes
    query = (
        internal_text("default_graph", pm)
        if isinstance(graph, ox.DefaultGraph)
        else internal_text("graph_triples", pm, {"g": graph.value})
    )
    req = QueryRequest(
        query=query,
        accept=media,
        limits=ctx.limits,
    )
    reply = await ctx.service.execute(req)
    body = b"" if request.method == "HEAD" else reply.body
    return Response(body, media_type=reply.media_type, headers={"Vary": "Accept"})


graph_store_routes = [
    Route(
        "/graph-store",
        graph_store,
        methods=["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"],
    )
]


# -- history ----------------------------------------------------------------------------------
router = APIRouter(tags=["writes"])


@router.get("/api/changes", summary="The history of accepted writes, newest first")
async def changes(
    ctx: ContextDep,
    entity: str | None = Query(None, description="only changes to this entity (IRI)"),
    graph: str | None = Query(None, description="only changes to this graph (IRI)"),
    agent: str | None = Query(None, description="only changes by this token name"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Response:
    settings = ctx.settings
    iris = {}
    for name, value in (("entity", entity), ("graph", graph)):
        if value is not None:
            try:
                iris[name] = ox.NamedNode(value)
            except ValueError:
                raise InvalidParameter(f"{name}: {value!r} is not an absolute IRI") from None
    who = ox.NamedNode(settings.base + "agent/" + quote(agent, safe="")) if agent else None
    rows = await history(
        ctx,
        entity=iris.get("entity"),
        graph=iris.get("graph"),
        agent=who,
        limit=limit,
        offset=offset,
    )
    return Response(
        json.dumps({"changes": rows, "limit": limit, "offset": offset}, indent=2) + "\n",
        media_type="application/json",
    )


async def _changes_after(
    ctx: Context, since: str | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` recorded changes after `since` (a change IRI; None: from the first), as
    Activity Streams items with their patches, and whether more follow."""
    audit: dict[str, ox.NamedNode | str | None] = {"audit": ox.NamedNode(ctx.settings.audit_graph)}
    if since is not None:
        try:
            after = ox.NamedNode(since)
        except ValueError:
            raise InvalidParameter(f"since: {since!r} is not an absolute IRI") from None
        found = await internal_rows(ctx, "change_exists", {**audit, "change": after})
        if not found:
            raise NotFound(f"no recorded change {since}: start from the beginning (no since)")
        audit |= {"after": after, "after_time": found[0]["started"].value}
    rows = await internal_rows(ctx, "feed", audit, limit=limit + 1)
    items = [
        {
            "id": r["c"].value,
            "type": "Update",
            "name": r["name"].value,
            "actor": {"type": "Person", "name": r["agentName"].value},
            "published": r["ended"].value,
            **({"summary": r["reason"].value} if "reason" in r else {}),
            "patch": r["patch"].value if "patch" in r else None,
        }
        for r in rows[:limit]
    ]
    return items, len(rows) > limit


STREAM_POLL = 2.0  # seconds between looks at the audit graph while nothing is new
STREAM_HEARTBEAT = 15.0  # a comment line at least this often, so proxies keep the connection
STREAM_LIFETIME = 3600.0  # a stream ends after this; the client reconnects with Last-Event-ID
MAX_STREAMS = 32  # open streams per worker process


@router.get(
    "/api/changes/stream",
    summary="Accepted changes as they happen (Server-Sent Events), after a change "
    "(`since` or the Last-Event-ID header)",
    response_class=StreamingResponse,
)
async def stream(
    request: Request,
    ctx: ContextDep,
    since: str | None = Query(None, description="the last change you have (its IRI)"),
    max_events: int = Query(100_000, ge=1, le=100_000, description="close after this many"),
) -> Response:
    cursor = request.headers.get("last-event-id") or since
    await _changes_after(ctx, cursor, 1)  # an unknown or malformed cursor is refused now
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    if request.scope.get("ibigraph.head"):  # HEAD: the stream's headers, without holding it open
        return Response(media_type="text/event-stream", headers=headers)
    if ctx.streams >= MAX_STREAMS:
        raise Busy(f"{MAX_STREAMS} change streams are open on this worker; try again later")
    ctx.streams += 1

    async def events() -> AsyncIterator[str]:
        position, sent = cursor, 0
        started = quiet = time.monotonic()
        try:
            yield ": ibigraph changes\n\n"
            while sent < max_events and time.monotonic() - started < STREAM_LIFETIME:
                if await request.is_disconnected():
                    return
                items, _ = await _changes_after(ctx, position, min(100, max_events - sent))
                for item in items:
                    yield f"id: {item['id']}\nevent: change\ndata: {json.dumps(item)}\n\n"
                    position, sent, quiet = item["id"], sent + 1, time.monotonic()
                if not items:
                    if time.monotonic() - quiet > STREAM_HEARTBEAT:
                        yield ": still here\n\n"
                        quiet = time.monotonic()
                    for _ in range(int(STREAM_POLL / 0.25)):  # a client that left is let go soon
                        await asyncio.sleep(0.25)
                        if await request.is_disconnected():
                            return
        finally:
            ctx.streams -= 1

    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


FEED_MEDIA = ["application/activity+json", "application/ld+json", "application/json",
              "application/atom+xml"]  # fmt: skip


@router.get(
    "/api/changes/feed",
    summary="Accepted changes in order, with their RDF Patches, after a change (Activity Streams "
    "2.0 or Atom): follow it to keep a copy of the graph in step",
)
async def feed(
    request: Request,
    ctx: ContextDep,
    since: str | None = Query(None, description="the last change you have (its IRI)"),
    limit: int = Query(100, ge=1, le=1000),
) -> Response:
    settings = ctx.settings
    media = choose_media_type(request.headers.get("accept"), FEED_MEDIA)
    items, more = await _changes_after(ctx, since, limit)
    here = str(request.url.remove_query_params(["since", "limit"]))
    page = f"{here}?{urlencode({'since': since, 'limit': limit})}" if since else here
    nxt = f"{here}?{urlencode({'since': items[-1]['id'], 'limit': limit})}" if more else None
    if media == "application/atom+xml":
        updated = items[-1]["published"] if items else "1970-01-01T00:00:00Z"
        body = templates.get_template("feed.atom.html").render(
            here=page, next=nxt, items=items, updated=updated
        )
        return Response(body, media_type="application/atom+xml")
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"ibi": settings.ontology_ns, "patch": "ibi:patch"},
        ],
        "id": page,
        "type": "OrderedCollectionPage",
        "partOf": here,
        "orderedItems": items,
        # the cursor to ask with next time, even when this page is the last one
        "ibi:last": items[-1]["id"] if items else since,
    }
    if nxt:
        doc["next"] = nxt
    return Response(json.dumps(doc, indent=2) + "\n", media_type=media)


@router.post(
    "/api/changes/undo",
    summary="Undo a recorded change (curator token; the result is checked like any write)",
)
async def undo(
    request: Request,
    ctx: ContextDep,
    principal: PrincipalDep,
    change: str = Query(..., description="the change to undo (its IRI)"),
) -> Response:
    writes: Writes = ctx.writes
    settings = ctx.settings
    params = parse_params(request.scope["query_string"].decode("latin-1"))
    done = await asyncio.to_thread(
        writes.run,
        principal,
        lambda changes: undo_change(changes, change, settings),
        f"undo {change}",
        change_reason(request, params) or f"undo of {change}",
    )
    return change_response(done)
