"""Finding entities: GET /api/search (ranked, typo-tolerant, with type facets; JSON or
JSON-LD as a schema:SearchAction), GET /api/suggest (autocomplete) and the /search page (the
same results for people: type facets and a "did you mean")."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ...errors import InvalidParameter
from ...rdf.formats import choose_media_type
from ...rdf.vocab import SCHEMA
from ...search.index import Hit, SearchIndex
from ...search.reconcile import Vocabulary
from ..deps import ContextDep
from ..openapi import MAX_OFFSET
from ..records import search_index
from ..views import human_label, local_path, templates

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
    if unknown := [t for t in type or [] if vocab.iri(t) not in index.type_counts]:
        raise InvalidParameter(f"type: no entity has the type {', '.join(unknown)}")
    _, hits, facets = await asyncio.to_thread(_found, index, vocab, q, type or [])
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


def _found(
    index: SearchIndex, vocab: Vocabulary, q: str, types: list[str]
) -> tuple[list[Hit], list[Hit], Counter[str]]:
    """What the text finds: every hit, the hits of `types` (CURIEs; all if none), and how
    many of every hit have each type (the facets, by CURIE). Run on a thread: ranking near
    names takes up to ~30 ms at 1M quads, which the event loop, and every other request of
    the worker, would wait for."""
    every = index.search(q) if q.strip() else []
    wanted = {vocab.iri(t) for t in types}
    hits = [h for h in every if not wanted or wanted & set(index.types(h.entity))]
    by_type = Counter(t for h in every for t in index.types(h.entity))
    facets: Counter[str] = Counter()
    for t, n in by_type.items():  # a CURIE per type, not per hit (thousands for a common word)
        facets[vocab.curie(t)] += n
    return every, hits, facets


PAGE = 20  # results per page of /search


@router.get("/search", summary="Search entities (an HTML page)", response_class=HTMLResponse)
async def search_page(
    ctx: ContextDep,
    q: Annotated[str, Query(max_length=500, description="what to look for")] = "",
    type: Annotated[list[str] | None, Query(description="only entities of this type")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> HTMLResponse:
    index = await search_index(ctx)
    vocab = Vocabulary(ctx.settings, ctx.prefixes)
    selected = [t for t in type or [] if vocab.iri(t) in index.type_counts]
    every, hits, facets_found = await asyncio.to_thread(_found, index, vocab, q, selected)
    base = ctx.settings.base

    def href(**params: Any) -> str:
        return "/search?" + urlencode({"q": q, **params}, doseq=True)

    counts = facets_found.most_common(12)
    named = Counter(human_label(t) for t, _ in counts)  # two vocabularies' Organization: say whose
    facets = [
        {"label": human_label(t) + (f" ({t.split(':')[0]})" if named[human_label(t)] > 1 else ""),
         "count": n, "selected": t in selected,
         "href": href(type=[x for x in selected if x != t] if t in selected else [*selected, t])}
        for t, n in counts
    ]  # fmt: skip
    results = [
        {
            "name": index.name(h.entity),
            "href": local_path(h.entity.iri, base),
            "types": sorted({human_label(vocab.curie(t)) for t in index.types(h.entity)}),
            "description": h.entity.first(SCHEMA + "description"),
        }
        for h in hits[offset : offset + PAGE]
    ]
    near = every[0] if every and every[0].matched == "fuzzy" else None
    body = templates.get_template("search.html").render(
        q=q,
        total=len(hits),
        results=results,
        facets=facets,
        selected=selected,
        did_you_mean=near and {"name": index.name(near.entity),
                               "href": local_path(near.entity.iri, base)},
        previous=href(type=selected, offset=max(0, offset - PAGE)) if offset else None,
        next=href(type=selected, offset=offset + PAGE) if offset + PAGE < len(hits) else None,
        first=offset + 1,
    )  # fmt: skip
    return HTMLResponse(body)
