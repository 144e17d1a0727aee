"""The Reconciliation Service API 0.2 at /reconcile (what OpenRefine 3.x speaks): the manifest,
reconciliation queries (`queries=` batches and single `query=`, by GET, form POST, or a JSON
body as in the 1.0 draft), data extension (`extend=`), suggest services, preview and property
proposals. The logic is in search/reconcile.py; requests are checked here against the
protocol's shapes (a bad one is a 400 naming what is wrong)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ...errors import BadInputError, NotFound
from ...rdf.vocab import SCHEMA
from ...search.index import SearchIndex
from ...search.reconcile import (
    EXTEND_PROPERTIES,
    Constraint,
    Vocabulary,
    candidates,
    candidates_by_properties,
    extend,
    type_names,
)
from ...search.reconcile import (
    Query as ReconcileQuery,
)
from ..deps import ContextDep
from ..params import parse_params
from ..records import search_index
from ..views import templates

__all__ = ["router"]

router = APIRouter(tags=["reconciliation"])
MAX_QUERIES = 500  # queries in one batch
Value = str | int | float | bool | dict[str, Any]


class _Property(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pid: str = Field(min_length=1)
    v: Value | list[Value]


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str | None = Field(None, max_length=1000)
    type: str | list[str] | None = None
    limit: int | None = Field(None, ge=1, le=100)
    properties: list[_Property] | None = Field(None, min_length=1)
    type_strict: Literal["any", "all", "should"] | None = None

    @model_validator(mode="after")
    def _needs_something(self) -> _Query:
        if not (self.query or "").strip() and not self.properties:
            raise ValueError("a query needs a `query` string or `properties`")
        return self


class _ExtendProperty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    settings: dict[str, Any] | None = None


class _Extend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=1, max_length=MAX_QUERIES)
    properties: list[_ExtendProperty] = Field(min_length=1)


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise BadInputError(f"`{what}` is not JSON: {e}") from None


def _checked(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "the value"
        raise BadInputError(f"{what}: {where}: {first['msg']}") from None


def _to_query(q: _Query) -> ReconcileQuery:
    types = (q.type,) if isinstance(q.type, str) else tuple(q.type or ())
    constraints = []
    for p in q.properties or []:
        values = p.v if isinstance(p.v, list) else [p.v]
        texts = tuple(str(v.get("id", v.get("name", ""))) if isinstance(v, dict) else str(v)
                      for v in values)  # fmt: skip
        constraints.append(Constraint(p.pid, texts))
    return ReconcileQuery(
        text=q.query or "",
        types=types,
        limit=q.limit or 10,
        type_strict=q.type_strict or "any",
        constraints=tuple(constraints),
    )


async def _params(request: Request) -> dict[str, str]:
    """The request's parameters: the query string, and a form or JSON body on POST."""
    params = {k: v[-1] for k, v in parse_params(request.url.query).items()}
    if request.method == "POST":
        body = await request.body()
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json":  # the 1.0 draft: the batch itself as the body
            params["queries"] = body.decode("utf-8", "replace")
        elif body:
            params |= {k: v[-1] for k, v in parse_params(body.decode("latin-1")).items()}
    return params


def _manifest(request: Request, ctx: ContextDep, index: SearchIndex) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    common = [vocab.type_ref(t) for t in list(type_names(index, vocab))[:8]]

    def service(path: str) -> dict[str, str]:
        return {"service_url": base, "service_path": path}

    return {
        "versions": ["0.2"],
        "name": "ibigraph: the International Brain Initiative knowledge graph",
        "identifierSpace": ctx.settings.entity_ns,
        "schemaSpace": ctx.settings.ontology_ns,
        "defaultTypes": common,
        "view": {"url": base + "/id/{{id}}"},
        "preview": {"url": base + "/reconcile/preview?id={{id}}", "width": 420, "height": 140},
        "suggest": {
            "entity": service("/reconcile/suggest/entity"),
            "type": service("/reconcile/suggest/type"),
            "property": service("/reconcile/suggest/property"),
        },
        "extend": {
            "propose_properties": service("/reconcile/propose_properties"),
            "property_settings": [],
        },
    }


_SUMMARY = "Reconciliation Service API 0.2: manifest, queries (queries=, query=) and extend="


@router.get("/reconcile", summary=_SUMMARY, operation_id="reconcile_get")
@router.post(
    "/reconcile", summary=_SUMMARY + " (as a form or a JSON body)", operation_id="reconcile"
)
async def reconcile(request: Request, ctx: ContextDep) -> Response:
    params = await _params(request)
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    if "queries" in params:
        batch = _json(params["queries"], "queries")
        if not isinstance(batch, dict) or not batch:
            raise BadInputError('`queries` is a JSON object of queries by key, e.g. {"q0": …}')
        if len(batch) > MAX_QUERIES:
            raise BadInputError(f"a batch holds at most {MAX_QUERIES} queries")
        checked = {k: _checked(_Query, q, f"query {k!r}") for k, q in batch.items()}
        # ranking runs on a thread (a batch of 100 takes a third of a second at 1M quads),
        # so that the worker's other requests go on meanwhile
        results = await asyncio.to_thread(_batch, index, checked, vocab)
        return JSONResponse({k: {"result": r} for k, r in results.items()})
    if "query" in params:
        raw = params["query"]
        q = _json(raw, "query") if raw.lstrip().startswith("{") else {"query": raw}
        one = _checked(_Query, q, "query")
        return JSONResponse({"result": await asyncio.to_thread(_results, index, one, vocab)})
    if "extend" in params:
        ext = _checked(_Extend, _json(params["extend"], "extend"), "extend")
        ids, props = ext.ids, [p.id for p in ext.properties]
        return JSONResponse(await asyncio.to_thread(extend, index, ids, props, vocab))
    return JSONResponse(_manifest(request, ctx, index))


def _batch(
    index: SearchIndex, queries: dict[str, _Query], vocab: Vocabulary
) -> dict[str, list[dict[str, Any]]]:
    return {k: _results(index, q, vocab) for k, q in queries.items()}


def _results(index: SearchIndex, q: _Query, vocab: Vocabulary) -> list[dict[str, Any]]:
    query = _to_query(q)
    if query.text.strip():
        return candidates(index, query, vocab)
    # properties only: the entities that meet them, as candidates of an empty name
    return candidates_by_properties(index, query, vocab)


@router.get("/reconcile/suggest/entity", summary="Reconciliation: suggest entities")
async def suggest_entity(
    ctx: ContextDep, prefix: Annotated[str, Query(min_length=1, max_length=200)]
) -> Response:
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    result = []
    for e in index.suggest(prefix, 10):
        item: dict[str, Any] = {"id": vocab.slug(e.iri), "name": index.name(e)}
        if d := e.first(SCHEMA + "description"):
            item["description"] = d
        item["notable"] = [vocab.type_ref(t) for t in index.types(e)]
        result.append(item)
    return JSONResponse({"result": result})


@router.get("/reconcile/suggest/type", summary="Reconciliation: suggest types")
async def suggest_type(
    ctx: ContextDep, prefix: Annotated[str, Query(min_length=1, max_length=200)]
) -> Response:
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    want = prefix.casefold()
    result = [
        vocab.type_ref(t)
        for t in type_names(index, vocab)
        if t.split(":")[-1].casefold().startswith(want) or t.casefold().startswith(want)
    ]
    return JSONResponse({"result": result[:20]})


@router.get("/reconcile/suggest/property", summary="Reconciliation: suggest properties")
async def suggest_property(prefix: Annotated[str, Query(max_length=200)] = "") -> Response:
    want = prefix.casefold()
    result = [
        {"id": pid, "name": name}
        for pid, name in EXTEND_PROPERTIES.items()
        if name.casefold().startswith(want) or pid.casefold().split(":")[-1].startswith(want)
    ]
    return JSONResponse({"result": result})


@router.get("/reconcile/propose_properties", summary="Reconciliation: properties to extend with")
async def propose_properties(
    type: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    properties = [{"id": pid, "name": name} for pid, name in EXTEND_PROPERTIES.items()]
    return JSONResponse({"type": type, "properties": properties[:limit], "limit": limit})


@router.get("/reconcile/preview", summary="Reconciliation: a small HTML card of an entity")
async def preview(
    ctx: ContextDep, id: Annotated[str, Query(min_length=1, max_length=300)]
) -> Response:
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    e = index.entities.get(vocab.entity_iri(id))
    if e is None:
        raise NotFound(f"no entity {id!r}")
    html = templates.get_template("preview.html").render(
        href="/id/" + vocab.slug(e.iri),
        name=index.name(e),
        types=", ".join(vocab.curie(t) for t in index.types(e)),
        description=e.first(SCHEMA + "description") or "",
    )
    return HTMLResponse(html)
