"""The dataset as a whole: VoID/DCAT description, dumps, the data quality report, and the
entity list API."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, cast
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from ... import __version__
from ...errors import InvalidParameter, NotFound
from ...graph.documents import rows
from ...graph.dumps import DumpCache, data_quads
from ...graph.releases import FILES, VERSION, changes_since, list_releases, make_release
from ...queries import internal_text
from ...rdf.formats import GRAPH_TYPES, choose_media_type
from ...rdf.vocab import DCTERMS, RDF, SCHEMA, XSD, compact
from ...sparql.request import QueryRequest
from ..deps import ContextDep, PrincipalDep, internal_rows
from ..openapi import MAX_OFFSET
from ..problems import problem_response
from ..records import dataset_stats, quality
from ..views import templates
from ..writing import need_admin

__all__ = ["router"]

router = APIRouter()
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DUMPS = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
}


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))


@router.get("/.well-known/void", include_in_schema=False)
@router.get("/void", summary="VoID and DCAT description of the dataset")
async def void(request: Request, ctx: ContextDep) -> Response:
    media = choose_media_type(
        request.headers.get("accept"),
        ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"],
    )
    settings = ctx.settings
    server = str(request.base_url).rstrip("/")
    stats = await dataset_stats(ctx)
    ds = ox.NamedNode(settings.base + "dataset")
    t = ox.NamedNode(RDF + "type")
    triples = [
        ox.Triple(ds, t, ox.NamedNode(VOID + "Dataset")),
        ox.Triple(ds, t, ox.NamedNode(DCAT + "Dataset")),
        ox.Triple(ds, ox.NamedNode(DCTERMS + "title"), ox.Literal("ibigraph", language="en")),
        ox.Triple(
            ds,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal(
                "A sourced knowledge graph about the International Brain Initiative and the brain "
                "research projects around it.",
                language="en",
            ),
        ),
        ox.Triple(ds, ox.NamedNode(DCTERMS + "license"), ox.NamedNode(LICENSE)),
        ox.Triple(ds, ox.NamedNode(DCTERMS + "hasVersion"), ox.Literal(__version__)),
        ox.Triple(ds, ox.NamedNode(VOID + "sparqlEndpoint"), ox.NamedNode(server + "/sparql")),
        ox.Triple(ds, ox.NamedNode(VOID + "uriSpace"), ox.Literal(settings.entity_ns)),
        ox.Triple(ds, ox.NamedNode(VOID + "vocabulary"), ox.NamedNode(SCHEMA)),
        ox.Triple(ds, ox.NamedNode(VOID + "vocabulary"), ox.NamedNode(settings.ontology_ns)),
        ox.Triple(ds, ox.NamedNode(VOID + "triples"), _int(stats.triples)),
        ox.Triple(ds, ox.NamedNode(VOID + "entities"), _int(stats.entities)),
        ox.Triple(ds, ox.NamedNode(VOID + "classes"), _int(len(stats.classes))),
        ox.Triple(ds, ox.NamedNode(VOID + "properties"), _int(len(stats.properties))),
    ]
    # class partitions count entities, property partitions triples
    for kind, counted, partitions in (
        ("class", "entities", stats.classes),
        ("property", "triples", stats.properties),
    ):
        for i, (iri, n) in enumerate(sorted(partitions.items())):
            part = ox.BlankNode(f"{kind}{i}")
            triples += [
                ox.Triple(ds, ox.NamedNode(VOID + kind + "Partition"), part),
                ox.Triple(part, ox.NamedNode(VOID + kind), ox.NamedNode(iri)),
                ox.Triple(part, ox.NamedNode(VOID + counted), _int(n)),
            ]
    for ext, mt in DUMPS.items():
        url = ox.NamedNode(f"{server}/dumps/ibigraph.{ext}")
        dist = ox.BlankNode(f"dump{ext}")
        triples += [
            ox.Triple(ds, ox.NamedNode(VOID + "dataDump"), url),
            ox.Triple(ds, ox.NamedNode(DCAT + "distribution"), dist),
            ox.Triple(dist, t, ox.NamedNode(DCAT + "Distribution")),
            ox.Triple(dist, ox.NamedNode(DCAT + "downloadURL"), url),
            ox.Triple(
                dist,
                ox.NamedNode(DCAT + "mediaType"),
                ox.NamedNode("https://www.iana.org/assignments/media-types/" + mt),
            ),
        ]
    pm = {**ctx.prefixes, "void": VOID, "dcat": DCAT}
    body = (
        ox.serialize(triples, format=GRAPH_TYPES[media], prefixes=pm)
        if media in ("text/turtle", "application/rdf+xml")
        else ox.serialize(triples, format=GRAPH_TYPES[media])
    )
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.get("/dumps/{name}", summary="The whole dataset: ibigraph.ttl, .trig, .nq or .jsonld")
async def dump(name: str, request: Request, ctx: ContextDep) -> Response:
    stem, _, ext = name.rpartition(".")
    if stem != "ibigraph" or ext not in DUMPS:
        return problem_response(
            request, 404, "Not found", f"dumps are ibigraph.{{{','.join(DUMPS)}}}"
        )
    media = DUMPS[ext]
    disposition = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Vary": "Accept-Encoding",
    }
    cache: DumpCache | None = ctx.dumps
    if cache is not None:  # the embedded store: a file per generation, written once
        gzipped = "gzip" in request.headers.get("accept-encoding", "")
        path = await asyncio.to_thread(cache.file, ext, gzipped)
        headers = {**disposition, **({"Content-Encoding": "gzip"} if gzipped else {})}
        return FileResponse(path, media_type=media, headers=headers)
    async with ctx.dump_slot:  # a remote store: one dump at a time
        reply = await ctx.service.execute(
            QueryRequest(
                internal_text("dump_rows", ctx.prefixes),
                "application/sparql-results+json",
                limits=ctx.settings.dump_limits,
            )
        )
        union = ctx.settings.remote_default_graph
        body = await asyncio.to_thread(_serialize, reply.body, ext, ctx.prefixes, union)
    return Response(body, media_type=media, headers=disposition)


def _serialize(results: bytes, ext: str, pm: dict[str, str], union: str | None) -> bytes:
    found: list[dict[str, Any]] = rows(results)  # s, p, o, and g unless the default graph
    if ext == "ttl":  # one graph: the union (the default graph)
        data = [ox.Triple(r["s"], r["p"], r["o"]) for r in found if "g" not in r]
        return cast(bytes, ox.serialize(data, format=ox.RdfFormat.TURTLE, prefixes=pm))
    # every source graph; the default graph holds source descriptions and the union
    quads = data_quads(found, union)
    return cast(bytes, ox.serialize(quads, format=GRAPH_TYPES[DUMPS[ext]]))


@router.get("/api/entities", summary="Entities, filtered by type and name, as a JSON-LD collection")
async def entities(
    request: Request,
    ctx: ContextDep,
    type: Annotated[
        str | None,
        Query(description="A class: schema:ResearchProject, ibi:FundingAgency or a full IRI"),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive text in the name or another name"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    settings = ctx.settings
    pm = ctx.prefixes
    values: dict[str, str] = {"entity_ns": settings.entity_ns}
    if type:
        prefix, colon, local = type.partition(":")
        iri = pm[prefix] + local if colon and prefix in pm else type
        try:
            values["type"] = ox.NamedNode(iri).value
        except ValueError:
            raise InvalidParameter(
                f"type: {type!r} is neither a known prefixed name nor an IRI"
            ) from None
    if q:
        values["needle"] = q.lower()  # bound as a literal: cannot change the query
    total = await internal_rows(ctx, "entities_count", values)
    found = await internal_rows(ctx, "entities_page", values, limit=limit, offset=offset)
    n = int(total[0]["n"].value)
    base = str(request.base_url).rstrip("/")
    members = [
        {
            "@id": r["e"].value,
            "name": r["name"].value,
            # the page here about the entity (its schema:url is the entity's own website)
            "page": base + "/id/" + r["e"].value[len(settings.entity_ns) :],
        }
        for r in found
    ]
    doc: dict[str, Any] = {
        "@context": [
            base + "/ns/context.jsonld",
            {
                "hydra": "http://www.w3.org/ns/hydra/core#",
                "totalItems": "hydra:totalItems",
                "member": "hydra:member",
                "next": {"@id": "hydra:next", "@type": "@id"},
                "page": {"@id": "schema:mainEntityOfPage", "@type": "@id"},
            },
        ],
        "@id": str(request.url),
        "@type": "hydra:Collection",
        "totalItems": n,
        "member": members,
    }
    headers = {"Vary": "Accept"}
    if offset + limit < n:
        params = {k: v for k, v in request.query_params.items()}
        params.update(limit=str(limit), offset=str(offset + limit))
        doc["next"] = f"{base}/api/entities?{urlencode(params)}"
        headers["Link"] = f'<{doc["next"]}>; rel="next"'
    return JSONResponse(doc, media_type="application/ld+json", headers=headers)


@router.get(
    "/quality",
    summary="Data quality: coverage of organisations, sources per fact, leads for curation",
)
async def quality_report_page(request: Request, ctx: ContextDep) -> Response:
    """The report of `ibigraph stats --quality`, as an HTML page or JSON (Accept)."""
    media = choose_media_type(request.headers.get("accept"), ["text/html", "application/json"])
    report = (await quality(ctx)).to_json()
    if media == "application/json":
        return JSONResponse(report, headers={"Vary": "Accept"})
    pm = ctx.prefixes
    view = {
        **report,
        "per_class": {compact(c, pm): n for c, n in report["per_class"].items()},
        "unverifiable_claims": [
            {**c, "property": compact(c["property"], pm)} for c in report["unverifiable_claims"]
        ],
    }
    page = templates.get_template("quality.html").render(r=view)
    return HTMLResponse(page, headers={"Vary": "Accept"})


@router.get("/releases", summary="The releases: a DCAT dataset series (Turtle, JSON-LD or HTML)")
async def releases(request: Request, ctx: ContextDep) -> Response:
    media = choose_media_type(
        request.headers.get("accept"), ["text/turtle", "application/ld+json", "text/html"]
    )
    found = list_releases(ctx.settings.releases_folder)
    if media == "text/html":
        page = templates.get_template("releases.html").render(releases=found)
        return HTMLResponse(page, headers={"Vary": "Accept"})
    triples = [
        t
        for r in found
        for t in ox.parse(path=r.folder / "release.ttl", format=ox.RdfFormat.TURTLE)
    ]
    fmt = GRAPH_TYPES[media]
    body = (
        ox.serialize(triples, format=fmt, prefixes=ctx.prefixes)
        if media == "text/turtle"
        else ox.serialize(triples, format=fmt)
    )
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.get(
    "/releases/{version}/{file}",
    summary="A file of a release (dumps, SHA256SUMS, changes.patch, CHANGELOG.md, release.ttl)",
)
async def release_file(version: str, file: str, ctx: ContextDep) -> Response:
    folder = ctx.settings.releases_folder / version
    if not VERSION.match(version) or file not in (*FILES, "SHA256SUMS") or not folder.is_dir():
        raise NotFound(f"no file {file!r} in a release {version!r}")
    path = folder / file
    sums: dict[str, str] = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    if file in sums:
        headers["ETag"] = f'"{sums[file]}"'
    media = FILES.get(file, "text/plain")
    return FileResponse(path, media_type=media, headers=headers)


@router.post(
    "/api/releases",
    summary="Freeze the graph as a numbered, immutable release (admin token)",
    status_code=201,
)
async def create_release(
    ctx: ContextDep,
    principal: PrincipalDep,
    version: Annotated[str, Query(min_length=1, max_length=64)],
) -> Response:
    need_admin(principal, "making a release")
    settings = ctx.settings
    limits = settings.dump_limits
    rows = await internal_rows(ctx, "dump_rows", limits=limits)
    quads = data_quads(rows, settings.remote_default_graph)
    feed = await internal_rows(
        ctx, "feed", {"audit": ox.NamedNode(settings.audit_graph)}, limits=limits
    )
    changes = changes_since(feed, settings.releases_folder)
    made = await asyncio.to_thread(
        make_release, quads, changes, settings, settings.releases_folder, version
    )
    body = {
        "version": made.version,
        "issued": made.issued,
        "url": f"/releases/{made.version}/release.ttl",
    }
    return JSONResponse(
        body, status_code=201, headers={"Location": f"/releases/{made.version}/release.ttl"}
    )
