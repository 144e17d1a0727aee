"""The OpenAPI document, told truthfully: every status and media type an operation can answer.

FastAPI documents what a route declares; the service also answers through its middleware
(tokens for reads, body limits, HEAD), its error handlers (problem+json or plain text) and its
content negotiation. `complete` adds that, by rules that follow the code, so that a tool such as
schemathesis finds no undocumented answer (tests/http/test_openapi.py runs it).
"""

from __future__ import annotations

import re
from typing import Any

from ..rdf.formats import GRAPH_TYPES, RESULTS_TYPES

__all__ = ["MAX_OFFSET", "complete"]

MAX_OFFSET = 1_000_000  # the largest offset a paged listing takes


def _media(*types: str) -> dict[str, Any]:
    return {t: {} for t in types}


_PROBLEM = _media("application/problem+json", "text/plain")
_RDF = _media("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
_DUMPS = _media("text/turtle", "application/trig", "application/n-quads", "application/ld+json")
_LINKED = {"text/html": {}, **_media(*GRAPH_TYPES)}  # entity-like documents
_JSON = _media("application/json")

# 2xx content of operations whose route does not say it (method, path pattern)
_CONTENT: list[tuple[str, str, dict[str, Any]]] = [
    ("get", r"/metrics", _media("text/plain")),
    ("get", r"/api/changes/stream", _media("text/event-stream")),
    ("get", r"/releases", _media("text/turtle", "application/ld+json", "text/html")),
    (
        "get",
        r"/releases/\{version\}/\{file\}",
        _media(
            "application/n-quads", "application/trig", "text/turtle", "text/plain", "text/markdown"
        ),
    ),
    ("get", r"/ns/.*", _media("application/ld+json")),
    ("get", r"/", _media("text/html")),
    ("get", r"/void", _RDF),
    ("get", r"/dumps/\{name\}", _DUMPS),
    ("get", r"/api/entities", _media("application/ld+json")),
    ("get", r"/api/claims", _media("application/json", "application/ld+json")),
    ("get", r"/api/articles", _media("application/json", "text/html")),
    ("get", r"/quality|/explore/.*", _media("text/html", "application/json")),
    ("get", r"/api/search", _media("application/json", "application/ld+json")),
    ("get", r"/reconcile/preview", _media("text/html")),
    (
        "get",
        r"/api/changes/feed",
        _media(
            "application/activity+json",
            "application/ld+json",
            "application/json",
            "application/atom+xml",
        ),
    ),
    ("get", r"/api/articles/\{slug\}", _media("text/html", "application/ld+json", "text/turtle")),
    ("get", r"/change/\{name\}", {**_LINKED, **_media("application/rdf-patch")}),
    ("get", r"/(id|change|agent|source|graph)/\{name\}|/(ontology|shapes)(\.\{ext\})?", _LINKED),
    ("get", r"/memento/\{when\}/id/\{name\}", _LINKED),
    ("get", r"/timemap/id/\{name\}", _media("application/link-format", "application/json")),
    ("get", r"/graph-store", _media(*GRAPH_TYPES)),
    ("*", r"/api/.*|/health|/ready|/update|/graph-store|/reconcile.*", _JSON),
]
_REDIRECTS = re.compile(r"/article/\{slug\}|/dataset|/changes")
_NEGOTIATED = re.compile(
    r"/sparql|/void|/dumps/.*|/api/claims|/api/articles(/\{slug\})?|/api/queries/.+"
    r"|/(id|change|agent|source|graph)/\{name\}|/ontology.*|/shapes.*|/graph-store"
)
_STORE = re.compile(
    r"/sparql|/update|/graph-store|/void|/dumps/.*|/api/.*"
    r"|/(id|change|agent|source|graph)/\{name\}|/ontology.*|/shapes.*|/"
)
_WRITES = {"post", "put", "delete", "patch"}


def _responses(method: str, path: str, op: dict[str, Any]) -> dict[str, Any]:
    statuses: dict[str, str] = {
        "401": "A token is needed: reads need one where IBIGRAPH_READ_ROLE is set; writes always",
        "403": "The token's role is too low, or writes are disabled on this server",
    }
    params = op.get("parameters", [])
    if params or method in _WRITES:
        statuses["400"] = "A malformed request: a parameter, query, update or body the service"
        statuses["400"] += " cannot read (the message names it, with a position where known)"
    if params:
        statuses["422"] = "A parameter of the wrong type or out of range (named in the message)"
    named = ("/api/queries/", "/dumps", "/reconcile/preview", "/releases/", "/explore/network")
    if any(p["in"] == "path" for p in params) or path.startswith(named):
        statuses["404"] = "Nothing is known under this name"
    if _NEGOTIATED.fullmatch(path):
        statuses["406"] = "No representation the Accept header allows; the body lists them"
    if method in _WRITES or path == "/sparql":
        statuses["413"] = "The body (or the change it makes) is over the limit"
        statuses["415"] = "A body of a media type or charset the operation does not take"
        statuses["405"] = "A method the resource does not allow (see Allow)"
    if method in _WRITES:
        statuses["409"] = "The change conflicts with the store's state"
        statuses["422"] = "The change violates the SHACL shapes (the report is in the body)"
    if _STORE.fullmatch(path):
        statuses["503"] = "The query was stopped at the time limit, or the store is unavailable"
    if path == "/ready":
        statuses["503"] = "The service is starting or leaving (not ready)"
    out = dict(op.get("responses", {}))
    for status, text in statuses.items():
        entry = dict(out.get(status) or {"description": text})
        if status == "404" and _LINKED is _content_for(method, path):
            entry["content"] = {**_PROBLEM, "text/html": {}}
        else:
            entry["content"] = dict(_PROBLEM)
        out[status] = entry
    return out


def _content_for(method: str, path: str) -> dict[str, Any] | None:
    for m, pattern, content in _CONTENT:
        if (m == "*" or m == method) and re.fullmatch(pattern, path):
            return content
    return None


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Document, for every operation, the statuses and media types the service can answer."""
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            # a route registered under two paths lists the other's path parameter
            op["parameters"] = [
                p
                for p in op.get("parameters", [])
                if p["in"] != "path" or "{" + p["name"] + "}" in path
            ]
            if not op["parameters"]:
                del op["parameters"]
            if _REDIRECTS.fullmatch(path):
                op["responses"] = {"303": {"description": "See Other: the document's URL"}}
            content = _content_for(method, path)
            if content is not None:
                for status, entry in op.get("responses", {}).items():
                    if status.startswith("2"):
                        entry["content"] = dict(content)
            op["responses"] = _responses(method, path, op)
    return schema


# The media types of SPARQL results, for the hand-written /sparql documentation
RESULT_MEDIA: dict[str, Any] = {t: {} for t in [*RESULTS_TYPES, *GRAPH_TYPES]}
