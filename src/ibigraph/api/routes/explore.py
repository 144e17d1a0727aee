"""Explore views: the network around an entity (the IBI by default) as a graph to click
through (Cytoscape.js) and as data (JSON), with a plain list of its links that works without
JavaScript; the timeline of launches and endings, a world map of where they are, and a faceted
browse page (each HTML or JSON, no script needed)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ...errors import InvalidParameter, NotFound
from ...queries import Param, to_term
from ...rdf.formats import choose_media_type
from ...rdf.vocab import RDF, SCHEMA
from ...search.index import Entity, SearchIndex, fold
from ..deps import ContextDep, internal_rows
from ..openapi import MAX_OFFSET
from ..records import search_index
from ..views import human_label, local_name, local_path, templates, worldmap

__all__ = ["router"]

router = APIRouter(tags=["explore"])

_KINDS = {"ResearchProject": "project", "GovernmentOrganization": "agency"}
_CENTER = Param("center", "entity")


@router.get(
    "/explore/network",
    summary="The network around an entity: what links it to other organisations, projects, "
    "events and works (members, funders, lead agencies, parents, organisers…), and its members' "
    "own links (HTML graph, or JSON nodes and edges)",
)
async def network(
    request: Request,
    ctx: ContextDep,
    center: Annotated[
        str, Query(max_length=300, description="an entity (slug or IRI); default: the IBI")
    ] = "international-brain-initiative",
) -> Response:
    settings = ctx.settings
    iri = to_term(_CENTER, center, settings.entity_ns)
    rows = await internal_rows(ctx, "network", {"center": iri.value})
    if not rows:
        raise NotFound(
            f"no network around {iri.value}: no member, funder, parent, organiser or other "
            "organisation links to it"
        )
    nodes: dict[str, dict[str, Any]] = {}
    edges = []
    for r in rows:
        for end in ("s", "o"):
            node = r[end].value
            if node not in nodes:
                kind = r[end + "Kind"].value.rsplit("/", 1)[-1]
                nodes[node] = {
                    "id": node,
                    "name": r[end + "Name"].value,
                    "kind": _KINDS.get(kind, "organization"),
                    "href": local_path(node, settings.base),
                }
        relation = local_name(r["p"].value)
        edges.append({"source": r["s"].value, "target": r["o"].value, "relation": relation})
    data = {"center": iri.value, "nodes": list(nodes.values()), "edges": edges}
    media = choose_media_type(request.headers.get("accept"), ["text/html", "application/json"])
    if media == "application/json":
        return JSONResponse(data, headers={"Vary": "Accept"})
    page = templates.get_template("network.html").render(
        center=nodes[iri.value],
        nodes=nodes,
        edges=edges,
        data=json.dumps(data).replace("</", "<\\/"),
    )
    return HTMLResponse(page, headers={"Vary": "Accept"})


@router.get(
    "/explore/timeline",
    summary="When the organisations and projects of the graph were launched and ended "
    "(HTML by year, or JSON)",
)
async def timeline(
    request: Request,
    ctx: ContextDep,
    projects: Annotated[bool, Query(description="only research projects and initiatives")] = False,
) -> Response:
    rows = await internal_rows(ctx, "timeline")
    events = [
        {
            "id": r["e"].value,
            "name": r["name"].value,
            "event": r["event"].value,
            "date": r["date"].value,
            "project": r["project"].value == "true",
            "href": local_path(r["e"].value, ctx.settings.base),
        }
        for r in rows
        if not projects or r["project"].value == "true"
    ]
    media = choose_media_type(request.headers.get("accept"), ["text/html", "application/json"])
    if media == "application/json":
        return JSONResponse({"events": events}, headers={"Vary": "Accept"})
    years: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        years.setdefault(e["date"][:4], []).append(e)
    page = templates.get_template("timeline.html").render(years=years, projects=projects)
    return HTMLResponse(page, headers={"Vary": "Accept"})


_SHADES = (1, 3, 6, 11)  # the map's fill steps: 1 to 2, 3 to 5, 6 to 10, 11 or more


@router.get(
    "/explore/map",
    summary="Where the organisations and projects are: a world map of countries by how many "
    "are located in or serve each (HTML with SVG, or JSON)",
)
async def world_map(request: Request, ctx: ContextDep) -> Response:
    base = ctx.settings.base
    places: dict[str, dict[str, Any]] = {}
    by_name: dict[str, dict[str, Any]] = {}  # a country by its names: the geometry's may differ
    for r in await internal_rows(ctx, "places"):
        place = places.setdefault(
            r["place"].value,
            {
                "id": r["place"].value,
                "name": r["placeName"].value,
                "country": r["country"].value == "true",
                "href": "/explore/browse?" + urlencode({"place": r["place"].value}),
                "entities": {},
            },
        )
        if place["country"]:
            by_name[r["placeName"].value] = place
            if "placeAlt" in r:
                by_name[r["placeAlt"].value] = place
        place["entities"][r["e"].value] = {
            "id": r["e"].value,
            "name": r["name"].value,
            "href": local_path(r["e"].value, base),
            "project": r["project"].value == "true",
        }
    listed = sorted(places.values(), key=lambda p: (-len(p["entities"]), p["name"]))
    for p in listed:
        p["entities"] = sorted(p["entities"].values(), key=lambda e: fold(e["name"]))
        p["count"] = len(p["entities"])
    countries = [p for p in listed if p["country"]]
    regions = [p for p in listed if not p["country"]]
    media = choose_media_type(request.headers.get("accept"), ["text/html", "application/json"])
    if media == "application/json":
        body = {"countries": countries, "regions": regions}
        return JSONResponse(body, headers={"Vary": "Accept"})
    shapes = []
    for c in worldmap.countries():
        shown = by_name.get(c.name)
        shade = sum(shown["count"] >= step for step in _SHADES) if shown else 0
        shapes.append({"path": c.path, "name": c.name, "place": shown, "shade": shade})
    page = templates.get_template("map.html").render(
        shapes=shapes,
        view_box=worldmap.VIEW_BOX,
        outline=worldmap.outline(),
        countries=countries,
        regions=regions,
        steps=_SHADES,
        drawn=sum(s["place"] is not None for s in shapes),
    )
    return HTMLResponse(page, headers={"Vary": "Accept"})


# The browse page's facets: name -> (what it reads of an entity, what it is called)
FACETS = {
    "type": ((RDF + "type",), "Type"),
    "place": ((SCHEMA + "location", SCHEMA + "areaServed"), "Place"),
    "decade": ((SCHEMA + "foundingDate",), "Founded"),
    "funder": ((SCHEMA + "funder",), "Funder"),
    "member": ((SCHEMA + "memberOf",), "Member of"),
    "topic": ((SCHEMA + "knowsAbout",), "Focus area"),
}
BROWSE_PAGE = 50


def _order(facet: str) -> Any:
    """Decades in time order; other values by how many entities have them."""
    if facet == "decade":
        return lambda kv: kv[0]
    return lambda kv: (-kv[1], kv[0])


def _facet_values(e: Entity, facet: str) -> set[str]:
    props, _ = FACETS[facet]
    values = {v for p in props for v in e.values.get(p, ())}
    if facet == "decade":
        return {v[:3] + "0s" for v in values if v[:4].isdigit()}
    return values


@router.get(
    "/explore/browse",
    summary="Browse the entities by type, place, founding decade, funder, membership and focus "
    "area (facets; HTML or JSON)",
)
async def browse(
    request: Request,
    ctx: ContextDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    index = await search_index(ctx)
    chosen = [(k, v) for k, v in request.query_params.multi_items() if k in FACETS]
    if len(chosen) > 20:
        raise InvalidParameter("at most 20 facet values at a time")
    media = choose_media_type(request.headers.get("accept"), ["text/html", "application/json"])
    # every entity is looked at: on a worker thread, not on the event loop
    view = await asyncio.to_thread(_browse, index, chosen, offset, ctx.settings.base)
    if media == "application/json":
        facets = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in view["facets"]}
        body = {"total": view["total"], "offset": offset, "items": view["items"], "facets": facets}
        return JSONResponse(body, headers={"Vary": "Accept"})
    html = templates.get_template("browse.html").render(**view, first=offset + 1)
    return HTMLResponse(html, headers={"Vary": "Accept"})


def _browse(
    index: SearchIndex, chosen: list[tuple[str, str]], offset: int, base: str
) -> dict[str, Any]:
    """The browse page's entities (a page of them), facets and links, for `chosen` values."""
    found = [e for e in index.entities.values() if all(v in _facet_values(e, k) for k, v in chosen)]
    found.sort(key=lambda e: fold(index.name(e)))

    def label(facet: str, value: str) -> str:
        if facet == "decade":
            return value
        named = index.entities.get(value)
        return index.name(named) if named else human_label(value)

    def href(items: list[tuple[str, str]], offset: int = 0) -> str:
        return "/explore/browse?" + urlencode(items + ([("offset", str(offset))] if offset else []))

    def toggled(item: tuple[str, str]) -> str:
        return href([c for c in chosen if c != item] if item in chosen else [*chosen, item])

    facets: list[dict[str, Any]] = []
    for facet, (_, title) in FACETS.items():
        counts = Counter(v for e in found for v in _facet_values(e, facet))
        values = [
            {"value": v, "label": label(facet, v), "count": n,
             "selected": (facet, v) in chosen, "href": toggled((facet, v))}
            for v, n in sorted(counts.items(), key=_order(facet))[:15]
        ]  # fmt: skip
        facets.append({"name": facet, "title": title, "values": values})
    items = [
        {"id": e.iri, "name": index.name(e), "href": local_path(e.iri, base),
         "types": sorted({human_label(t) for t in _facet_values(e, "type")})}
        for e in found[offset : offset + BROWSE_PAGE]
    ]  # fmt: skip
    more = offset + BROWSE_PAGE < len(found)
    shown = [
        {"title": FACETS[k][1], "label": label(k, v), "href": toggled((k, v))} for k, v in chosen
    ]
    return {
        "total": len(found),
        "items": items,
        "facets": facets,
        "chosen": shown,
        "previous": href(chosen, max(0, offset - BROWSE_PAGE)) if offset else None,
        "next": href(chosen, offset + BROWSE_PAGE) if more else None,
    }
