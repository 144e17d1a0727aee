"""Linked data: dereferenceable entity IRIs and ontology, the JSON-LD context, the index page.

Entity IRIs answer 200 with the representation the client prefers (Vary: Accept), name the
chosen file-extension URL in Content-Location, and list every representation in Link headers;
see the README for why 200 and not 303.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ...config import Limits, Settings
from ...errors import NotAcceptable, NotFound
from ...graph.documents import EntityDocument, fetch_document, fetch_resource
from ...graph.jsonld import CONTEXT_VERSION, PROFILES, context, to_jsonld
from ...graph.proposals import PROPOSABLE
from ...graph.timetravel import http_date, parse_http_date, parse_stamp, stamp
from ...rdf.formats import GRAPH_TYPES, choose_media_type, parse_accept
from ...rdf.terms import Term, object_of, subject_of
from ...rdf.vocab import OWL, RDF, RDFS, SCHEMA, compact
from ...sparql.changeset import read_patch
from ...store.service import QueryService
from ..deps import Context, ContextDep, app_context, internal_rows
from ..problems import not_found_page, problem_response
from ..records import claims_about, entity_versions, history, snapshot
from ..views import NETWORK_LINKS, human_label, local_name, local_path, quad_cells, templates

__all__ = ["EXTENSIONS", "router"]

router = APIRouter(tags=["linked data"])

EXTENSIONS = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "html": "text/html",
}
_EXT_OF = {v: k for k, v in EXTENSIONS.items()}
OFFERED = [
    "text/turtle",
    "text/html",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
]
# a client that asks for plain JSON gets the JSON-LD document, labelled application/json (its
# @context is in the body: JSON-LD 1.1, "Interpreting JSON as JSON-LD")
_NEGOTIATED = [*OFFERED, "application/json"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_QUADS = {"application/trig", "application/n-quads"}


def _media(request: Request, fixed: str | None) -> str | None:
    """The representation asked for, or None if no offered one is acceptable (a 406 once the
    resource is known to exist; a missing one is 404 whatever the Accept header)."""
    if fixed:
        return fixed
    try:
        return choose_media_type(request.headers.get("accept"), _NEGOTIATED)
    except NotAcceptable:
        return None


def _split(name: str) -> tuple[str, str | None]:
    stem, dot, ext = name.rpartition(".")
    if dot and ext in EXTENSIONS:
        return stem, EXTENSIONS[ext]
    return name, None


def _profile(accept: str | None) -> str:
    for r in parse_accept(accept, frozenset({"application/ld+json"})):
        if (r.type, r.subtype) == ("application", "ld+json"):
            for k, v in r.params:
                if k == "profile":
                    for p in v.split():
                        if p in PROFILES:
                            return PROFILES[p]
    return "compacted"


def _alternates(path: str) -> list[tuple[str, str]]:
    return [(t, f"{path}.{_EXT_OF[t]}") for t in OFFERED]


def _headers(path: str, media: str) -> dict[str, str]:
    headers = {"Vary": "Accept", "Content-Location": f"{path}.{_EXT_OF[media]}"}
    if media != "application/ld+json":
        # pyld's document loaders (3.x) fail on a JSON-LD response that has more than one
        # rel="alternate" link (they expect at most one); JSON-LD clients get none
        links = [f'<{href}>; rel="alternate"; type="{t}"' for t, href in _alternates(path)]
        headers["Link"] = ", ".join(links)
    return headers


def _server_base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _local(iri: str, settings: Any) -> str:
    return local_path(iri, settings.base)


def serialize(
    doc_quads: list[ox.Quad],
    triples: list[ox.Triple],
    media: str,
    request: Request,
    *,
    subject: str | None = None,
    types: list[str] | None = None,
) -> bytes:
    ctx = app_context(request)
    settings = ctx.settings
    if media == "application/ld+json":
        return to_jsonld(
            [ox.Quad(t.subject, t.predicate, t.object) for t in triples],
            settings.base,
            _profile(request.headers.get("accept")),
            context_url=_server_base(request) + "/ns/context.jsonld",
            subject=subject,
            types=types,
        )
    fmt = GRAPH_TYPES[media]
    pm = (
        ctx.prefixes
        if media in ("text/turtle", "application/trig", "application/rdf+xml")
        else None
    )
    # quads: each fact in its source graph, and every triple in the default graph too, as in
    # the store (the union), so a client that reads the default graph sees the whole document
    data: list[Any] = (
        [*doc_quads, *_defaults(doc_quads, triples)] if media in _QUADS else list(triples)
    )
    # in a fixed order, whatever order the store gave: the same facts, the same bytes (ETags,
    # Mementos, diffs)
    data.sort(key=str)
    out = ox.serialize(data, format=fmt, prefixes=pm) if pm else ox.serialize(data, format=fmt)
    return cast(bytes, out)  # no output file: the bytes


def _defaults(quads: list[ox.Quad], triples: list[ox.Triple]) -> list[ox.Quad]:
    present = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name == _DEFAULT}
    return [
        ox.Quad(t.subject, t.predicate, t.object)
        for t in triples
        if (t.subject, t.predicate, t.object) not in present
    ]


_DEFAULT = ox.DefaultGraph()


def _not_found(request: Request, media: str | None, what: str) -> Response:
    if media == "text/html":  # autoescaped: `what` holds text from the URL
        return not_found_page(what, request.url.path)
    return problem_response(request, 404, "Not found", what)


async def _dereference(
    request: Request,
    name: str,
    kind: str,
    fetch: Callable[[QueryService, str, Limits], Awaitable[EntityDocument | None]],
    page: Callable[[EntityDocument, str], Awaitable[str]],
    missing: str,
    *,
    entity: bool = False,
    service: QueryService | None = None,
    more_headers: dict[str, str] | None = None,
) -> Response:
    """The document of the IRI `{base}{kind}/{name}`, in the representation asked for (a
    file extension on `name` fixes it); 404 whatever Accept says when nothing is known.
    `service` reads another state of the graph than the current one (a Memento)."""
    ctx = app_context(request)
    settings = ctx.settings
    stem, fixed = _split(name)
    media = _media(request, fixed)
    iri = f"{settings.base}{kind}/{stem}"
    valid = (_SLUG if entity else _MINTED_NAME).match(stem)
    limits = ctx.limits
    doc = await fetch(service or ctx.service, iri, limits) if valid else None
    if doc is None:
        return _not_found(request, media, f"{missing} {iri}")
    if media is None:
        raise NotAcceptable(_NEGOTIATED)
    path = f"/{kind}/{stem}"
    label = media
    if media == "application/json":
        media = "application/ld+json"
    headers = _headers(path, media)
    for key, value in (more_headers or {}).items():
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    if media == "text/html":
        return HTMLResponse(await page(doc, path), headers=headers)
    body = serialize(doc.quads, doc.triples, media, request, subject=iri if entity else None)
    return Response(body, media_type=label, headers=headers)


def _entity_page(ctx: Context, request: Request) -> Callable[[EntityDocument, str], Awaitable[str]]:
    async def page(doc: EntityDocument, path: str) -> str:
        iri = ox.NamedNode(doc.iri)
        changes = await history(ctx, entity=iri, limit=5)
        claims = await claims_about(ctx, claim_subject=iri, limit=200)
        return render_entity(doc, request, path, changes, claims)

    return page


def _memento_links(stem: str) -> str:
    """The Link values (RFC 7089) an entity document and its Mementos carry."""
    return (
        f'</id/{stem}>; rel="original", </id/{stem}>; rel="timegate", '
        f'</timemap/id/{stem}>; rel="timemap"; type="application/link-format"'
    )


@router.get("/id/{name}")
async def entity(name: str, request: Request, ctx: ContextDep) -> Response:
    """An entity's document; with Accept-Datetime, its TimeGate (RFC 7089): a redirect to
    the Memento of that time."""
    stem, _ = _split(name)
    wanted = request.headers.get("accept-datetime")
    if wanted is not None and _SLUG.match(stem):
        at = parse_http_date(wanted)
        versions = await entity_versions(ctx, ctx.settings.entity_ns + stem)
        chosen = max((v for v in versions if v <= at), default=at)
        target = f"/memento/{stamp(chosen)}/id/{name}"
        return Response(
            status_code=302,
            headers={
                "Location": target,
                "Vary": "Accept-Datetime",
                "Link": _memento_links(stem),
            },
        )
    links = {
        "Link": f'</id/{stem}>; rel="timegate", </timemap/id/{stem}>; rel="timemap"',
        "Vary": "Accept-Datetime",
    }
    return await _dereference(
        request, name, "id", fetch_document, _entity_page(ctx, request), "no entity",
        entity=True, more_headers=links,
    )  # fmt: skip


@router.get(
    "/memento/{when}/id/{name}",
    summary="An entity's document as it was at a datetime (a Memento, RFC 7089)",
)
async def memento(when: str, name: str, request: Request, ctx: ContextDep) -> Response:
    at = parse_stamp(when)
    stem, _ = _split(name)
    past = await snapshot(ctx, at)
    headers = {"Memento-Datetime": http_date(at), "Link": _memento_links(stem)}
    return await _dereference(
        request, name, "id", fetch_document, _entity_page(ctx, request), "no entity then",
        entity=True, service=past, more_headers=headers,
    )  # fmt: skip


@router.get(
    "/timemap/id/{name}",
    summary="The Mementos of an entity's document: one per change that touched it (RFC 7089)",
)
async def timemap(name: str, request: Request, ctx: ContextDep) -> Response:
    if not _SLUG.match(name):
        raise NotFound(f"no entity {name!r}")
    iri = ctx.settings.entity_ns + name
    versions = await entity_versions(ctx, iri)
    media = choose_media_type(
        request.headers.get("accept"), ["application/link-format", "application/json"]
    )
    mementos = [(f"/memento/{stamp(v)}/id/{name}", http_date(v)) for v in versions]
    if media == "application/json":
        body = {
            "original": f"/id/{name}",
            "timegate": f"/id/{name}",
            "mementos": [{"uri": uri, "datetime": dt} for uri, dt in mementos],
        }
        return Response(json.dumps(body, indent=2) + "\n", media_type="application/json")
    lines = [
        f'</id/{name}>; rel="original"',
        f'</id/{name}>; rel="timegate"',
        f'</timemap/id/{name}>; rel="self"; type="application/link-format"',
        *(f'<{uri}>; rel="memento"; datetime="{dt}"' for uri, dt in mementos),
    ]
    return Response(",\n".join(lines) + "\n", media_type="application/link-format")


# Other IRIs the service mints under its base, each dereferenceable at the same path:
# changes (the audit record of a write), agents (token holders and article models), source
# graphs, graphs created through the Graph Store Protocol.
MINTED = {
    "change": "A change: the record of one accepted write",
    "agent": "An agent: a curator or the model that wrote an article",
    "source": "A source graph: the facts one public source states",
    "graph": "A graph created through the Graph Store Protocol",
}
_MINTED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~%-]*(/[A-Za-z0-9][A-Za-z0-9._~%-]*)*$")


PATCH = "application/rdf-patch"


def _wants_patch(request: Request, name: str) -> bool:
    """A change asked for as its RDF Patch: by the .patch extension, or by Accept."""
    if name.endswith(".patch"):
        return True
    ranges = parse_accept(request.headers.get("accept"))
    return any(r.matches(PATCH) == 2 and r.q > 0 for r in ranges)  # named, not by */*


async def _patch(request: Request, name: str) -> Response:
    ctx = app_context(request)
    stem = name.removesuffix(".patch")
    iri = f"{ctx.settings.base}change/{stem}"
    found = []
    if _MINTED_NAME.match(stem):
        values = {"audit": ox.NamedNode(ctx.settings.audit_graph), "change": ox.NamedNode(iri)}
        found = await internal_rows(ctx, "change_patch", values)
    if not found:
        return problem_response(request, 404, "Not found", f"no recorded patch of {iri}")
    headers = {"Vary": "Accept", "Content-Location": f"/change/{stem}.patch"}
    return Response(found[0]["patch"].value, media_type=PATCH, headers=headers)


def _minted_route(kind: str) -> Any:
    async def minted(name: str, request: Request) -> Response:
        if kind == "change" and _wants_patch(request, name):
            return await _patch(request, name)

        async def page(doc: EntityDocument, path: str) -> str:
            return render_resource(doc, request, MINTED[kind])

        return await _dereference(
            request, name, kind, fetch_resource, page, "nothing is known about"
        )

    minted.__name__ = f"{kind}_document"
    return minted


for _kind, _summary in MINTED.items():
    router.add_api_route(
        f"/{_kind}/{{name:path}}", _minted_route(_kind), methods=["GET"], summary=_summary
    )


@router.get("/article/{slug}", summary="An ingested article's IRI: see /api/articles/{slug}")
async def article_iri(slug: str) -> Response:
    """Article IRIs (and their #claim, #generation… fragments) live in the article's graph,
    served with content negotiation at /api/articles/{slug}."""
    return RedirectResponse(f"/api/articles/{quote(slug, safe='')}", status_code=303)


@router.get("/dataset", summary="The dataset's IRI: its VoID and DCAT description is /void")
async def dataset_iri() -> Response:
    return RedirectResponse("/void", status_code=303)


def render_resource(doc: EntityDocument, request: Request, kind: str) -> str:
    ctx = app_context(request)
    settings = ctx.settings
    pm = ctx.prefixes
    labels = doc.labels()
    facts = []
    shown = 0
    own: dict[str, list[Term]] = {}
    for t in doc.triples:
        if subject_of(t).value == doc.iri:
            own.setdefault(t.predicate.value, []).append(object_of(t))
    vocab = ctx.writes.vocab
    patch_prop = settings.ontology_ns + "patch"
    patch = [v.value for v in own.pop(patch_prop, [])]  # a change's: shown as a table below
    # a graph's own triples (what a source states): shown as a table below
    stated = [q for q in doc.quads if q.graph_name == ox.NamedNode(doc.iri)]
    for prop, values in sorted(own.items(), key=lambda kv: _order(kv[0])):
        vals = []
        for v in values:
            shown += 1
            if isinstance(v, ox.NamedNode):
                link = _local(v.value, settings)
                safe = link.startswith(("/", "http://", "https://"))
                vals.append({"text": _label(v.value, labels, pm), "href": link if safe else None})
            else:
                vals.append({"text": v.value, "href": None})
        facts.append({"iri": prop, "label": human_label(prop, vocab.labels), "values": vals})
    name = labels.get(doc.iri) or compact(doc.iri, pm).strip("<>")
    return templates.get_template("resource.html").render(
        kind=kind,
        iri=doc.iri,
        name=name,
        facts=facts,
        more=max(0, len(doc.triples) - shown - len(patch) - len(stated)),
        stated=_stated_rows(stated, labels, vocab.labels, pm, settings),
        alternates=_alternates("/" + doc.iri[len(settings.base) :]),
        changed=[row for text in patch for row in _patch_rows(text, settings.base, pm)],
        patch_href=f"/change/{doc.iri.rsplit('/', 1)[-1]}.patch" if patch else None,
    )


def _stated_rows(
    quads: list[ox.Quad],
    labels: dict[str, str],
    vocab_labels: dict[str, str],
    pm: dict[str, str],
    settings: Settings,
) -> list[dict[str, Any]]:
    """A graph's triples as table rows, one per subject and property: names where the document
    has them, properties and classes by their ontology labels (rdfs:label copies left out)."""

    def cell(term: Term, prop: str) -> dict[str, str | None]:
        if not isinstance(term, ox.NamedNode):
            return {"text": term.value, "href": None}
        text = human_label(term.value, vocab_labels) if prop == RDF + "type" else None
        return {
            "text": text or _label(term.value, labels, pm),
            "href": _local(term.value, settings),
        }

    grouped: dict[tuple[Term, str], list[Term]] = {}
    for q in quads:
        if q.predicate.value != RDFS + "label":
            grouped.setdefault((subject_of(q), q.predicate.value), []).append(object_of(q))
    rows: list[dict[str, Any]] = []
    for (s, p), values in grouped.items():
        cells = {c["text"]: c for c in (cell(v, p) for v in values)}  # one per shown name
        rows.append(
            {
                "subject": cell(s, ""),
                "order": _order(p),
                "property": human_label(p, vocab_labels),
                "values": [cells[t] for t in sorted(cells, key=str)],
            }
        )
    rows.sort(key=lambda r: (r["subject"]["text"], r["subject"]["href"] or "", r["order"]))
    return rows


def _patch_rows(text: str, base: str, pm: dict[str, str]) -> list[dict[str, Any]]:
    """The quads an RDF Patch removes and adds, as table rows with compact names and links."""
    removed, added = read_patch(text)
    return [
        {"op": op, "cells": quad_cells(q, pm, base)}
        for op, quads in (("removed", removed), ("added", added))
        for q in quads
        if not isinstance(q.graph_name, ox.DefaultGraph)  # the union's copies: shown once
    ]


def _label(iri: str, labels: dict[str, str], pm: dict[str, str]) -> str:
    return labels.get(iri) or compact(iri, pm).strip("<>")


def render_entity(
    doc: EntityDocument,
    request: Request,
    path: str,
    changes: list[dict[str, Any]] | None = None,
    claims: list[dict[str, Any]] | None = None,
) -> str:
    ctx = app_context(request)
    settings = ctx.settings
    pm = ctx.prefixes
    vocab = ctx.writes.vocab
    labels = doc.labels()
    sources = doc.sources()
    numbers: dict[str, int] = {}
    facts = []
    own = doc.facts()
    # a value the build derived for a super-property (schema:funder from ibi:leadAgency) is
    # shown once, under the property it was stated with
    slug = doc.iri.removeprefix(settings.entity_ns)
    # the network view has something to draw: a link it follows, to or from another entity
    # (stated or derived)
    linked = any(
        local_name(t.predicate.value) in NETWORK_LINKS
        and isinstance(t.object, ox.NamedNode)
        and doc.iri in (subject_of(t).value, t.object.value)
        for t in doc.triples
    )
    derived = {
        (sup, value)
        for prop, values in own.items()
        for sup in vocab.super_properties.get(prop, ())
        for value, _ in values
    }
    for prop, values in sorted(own.items(), key=lambda kv: _order(kv[0])):
        if prop in (RDF + "type", RDFS + "label", SCHEMA + "name", SCHEMA + "description"):
            continue
        vals: list[dict[str, Any]] = []
        for value, graphs in values:
            if (prop, value) in derived:
                continue
            srcs = []
            for g in graphs:
                n = numbers.setdefault(g, len(numbers) + 1)
                info = sources.get(g, {})
                srcs.append({"n": n, "url": info.get("source", g), "title": info.get("title", g)})
            if isinstance(value, ox.NamedNode):
                vals.append(
                    {
                        "text": _label(value.value, labels, pm),
                        "href": _local(value.value, settings),
                        "sources": srcs,
                    }
                )
            elif isinstance(value, ox.Literal):
                lang = value.language
                note = f"@{lang}" if lang and lang != "en" else ""
                vals.append({"text": value.value, "href": None, "note": note, "sources": srcs})
            else:  # a blank node (a write may state one; its own facts are not fetched)
                text = "(a node without an IRI)"
                vals.append({"text": text, "href": None, "note": "", "sources": srcs})
            if prop.startswith(SCHEMA) and prop[len(SCHEMA) :] in PROPOSABLE:
                vals[-1]["correct"] = "/curate?" + urlencode(
                    {
                        "entity": slug,
                        "property": prop[len(SCHEMA) :],
                        "replaces": value.value.removeprefix(settings.entity_ns),
                    }
                )
        if vals:
            facts.append(
                {
                    "iri": prop,
                    "label": human_label(prop, vocab.labels),
                    "href": _local(prop, settings),
                    "values": vals,
                }
            )
    for _, values in sorted(own.items(), key=lambda kv: _order(kv[0])):
        for _, graphs in values:  # sources of its name, description or types only: listed too
            for g in graphs:
                numbers.setdefault(g, len(numbers) + 1)
    name = next((v.value for v, _ in own.get(SCHEMA + "name", [])), doc.iri)
    description = next((v.value for v, _ in own.get(SCHEMA + "description", [])), "")
    return templates.get_template("entity.html").render(
        curate="/curate?" + urlencode({"entity": slug}),
        network="/explore/network?" + urlencode({"center": slug}) if linked else None,
        changes=changes or [],
        claims=[
            {
                **c,
                "label": compact(c["property"], pm),
                "article_id": c["article"].rsplit("/", 1)[-1],
            }
            for c in claims or []
        ],
        iri=doc.iri,
        name=name,
        description=description,
        types=[
            {"label": compact(t, pm), "href": _local(t, settings)}
            for t in doc.types
            if t.startswith(settings.ontology_ns) or t.startswith(SCHEMA)
        ],
        facts=facts,
        incoming=[
            {
                "label": _label(s, labels, pm),
                "href": _local(s, settings),
                "property": human_label(p, vocab.labels).lower(),
            }
            for s, p in doc.incoming()
        ],
        sources=[
            {
                "url": sources.get(g, {}).get("source", g),
                "title": sources.get(g, {}).get("title", g),
                "publisher": sources.get(g, {}).get("publisher", ""),
                "date": sources.get(g, {}).get("date", ""),
                "graph": _local(g, settings),
            }
            for g, _ in sorted(numbers.items(), key=lambda kv: kv[1])
        ],
        alternates=_alternates(path),
        describe="/sparql?" + _query_string(f"DESCRIBE <{doc.iri}>"),
        json_ld=json.dumps(_schema_org(doc, own), ensure_ascii=False).replace("</", "<\\/"),
    )


def _schema_org(
    doc: EntityDocument, own: dict[str, list[tuple[Term, list[str]]]]
) -> dict[str, Any]:
    """The entity's schema.org facts as JSON-LD, for the page's <script type="application/ld+json">
    (what search engines and browser extensions read)."""
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@id": doc.iri,
        "@type": sorted(t.removeprefix(SCHEMA) for t in doc.types if t.startswith(SCHEMA)),
    }
    for prop, values in own.items():
        if not prop.startswith(SCHEMA):
            continue
        items: list[Any] = []
        for value, _ in values:
            if isinstance(value, ox.NamedNode):
                plain = prop in (SCHEMA + "url", SCHEMA + "sameAs")
                items.append(value.value if plain else {"@id": value.value})
            elif isinstance(value, ox.Literal):
                items.append(value.value)
        if items:
            out[prop.removeprefix(SCHEMA)] = items[0] if len(items) == 1 else items
    return out


def _query_string(q: str) -> str:
    return urlencode({"query": q, "format": "ttl"})


def _order(prop: str) -> tuple[int, str]:
    first = [
        RDF + "type",
        SCHEMA + "alternateName",
        SCHEMA + "url",
        SCHEMA + "foundingDate",
        SCHEMA + "dissolutionDate",
        SCHEMA + "memberOf",
        SCHEMA + "funder",
    ]
    return (first.index(prop) if prop in first else len(first), prop)


@router.get("/ontology", summary="The ontology: every class and property, in any format")
async def ontology(request: Request) -> Response:
    return await _ontology(request, None)


@router.get("/ontology.{ext}", summary="The ontology in the format its extension names")
async def ontology_file(request: Request, ext: str) -> Response:
    return await _ontology(request, ext)


@router.get("/shapes", summary="The SHACL shapes (HTML: the ontology page lists them)")
async def shapes(request: Request) -> Response:
    return await _ontology(request, None, "shapes")


@router.get("/shapes.{ext}", summary="The SHACL shapes in the format its extension names")
async def shapes_file(request: Request, ext: str) -> Response:
    return await _ontology(request, ext, "shapes")


@router.get("/changes", summary="The audit graph's IRI: the recent changes (HTML), its records "
            "at /api/changes")  # fmt: skip
async def changes_iri(request: Request, ctx: ContextDep) -> Response:
    if choose_media_type(request.headers.get("accept"), ["application/json", "text/html"]) == (
        "application/json"
    ):
        return RedirectResponse("/api/changes", status_code=303)
    recent = await history(ctx, limit=100)
    for c in recent:
        c["href"] = local_path(str(c["change"]), ctx.settings.base)
    body = templates.get_template("changes.html").render(changes=recent)
    return HTMLResponse(body, headers={"Vary": "Accept"})


async def _ontology(request: Request, ext: str | None, which: str = "ontology") -> Response:
    """The ontology or the shapes graph (`which`), in the format asked for."""
    ctx = app_context(request)
    settings = ctx.settings
    if ext is not None and ext not in EXTENSIONS:
        return _not_found(request, "application/problem+json", f"no format .{ext}")
    media = EXTENSIONS[ext] if ext else choose_media_type(request.headers.get("accept"), OFFERED)
    if which == "shapes" and media == "text/html":
        return RedirectResponse("/ontology", status_code=303)
    graph = ox.NamedNode(settings.base + which)
    found = await internal_rows(ctx, "graph_rows", {"g": graph})
    quads = [ox.Quad(r["s"], r["p"], r["o"], graph) for r in found]
    triples = [ox.Triple(r["s"], r["p"], r["o"]) for r in found]
    headers = _headers(f"/{which}", media)
    if media == "text/html":
        shapes = await internal_rows(ctx, "shape_constraints", {"shapes": settings.shapes_graph})
        page = render_ontology(triples, shapes, settings, ctx.prefixes)
        return HTMLResponse(page, headers=headers)
    return Response(serialize(quads, triples, media, request), media_type=media, headers=headers)


def render_ontology(
    triples: list[ox.Triple],
    shapes: list[dict[str, Any]],
    settings: Settings,
    pm: dict[str, str],
) -> str:
    ns = settings.ontology_ns
    by: dict[str, dict[str, list[str]]] = {}
    for t in triples:
        by.setdefault(t.subject.value if hasattr(t.subject, "value") else "", {}).setdefault(
            t.predicate.value, []
        ).append(object_of(t).value)
    constraints: dict[str, list[dict[str, str]]] = {}
    for r in shapes:
        constraints.setdefault(r["class"].value, []).append(
            {
                "path": compact(r["path"].value, pm)
                if isinstance(r["path"], ox.NamedNode)
                else "…",
                "message": r["message"].value,
                "severity": r["severity"].value.rsplit("#", 1)[-1],
            }
        )

    def terms(kind: str, sup: str) -> list[dict[str, Any]]:
        out = []
        for iri, props in sorted(by.items()):
            if iri.startswith(ns) and kind in props.get(RDF + "type", []):
                out.append(
                    {
                        "local": iri[len(ns) :],
                        "label": (props.get(RDFS + "label") or [""])[0],
                        "comment": (props.get(RDFS + "comment") or [""])[0],
                        "supers": [compact(s, pm) for s in props.get(sup, [])],
                        "constraints": constraints.get(iri, []),
                    }
                )
        return out

    onto = by.get(settings.ontology_graph, {})
    return templates.get_template("ontology.html").render(
        iri=settings.ontology_graph,
        comment=(onto.get(RDFS + "comment") or [""])[0],
        classes=terms(OWL + "Class", RDFS + "subClassOf"),
        properties=terms(OWL + "ObjectProperty", RDFS + "subPropertyOf"),
        alternates=_alternates("/ontology"),
    )


@router.get("/ns/context.jsonld")
@router.get(f"/ns/context-v{CONTEXT_VERSION}.jsonld")
async def jsonld_context(request: Request, ctx: ContextDep) -> Response:
    return JSONResponse(
        context(ctx.settings.base),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"},
    )


HOME_PER_TYPE = 8  # entities the home page names per type


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, ctx: ContextDep) -> Response:
    settings = ctx.settings
    members = await internal_rows(ctx, "home_members")
    namespaces = {"entity_ns": settings.entity_ns, "ontology_ns": settings.ontology_ns}
    typed = await internal_rows(ctx, "home_types", namespaces)
    types: dict[str, list[dict[str, str]]] = {}
    for r in typed:
        types.setdefault(r["type"].value, []).append(
            {"name": r["name"].value, "href": _local(r["e"].value, settings)}
        )
    ibi = (
        {"name": members[0]["ibiName"].value, "href": _local(members[0]["ibi"].value, settings)}
        if members
        else None
    )
    seen: set[str] = set()
    member_rows = []
    for r in members:
        if r["m"].value in seen:
            continue
        seen.add(r["m"].value)
        member_rows.append(
            {
                "name": r["name"].value,
                "href": _local(r["m"].value, settings),
                "place": r["placeName"].value if "placeName" in r else "",
                "year": r["founded"].value[:4] if "founded" in r else "",
            }
        )
    return HTMLResponse(
        templates.get_template("index.html").render(
            ibi=ibi,
            members=member_rows,
            types=[
                {
                    "label": human_label(t, ctx.writes.vocab.labels),
                    "href": _local(t, settings),
                    "count": len(es),
                    "entities": es[:HOME_PER_TYPE],  # the rest: on the browse page
                    "more": "/explore/browse?" + urlencode({"type": t}),
                }
                for t, es in sorted(types.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            ],
        )
    )
