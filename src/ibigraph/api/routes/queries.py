"""Named queries from `queries/*.rq` as a typed REST API (GET /api/queries/{name}) and as pages
for people (/queries: a form from their parameters and a table of rows)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ...errors import BadInputError, InvalidParameter, NotFound
from ...queries import NamedQuery, Param, bind
from ...rdf.formats import RESULTS_TYPES, choose_media_type
from ...sparql.request import QueryRequest
from ...store.service import QueryService
from ..deps import Context, app_context
from ..openapi import MAX_OFFSET
from ..records import search_index
from ..views import templates, term_cell

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


async def _bound(ctx: Context, nq: NamedQuery, values: dict[str, Any], **page: Any) -> str:
    """The query's text with `values` bound (a `search` value looked up in the index)."""
    for p in nq.params:
        if p.type == "search" and values.get(p.name) is not None:
            hits = (await search_index(ctx)).search(values[p.name])
            values = {**values, p.name: [(h.entity.iri, h.score) for h in hits]}
    return bind(nq, values, ctx.settings.entity_ns, **page)


async def _results(ctx: Context, text: str) -> dict[str, Any]:
    """SPARQL JSON results of a bound named query, under the app's limits."""
    service: QueryService = ctx.service
    reply = await service.execute(
        QueryRequest(text, accept="application/sparql-results+json", limits=ctx.limits)
    )
    results: dict[str, Any] = json.loads(reply.body)
    return results


def _endpoint(nq: NamedQuery) -> Callable[..., Awaitable[Response]]:
    async def run(request: Request, **kwargs: Any) -> Response:
        ctx = app_context(request)
        limit, offset = kwargs.pop("limit"), kwargs.pop("offset")
        media = choose_media_type(request.headers.get("accept"), JSON_TYPES)
        page = {"limit": limit + 1 if nq.paginate else None, "offset": offset}
        results = await _results(ctx, await _bound(ctx, nq, kwargs, **page))
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


def _form_value(p: Param, text: str) -> Any:
    """A value typed into a query page's form, as the API would have it."""
    if p.enum is not None:
        return next((e for e in p.enum if str(e) == text), text)
    if p.type == "boolean":
        return text.lower() in ("true", "1", "on", "yes")
    return text


_INPUT = {"integer": "number", "year": "number", "date": "date"}
PAGE_ROWS = 200  # rows a query page shows


def query_router(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(tags=["named queries"])

    @router.get("/queries", response_class=HTMLResponse, include_in_schema=False)
    async def query_pages() -> HTMLResponse:
        body = templates.get_template("queries.html").render(queries=list(queries.values()))
        return HTMLResponse(body)

    @router.get("/queries/{name}", response_class=HTMLResponse, include_in_schema=False)
    async def query_page(name: str, request: Request) -> HTMLResponse:
        """A named query for people: a form from its typed parameters, and its rows."""
        nq = queries.get(name)
        if nq is None:
            raise NotFound(f"no named query {name!r}; see /queries")
        ctx = app_context(request)
        given = {k: v for k, v in request.query_params.items() if v.strip()}
        values = {p.name: _form_value(p, given[p.name]) for p in nq.params if p.name in given}
        error, columns, rows, text = None, [], [], None
        if given or not any(p.required for p in nq.params):
            try:
                text = await _bound(ctx, nq, values, limit=PAGE_ROWS if nq.paginate else None)
                results = await _results(ctx, text)
            except (BadInputError, InvalidParameter) as e:  # shown beside the form
                error = e.detail
            else:
                columns = results.get("head", {}).get("vars", [])
                for row in results.get("results", {}).get("bindings", [])[:PAGE_ROWS]:
                    rows.append([_cell(row.get(c), ctx) for c in columns])
        fields = [
            {"p": p, "input": _INPUT.get(p.type, "text"),
             "value": given.get(p.name, "" if p.default is None else str(p.default))}
            for p in nq.params
        ]  # fmt: skip
        body = templates.get_template("query_page.html").render(
            q=nq,
            fields=fields,
            error=error,
            columns=columns,
            rows=rows,
            ran=text is not None and error is None,
            editor="/query?" + urlencode({"query": text or nq.text}),
            api=f"/api/queries/{nq.name}" + (f"?{urlencode(given)}" if given else ""),
        )
        return HTMLResponse(body, status_code=422 if error else 200)

    @router.get("/api/queries", summary="List the named queries")
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
            f"/api/queries/{q.name}",
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


def _cell(term: dict[str, str] | None, ctx: Context) -> dict[str, str | None]:
    """A SPARQL JSON result term as a page's table cell."""
    if term is None:
        return term_cell(None, ctx.prefixes, ctx.settings.base)
    value = term["value"]
    as_term = ox.NamedNode(value) if term["type"] == "uri" else ox.Literal(value)
    return term_cell(as_term, ctx.prefixes, ctx.settings.base)
