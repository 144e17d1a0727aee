"""The write side of the HTTP service, shared by the routes that write: `Writes` (tokens,
vocabulary and the backend's writer), the reason of a change, the SPARQL Update handler used by
/sparql and /update, and the admin check for wholesale removals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from ..auth import TokenFile
from ..config import Settings
from ..errors import BadInputError, Forbidden
from ..graph.writes import Change, Principal, Vocabulary, commit_change, update_change
from ..sparql.changeset import ChangeSet
from ..sparql.update import UpdateRequest, parse_update
from ..store import Writer
from ..store.service import QueryService
from .deps import app_context

__all__ = ["Writes", "change_reason", "change_response", "handle_update", "need_admin"]


class Writes:
    """The app's write side: tokens, vocabulary and the backend's writer."""

    def __init__(self, settings: Settings, service: QueryService) -> None:
        self.settings = settings
        self.tokens = TokenFile(settings.tokens_file)
        self.vocab = Vocabulary(settings)
        self.service = service
        # called after each committed write (e.g. to drop an index the change made stale)
        self.listeners: list[Callable[[], None]] = []

    def writer(self) -> Writer:
        return self.service.writer(self.settings.query_timeout)

    def principal(self, authorization: str | None) -> Principal:
        """Who writes: the curator (or admin) that the Authorization header's token names."""
        entry = self.tokens.authenticate(authorization, "curator", "writing")
        return Principal(entry.name, entry.role)

    def run(
        self,
        principal: Principal,
        build: Callable[[ChangeSet], str],
        request_text: str,
        reason: str | None,
    ) -> Change:
        """One write, start to end (runs on a worker thread)."""
        change = commit_change(
            self.writer(),
            build,
            principal=principal,
            request_text=request_text,
            reason=reason,
            vocab=self.vocab,
        )
        for listener in self.listeners:
            listener()
        return change


def change_reason(request: Request, params: dict[str, list[str]]) -> str | None:
    """Why: the X-Change-Reason header or the `comment` parameter (at most 2000 characters)."""
    reason = request.headers.get("x-change-reason") or next(iter(params.get("comment", [])), None)
    if reason is not None and len(reason) > 2000:
        raise BadInputError("the change reason is longer than 2000 characters")
    return reason or None


def change_response(change: Change) -> Response:
    """200 with the recorded change; the Graph Store sets 201 and Location for a new graph."""
    return Response(json.dumps(change.to_json(), indent=2) + "\n", media_type="application/json")


async def handle_update(
    request: Request, params: dict[str, list[str]], update: str, base_iri: str
) -> Response:
    """Run a SPARQL Update request (already read from the protocol)."""
    ctx = app_context(request)
    writes: Writes = ctx.writes
    principal = writes.principal(request.headers.get("authorization"))
    if "at" in params:
        raise BadInputError("`at` names a past state of the graph, which takes no updates")
    if not update.strip():
        raise BadInputError("the update is empty")
    req = UpdateRequest(
        update,
        base_iri=base_iri,
        using_graphs=tuple(params.get("using-graph-uri", ())),
        using_named_graphs=tuple(params.get("using-named-graph-uri", ())),
        prefixes=ctx.prefixes,
    )
    ops = await asyncio.to_thread(parse_update, req)  # syntax, LOAD, SERVICE: before any lock
    for op in ops:
        target = op.get("graphiri")
        if op.name in ("Drop", "Clear") and target in _WHOLESALE:
            need_admin(principal, f"{op.name.upper()} {target} (it empties {_WHOLESALE[target]})")
    change = await asyncio.to_thread(
        writes.run,
        principal,
        lambda changes: update_change(changes, req, writes.vocab, ops),
        update,
        change_reason(request, params),
    )
    return change_response(change)


# Operations that empty many graphs at once: only an admin may run them
_WHOLESALE = {
    "ALL": "every graph",
    "DEFAULT": "the default graph, the union of the sources",
    "NAMED": "every named graph",
}


def need_admin(principal: Principal, what: str) -> None:
    if principal.role != "admin":
        raise Forbidden(
            f"{what} needs the admin role; the token of {principal.name!r} has the role "
            f"{principal.role}. Remove graphs one by one (DROP GRAPH <iri>) instead"
        )
