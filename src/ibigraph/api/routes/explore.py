"""Explore views: the network around an entity (the IBI by default) as a graph to click
through (Cytoscape.js) and as data (JSON), with a plain list of its links that works without
JavaScript; and the timeline of launches and endings (HTML or JSON, no script needed)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ...errors import NotFound
from ...queries import Param, to_term
from ...rdf.formats import choose_media_type
from ..deps import ContextDep, internal_rows
from ..views import local_path, templates

__all__ = ["router"]

router = APIRouter(tags=["explore"])

_KINDS = {"ResearchProject": "project", "GovernmentOrganization": "agency"}
_CENTER = Param("center", "entity")


@router.get(
    "/explore/network",
    summary="The network around an entity: its members, their funders, lead agencies and "
    "parents (HTML graph, or JSON nodes and edges)",
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
            f"no network around {iri.value}: nothing is a member of it, funds it or leads it"
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
        relation = r["p"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
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
