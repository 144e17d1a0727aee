"""Finding entities: GET /api/search (ranked, typo-tolerant, with type facets; JSON or
JSON-LD as a schema:SearchAction) and GET /api/suggest (autocomplete)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ...errors import InvalidParameter
from ...rdf.formats import choose_media_type
from ...rdf.vocab import SCHEMA
from ...search.reconcile import Vocabulary
from ..deps import ContextDep
from ..openapi import MAX_OFFSET
from ..records import search_index

__all__ = ["router"]

router = APIRouter(tags=["search"])


@router.get("/api/search", summary="Search entities by name, acronym, identifier or description")
async def search(
    request: Request,
    ctx: ContextDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="what to look for")],
    type: Annotated[
        list[str] | None, Query(description="only entities of this type (a CURIE, repeatable)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    media = choose_media_type(
        request.headers.get("accept"), ["application/json", "application/ld+json"]
    )
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    types = [vocab.iri(t) for t in type or []]
    if unknown := [t for t in type or [] if vocab.iri(t) not in index.type_counts]:
        raise InvalidParameter(f"type: no entity has the type {', '.join(unknown)}")
    every = index.search(q)
    facets = Counter(vocab.curie(t) for h in every for t in index.types(h.entity))
    hits = [h for h in every if not types or set(types) & set(index.types(h.entity))]
    page = hits[offset : offset + limit]
    items = [
        {
            "id": h.entity.iri,
            "name": index.name(h.entity),
            "types": [vocab.curie(t) for t in index.types(h.entity)],
            "score": h.score,
            "matched": h.matched,
            **({"description": d} if (d := h.entity.first(SCHEMA + "description")) else {}),
        }
        for h in page
    ]
    if media == "application/ld+json":
        body: dict[str, Any] = {
            "@context": {"@vocab": SCHEMA, **ctx.prefixes},
            "@type": "SearchAction",
            "query": q,
            "result": {
                "@type": "ItemList",
                "numberOfItems": len(hits),
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": offset + i + 1,
                        "item": {"@id": it["id"], "@type": it["types"], "name": it["name"]},
                    }
                    for i, it in enumerate(items)
                ],
            },
        }
        return JSONResponse(body, media_type="application/ld+json", headers={"Vary": "Accept"})
    body = {
        "query": q,
        "total": len(hits),
        "limit": limit,
        "offset": offset,
        "facets": {"type": dict(facets.most_common())},
        "results": items,
    }
    return JSONResponse(body, headers={"Vary": "Accept"})


@router.get("/api/suggest", summary="Autocomplete: entities whose name starts with a prefix")
async def suggest(
    ctx: ContextDep,
    prefix: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    results = [
        {"id": e.iri, "name": index.name(e), "types": [vocab.curie(t) for t in index.types(e)]}
        for e in index.suggest(prefix, limit)
    ]
    return JSONResponse({"prefix": prefix, "results": results})
