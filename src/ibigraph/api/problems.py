"""Error responses: `application/problem+json` (RFC 9457) when the client asks for JSON,
plain text a person can read otherwise."""

from __future__ import annotations

import json
import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    Busy,
    IbigraphError,
    MethodNotAllowed,
    NotAcceptable,
    QueryTimeout,
    StoreError,
    Unauthorized,
    ValidationFailed,
)
from ..rdf.formats import choose_media_type
from .views import templates

__all__ = ["install_error_handlers", "not_found_page", "problem_response"]

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://w3id.org/ibigraph/problems/"


def _wants_json(request: Request) -> bool:
    """JSON when asked for, and by default on the JSON API (/api/…) unless text is asked."""
    accept = request.headers.get("accept", "").lower()
    if "problem+json" in accept or "application/json" in accept:
        return True
    return request.url.path.startswith("/api/") and "text/" not in accept


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not _wants_json(request)


def not_found_page(what: str, path: str) -> HTMLResponse:
    """The 404 page for people: what is missing, and a search for it (the last segment of
    the path as a guess: /id/human-brian-project -> "human brian project")."""
    guess = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")[:100]
    body = templates.get_template("notfound.html").render(what=what, guess=guess)
    return HTMLResponse(body, status_code=404, headers={"Vary": "Accept"})


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> Response:
    headers = {"Vary": "Accept", **(headers or {})}
    if _wants_json(request) or extra is not None:
        body = {
            "type": PROBLEM_BASE + title.lower().replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
            **(extra or {}),
        }
        return Response(
            json.dumps(body, ensure_ascii=False) + "\n",
            status_code=status,
            media_type="application/problem+json",
            headers=headers,
        )
    return Response(
        f"{status} {title}: {detail}\n",
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers=headers,
    )


async def _ibigraph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IbigraphError)
    detail = exc.detail
    headers = {}
    if exc.status >= 500:
        log.warning("%s %s -> %d %s", request.method, request.url.path, exc.status, exc.detail)
        headers["Retry-After"] = str(_RETRY_AFTER.get(type(exc), 5))
    if isinstance(exc, StoreError):  # names files, URLs of the setup: in the log, not here
        detail = "the store is unavailable at the moment; the server log says why"
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = getattr(exc, "allow", "GET, HEAD, POST, OPTIONS")
    if isinstance(exc, Unauthorized):
        challenge = 'Bearer realm="ibigraph"'
        if request.headers.get("authorization"):
            challenge += ', error="invalid_token"'
        headers["WWW-Authenticate"] = challenge
    if isinstance(exc, ValidationFailed):
        return _shacl_report(request, exc)
    if isinstance(exc, NotAcceptable):
        headers["Link"] = ", ".join(
            f'<{request.url.path}>; rel="alternate"; type="{t}"' for t in exc.offered
        )
    return problem_response(request, exc.status, exc.title, detail, headers)


# seconds a client should wait before trying a 503 again
_RETRY_AFTER: dict[type[IbigraphError], int] = {Busy: 2, QueryTimeout: 30, StoreError: 10}


def _shacl_report(request: Request, exc: ValidationFailed) -> Response:
    """422 with the SHACL report: problem+json (default) or Turtle (sh:ValidationReport)."""
    offered = ["application/problem+json", "application/json", "text/turtle"]
    try:
        media = choose_media_type(request.headers.get("accept"), offered)
    except NotAcceptable:
        media = offered[0]
    if media == "text/turtle" and exc.report.graph is not None:
        return Response(
            exc.report.graph.serialize(format="turtle"),
            status_code=422,
            media_type="text/turtle; charset=utf-8",
            headers={"Vary": "Accept"},
        )
    violations = [
        {
            "focusNode": r.focus_node,
            "path": r.path,
            "value": r.value,
            "message": r.message,
            "severity": r.severity,
            "shape": r.shape,
            "constraint": r.constraint,
        }
        for r in exc.report.results
    ]
    detail = exc.detail + "; nothing was written"
    return problem_response(request, 422, exc.title, detail, extra={"violations": violations})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    title = titles.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    if exc.status_code == 404:
        detail = f"nothing at {request.url.path}"
        if _wants_html(request):
            return not_found_page(detail, request.url.path)
    return problem_response(request, exc.status_code, title, detail, dict(exc.headers or {}))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return problem_response(request, 422, "Invalid parameter", "; ".join(parts))


def install_error_handlers(app: Starlette) -> None:
    app.add_exception_handler(IbigraphError, _ibigraph_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
