"""Named queries from `queries/*.rq` as a typed REST API: GET /api/queries/{name}."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ...queries import NamedQuery, bind
from ...rdf.formats import RESULTS_TYPES, choose_media_type
from ...sparql.request import QueryRequest
from ...store.service import QueryService
from ..deps import app_context
from ..openapi import MAX_OFFSET
from ..records import search_index

__all__ = ["query_router"]

JSON_TYPES = [
    "application/json",
    "text/csv",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/tab-separated-values",
]
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {
    _XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")
}
_DECIMALS = {_XSD + t for t in ("decimal", "double", "float")}
_ANNOTATIONS: dict[str, Any] = {
    "iri": str,
    "entity": str,
    "string": str,
    "integer": int,
    "date": str,  # a day as YYYY-MM-DD (pydantic's date would also take a number of seconds)
    "boolean": bool,
    "search": str,  # text the search index looks up (the route binds what it finds)
}
# what FastAPI checks before a value reaches `to_term` (which refuses 2020-02-30)
_BOUNDS: dict[str, dict[str, Any]] = {
    "year": {"ge": 1000, "le": 2999},
    "date": {"pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "search": {"min_length": 1, "max_length": 500},  # as /api/search
}


def plain_value(term: dict[str, str]) -> Any:
    """A SPARQL JSON term as a plain JSON value: IRIs and strings as strings, numbers as
    numbers, booleans as booleans."""
    value = term["value"]
    datatype = term.get("datatype")
    if datatype in _NUMBERS:
        return int(value)
    if datatype in _DECIMALS:
        return float(value)
    if datatype == _XSD + "boolean":
        return value in ("true", "1")
    return value


def _annotation(p: Any) -> Any:
    """The Python type and Query() FastAPI validates and documents the parameter with."""
    base = Literal[tuple(p.enum)] if p.enum else (int if p.type == "year" else _ANNOTATIONS[p.type])
    bounds = _BOUNDS.get(p.type, {})
    extra: dict[str, Any] = {"examples": [p.example]} if p.example is not None else {}
    query = Query(description=f"{p.description} ({p.type})".strip(), **bounds, **extra)
    return Annotated[base if p.required else base | None, query]


def _endpoint(nq: NamedQuery) -> Callable[..., Awaitable[Response]]:
    async def run(request: Request, **kwargs: Any) -> Response:
        ctx = app_context(request)
        service: QueryService = ctx.service
        settings = ctx.settings
        limit, offset = kwargs.pop("limit"), kwargs.pop("offset")
        media = choose_media_type(request.headers.get("accept"), JSON_TYPES)
        for p in nq.params:
            if p.type == "search" and kwargs.get(p.name) is not None:
                hits = (await search_index(ctx)).search(kwargs[p.name])
                kwargs[p.name] = [(h.entity.iri, h.score) for h in hits]
        text = bind(
            nq, kwargs, settings.entity_ns, limit=limit + 1 if nq.paginate else None, offset=offset
        )
        reply = await service.execute(
            QueryRequest(text, accept="application/sparql-results+json", limits=ctx.limits)
        )
        results = json.loads(reply.body)
        bindings = results.get("results", {}).get("bindings", [])
        headers = {"Vary": "Accept"}
        if nq.paginate and len(bindings) > limit:
            bindings = bindings[:limit]
            params = dict(request.query_params)
            params.update(limit=str(limit), offset=str(offset + limit))
            nxt = request.url.include_query_params(**params)
            headers["Link"] = f'<{nxt}>; rel="next"'
        if media == "application/json":
            rows = [{k: plain_value(v) for k, v in row.items()} for row in bindings]
            return JSONResponse(rows, headers=headers)
        results["results"]["bindings"] = bindings
        body = json.dumps(results).encode()
        if media == "application/sparql-results+json":
            return Response(body, media_type=media, headers=headers)
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return Response(
            parsed.serialize(format=RESULTS_TYPES[media]), media_type=media, headers=headers
        )

    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
    ]
    for p in nq.params:
        default = inspect.Parameter.empty if p.required else p.default
        params.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    _annotation(p) | (None if not p.required else _annotation(p)),
                    Query(description=p.description or p.name),
                ],
                default=default,
            )
        )
    if nq.paginate:
        params.append(
            inspect.Parameter(
                "limit",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[int, Query(ge=1, le=10_000)],
                default=100,
            )
        )
        params.append(
            inspect.Parameter(
                "offset",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[int, Query(ge=0, le=MAX_OFFSET)],
                default=0,
            )
        )
    else:
        params.append(inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, default=None))
        params.append(inspect.Parameter("offset", inspect.Parameter.KEYWORD_ONLY, default=0))
    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]  # read by FastAPI
    run.__name__ = nq.name
    return run


def query_router(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(prefix="/api/queries", tags=["named queries"])

    @router.get("", summary="List the named queries")
    async def list_queries(request: Request) -> list[dict[str, Any]]:
        return [
            {
                "name": q.name,
                "summary": q.summary,
                "description": q.description,
                "tags": list(q.tags),
                "url": str(request.url_for(q.name)),
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "default": p.default,
                        "enum": list(p.enum) if p.enum else None,
                        "description": p.description,
                    }
                    for p in q.params
                ],
                "sparql": q.text,
            }
            for q in queries.values()
        ]

    content: dict[str, dict[str, Any]] = {t: {} for t in JSON_TYPES}
    for q in queries.values():
        router.add_api_route(
            f"/{q.name}",
            _endpoint(q),
            methods=["GET"],
            name=q.name,
            operation_id=q.name,
            summary=q.summary,
            description=q.description + f"\n\n```sparql\n{q.text}\n```",
            tags=["named queries", *q.tags],
            response_class=Response,
            responses={
                200: {"description": "Rows", "content": content},
                422: {"description": "Invalid parameter (application/problem+json)"},
            },
        )
    return router
