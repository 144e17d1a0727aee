"""LLM-written articles as sources: /api/articles (ingest, list, read) and /api/claims.

An article is ingested as a curated write (curator token, SHACL check, audit record): its own
named graph is replaced by the article, its mentions, its claims and their verdicts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from typing import Any, cast
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ...config import Settings
from ...errors import BadInputError, InvalidParameter, NotFound, UnsupportedMediaType
from ...graph.writes import ArticleIngestion
from ...ingest import article_graph_iri, parse_article
from ...queries import internal_text
from ...rdf.formats import choose_media_type
from ...rdf.terms import Term, object_of
from ...rdf.vocab import OA, RDF, SCHEMA
from ...sparql.request import QueryRequest
from ..deps import ContextDep, PrincipalDep, internal_rows
from ..openapi import MAX_OFFSET
from ..records import claims_about
from ..views import templates
from ..writing import change_reason

NO_ARTICLES = (
    "No article has been ingested yet. Add one with `ibigraph ingest ARTICLE.txt` on the "
    "server, or POST it as text/plain to /api/articles with a curator token "
    "(Authorization: Bearer …); `ibigraph build` also ingests every *.txt of "
    "IBIGRAPH_ARTICLES_DIR (default ../shared/seed) when that folder exists."
)

__all__ = ["router"]

VERDICTS = ("supported", "contradicted", "unverifiable")
_SEVERITY = {"supported": 0, "unverifiable": 1, "contradicted": 2}  # which colour wins
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")


def _iri_param(value: str, settings: Settings, what: str) -> ox.NamedNode:
    iri = value if "://" in value or value.startswith("urn:") else settings.entity_ns + value
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise BadInputError(f"{what}={value!r} is neither a slug nor an absolute IRI") from None


def _jsonld(items: list[dict[str, Any]], settings: Settings, kind: str) -> Response:
    context = {
        "ibi": settings.ontology_ns,
        "schema": SCHEMA,
        "claim": "@id",
        "subject": {"@id": RDF + "subject", "@type": "@id"},
        "property": {"@id": RDF + "predicate", "@type": "@id"},
        "article": {"@id": SCHEMA + "isPartOf", "@type": "@id"},
        "text": OA + "exact",
        "verdict": {"@id": "ibi:verdict", "@type": "@vocab"},
        "supported": "ibi:supported",
        "contradicted": "ibi:contradicted",
        "unverifiable": "ibi:unverifiable",
        "reason": "ibi:verdictReason",
        "evidence": {"@id": "ibi:evidence", "@type": "@id"},
        "rule": "ibi:extractionRule",
    }
    graph = [{"@type": kind, **{k: v for k, v in i.items() if v is not None}} for i in items]
    for g in graph:
        g.pop("start", None), g.pop("end", None), g.pop("valueIsIri", None)
        g.pop("value", None)
    doc = {"@context": context, "@graph": graph}
    return Response(json.dumps(doc, indent=2) + "\n", media_type="application/ld+json")


router = APIRouter(tags=["articles"])


@router.get("/api/claims", summary="Claims of ingested LLM-written articles, with verdicts")
async def claims(
    request: Request,
    ctx: ContextDep,
    verdict: str | None = Query(None, description="supported, contradicted or unverifiable"),
    entity: str | None = Query(None, description="claims about this entity (slug or IRI)"),
    article: str | None = Query(None, description="claims of this article (slug)"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Response:
    settings = ctx.settings
    if verdict is not None and verdict not in VERDICTS:
        raise InvalidParameter(f"verdict={verdict!r}: use one of {', '.join(VERDICTS)}")
    if article is not None and not _SLUG.match(article):
        raise BadInputError(f"article={article!r} is not an article slug")
    items = await claims_about(
        ctx,
        verdict=ox.NamedNode(settings.ontology_ns + verdict) if verdict else None,
        about=_iri_param(entity, settings, "entity") if entity is not None else None,
        article=ox.NamedNode(settings.article_ns + article) if article else None,
        limit=limit,
        offset=offset,
    )
    media = choose_media_type(
        request.headers.get("accept"), ["application/json", "application/ld+json"]
    )
    if media == "application/ld+json":
        return _jsonld(items, settings, "ibi:Claim")
    body = {"claims": items, "limit": limit, "offset": offset}
    return Response(json.dumps(body, indent=2) + "\n", media_type="application/json")


@router.get("/api/articles", summary="Ingested articles with their claim counts by verdict")
async def list_articles(request: Request, ctx: ContextDep) -> Response:
    settings = ctx.settings
    in_articles = {"article_ns": settings.article_ns}
    found = await internal_rows(ctx, "articles", in_articles)
    by_graph: dict[str, dict[str, Any]] = {}
    for r in found:
        g = r["g"].value
        item = by_graph.setdefault(
            g,
            {
                "article": g,
                "id": g[len(settings.article_ns) :],
                "title": r["title"].value,
                "model": r["model"].value if "model" in r else None,
                "subject": r["subject"].value if "subject" in r else None,
                "claims": {v: 0 for v in VERDICTS},
            },
        )
        if "v" in r:
            item["claims"][r["v"].value.rsplit("#", 1)[-1]] = int(r["n"].value)
    # organization-like names that match no curated entity: leads for curators
    candidates = await internal_rows(ctx, "article_candidates", in_articles)
    for item in by_graph.values():
        item["candidates"] = [
            r["text"].value for r in candidates if r["g"].value == item["article"]
        ]
    body: dict[str, Any] = {"articles": list(by_graph.values())}
    if not by_graph:
        body["message"] = NO_ARTICLES
    media = choose_media_type(request.headers.get("accept"), ["application/json", "text/html"])
    if media == "text/html":
        page = templates.get_template("articles.html").render({**body, "message": NO_ARTICLES})
        return HTMLResponse(page, headers={"Vary": "Accept"})
    return Response(
        json.dumps(body, indent=2) + "\n",
        media_type="application/json",
        headers={"Vary": "Accept"},
    )


@router.post(
    "/api/articles",
    summary="Ingest an LLM-written article (curator token; text/plain body)",
    status_code=201,
)
async def post_article(
    request: Request, ctx: ContextDep, principal: PrincipalDep, name: str = Query("article")
) -> Response:
    settings = ctx.settings
    writes = ctx.writes
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("text/plain", "text/markdown", ""):
        raise UnsupportedMediaType(f"send the article as text/plain, not {ctype}")
    body = await request.body()
    if b"\0" in body:
        raise BadInputError(f"{name}: a binary file, not an article")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInputError(f"{name}: not UTF-8 (byte {e.start})") from None
    article = parse_article(text, name=name)
    ingestion = ArticleIngestion(article, settings)
    graph = article_graph_iri(article, settings)
    existed = bool(await internal_rows(ctx, "article_exists", {"g": graph}))
    change = await asyncio.to_thread(
        writes.run,
        principal,
        ingestion,
        f"POST /api/articles ({name}, sha256 {article.sha256})",
        change_reason(request, {}),
    )
    result = ingestion.done()
    slug = result.graph[len(settings.article_ns) :]
    summary = {**result.summary(), "change": change.iri, "id": slug}
    return Response(
        json.dumps(summary, indent=2) + "\n",
        status_code=200 if existed else 201,
        media_type="application/json",
        headers={"Location": f"/api/articles/{quote(slug)}"},
    )


@router.get("/api/articles/{slug}", summary="One article: JSON-LD, or HTML with highlights")
async def get_article(request: Request, ctx: ContextDep, slug: str) -> Response:
    settings = ctx.settings
    if not _SLUG.match(slug):
        raise NotFound(f"no article {slug!r}")
    graph = settings.article_ns + slug
    media = choose_media_type(
        request.headers.get("accept"), ["application/ld+json", "text/html", "text/turtle"]
    )
    req = QueryRequest(
        query=internal_text("graph_triples", ctx.prefixes, {"g": graph}),
        accept="application/n-triples",
        limits=ctx.limits,
    )
    reply = await ctx.service.execute(req)
    triples: list[ox.Quad] = list(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
    if not triples:
        raise NotFound(f"no article {slug!r}; GET /api/articles lists them")
    if media != "text/html":
        fmt = ox.RdfFormat.JSON_LD if media == "application/ld+json" else ox.RdfFormat.TURTLE
        return Response(ox.serialize(triples, format=fmt), media_type=media)
    items = await claims_about(ctx, article=ox.NamedNode(graph))
    return HTMLResponse(_render_article(triples, items, settings))


def _render_article(
    triples: list[ox.Quad], claims: list[dict[str, Any]], settings: Settings
) -> str:
    """The article's text with linked mentions and claims highlighted by verdict."""

    values: dict[tuple[str, str], list[Term]] = {}
    for t in triples:
        values.setdefault((str(t.subject), t.predicate.value), []).append(object_of(t))

    def one(s: Term | ox.Triple | None, p: str) -> Term | None:
        found = values.get((str(s), p))
        return found[0] if found else None

    article = next(
        (
            t.subject
            for t in triples
            if t.predicate.value == RDF + "type" and t.object == ox.NamedNode(SCHEMA + "Article")
        ),
        None,
    )
    if article is None:
        raise NotFound("this graph holds no schema:Article")
    encoding = one(article, SCHEMA + "encoding")
    text = cast(ox.Literal, one(encoding, SCHEMA + "text")).value if encoding is not None else ""
    mentions = []
    for t in triples:
        if t.predicate.value == OA + "hasBody" and isinstance(t.object, ox.NamedNode):
            target = one(t.subject, OA + "hasTarget")
            for sel in values.get((str(target), OA + "hasSelector"), []):
                start, end = one(sel, OA + "start"), one(sel, OA + "end")
                if start is not None and end is not None:
                    mentions.append((int(start.value), int(end.value), t.object.value))
    bounds = sorted(
        {0, len(text), *(m[0] for m in mentions), *(m[1] for m in mentions)}
        | {c["start"] for c in claims}
        | {c["end"] for c in claims}
    )
    # the text in segments, each with its link and its claims; the template escapes them
    segments = []
    ns = settings.entity_ns
    for a, b in itertools.pairwise(bounds):
        if a >= len(text):
            break
        link = next((m[2] for m in mentions if m[0] <= a and b <= m[1]), None)
        active = [c for c in claims if c["start"] <= a and b <= c["end"]]
        worst = max(active, key=lambda c: _SEVERITY.get(c["verdict"], 1)) if active else None
        segments.append(
            {
                "text": text[a:b],
                # never javascript: or data: links: only entities of this graph
                "href": "/id/" + link[len(ns) :] if link and link.startswith(ns) else None,
                "verdict": worst["verdict"] if worst else None,
                "title": " | ".join(f"{c['verdict']}: {c['reason'] or ''}" for c in active),
            }
        )
    heading = one(article, SCHEMA + "name")
    return templates.get_template("article.html").render(
        title=heading.value if heading is not None else "Article",
        segments=segments,
        claims=claims,
        counts={v: sum(1 for c in claims if c["verdict"] == v) for v in VERDICTS},
    )
