"""The curator form: propose a fact, or a correction of a current value, together with its
source; preview it as the triples it removes and adds, and submit it (with a curator token)
through the same SHACL-gated write path as every other write; the shapes' messages are shown
beside the form's fields."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ...errors import (
    Forbidden,
    InvalidParameter,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from ...graph.proposals import PROPOSABLE, Proposal, proposal_quads, replaced_values
from ...rdf.terms import object_of, subject_of
from ...rdf.vocab import RDF, SCHEMA, compact
from ...sparql.changeset import ChangeSet
from ..deps import ContextDep, internal_rows
from ..params import parse_params
from ..views import local_path, quad_cells, templates

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
FIELDS = (
    "entity", "property", "replaces", "value", "language", "source_url", "source_title",
    "publisher",
)  # fmt: skip


def _page(form: dict[str, str], status: int = 200, **shown: Any) -> HTMLResponse:
    body = templates.get_template("curate.html").render(form=form, properties=PROPOSABLE, **shown)
    return HTMLResponse(body, status_code=status)


def _field(message: str) -> str:
    """The form field an InvalidParameter message names (by its first words), or "form"."""
    field = message.split(":", 1)[0].replace(" ", "_").lower()
    return field if field in FIELDS else "form"


@router.get("/curate", response_class=HTMLResponse)
async def curate_form(request: Request) -> HTMLResponse:
    form = {f: request.query_params.get(f, "")[:2000] for f in FIELDS}
    return _page(form)


@router.post("/curate", response_class=HTMLResponse)
async def curate(request: Request, ctx: ContextDep) -> HTMLResponse:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise UnsupportedMediaType("send the form as application/x-www-form-urlencoded")
    # within the middleware's body limit; the form's own bytes are ASCII (percent-encoded),
    # and parse_params refuses percent-encoded bytes that are not UTF-8
    params = parse_params((await request.body()).decode("latin-1"))
    form = {f: (params.get(f) or [""])[0][:2000] for f in FIELDS}
    proposal = Proposal(
        form["entity"], form["property"], form["value"], form["language"],
        form["source_url"], form["source_title"], form["publisher"], form["replaces"],
    )  # fmt: skip
    writable = ctx.writes.vocab.writable_union
    try:
        quads = proposal_quads(proposal, ctx.settings, datetime.now(UTC).date())
        fact = quads[0]  # then its source graph's description
        # a correction: what it removes, as the store holds it now (the write looks again)
        stated = (
            await internal_rows(
                ctx, "fact_values", {"entity": subject_of(fact).value, "property": fact.predicate}
            )
            if proposal.replaces.strip()
            else []
        )
        old = set(replaced_values(proposal, (r["value"] for r in stated), ctx.settings))
    except InvalidParameter as e:
        return _page(form, 422, errors={_field(e.detail): e.detail})
    removed = [
        ox.Quad(subject_of(fact), fact.predicate, r["value"], r["g"])
        for r in stated
        if r["value"] in old
        and writable(r["g"].value)
        and r["g"].value != ctx.settings.remote_default_graph  # a remote store's union
    ]
    rows = [
        {"op": op, "cells": [c["text"] for c in quad_cells(q, ctx.prefixes, ctx.settings.base)]}
        for op, part in (("removed", removed), ("added", quads))
        for q in part
    ]
    if (params.get("action") or ["preview"])[0] != "submit":
        return _page(form, preview=rows)
    token = (params.get("token") or [""])[0]
    try:
        principal = ctx.writes.principal(f"Bearer {token}" if token else None)
    except (Unauthorized, Forbidden) as e:
        return _page(form, e.status, preview=rows, errors={"token": e.detail})

    def build(changes: ChangeSet) -> str:
        subject, prop = subject_of(fact), fact.predicate
        current = (object_of(q) for q in changes.match(subject, prop, None, ox.DefaultGraph()))
        for value in replaced_values(proposal, current, ctx.settings):
            changes.discard_from_union(subject, prop, value, writable)
        known = next(changes.match(subject_of(quads[1]), ox.NamedNode(RDF + "type")), None)
        changes.extend([fact] if known else quads)  # a source described once
        return "Curator form (correction)" if proposal.replaces.strip() else "Curator form"

    reason = f"proposed with its source {form['source_url']}"
    try:
        change = await asyncio.to_thread(ctx.writes.run, principal, build, str(rows), reason)
    except InvalidParameter as e:  # the value to replace went away since the preview
        return _page(form, 422, preview=rows, errors={_field(e.detail): e.detail})
    except ValidationFailed as e:
        prop = SCHEMA + form["property"]
        beside = [v.message for v in e.report.results if v.path == prop]
        other = [f"{v.message} ({compact(v.focus_node or '', ctx.prefixes)})"
                 for v in e.report.results if v.path != prop]  # fmt: skip
        errors = {"value": " ".join(beside)} if beside else {}
        return _page(form, 422, preview=rows, errors=errors, violations=other, refused=True)
    done = {
        "change": local_path(change.iri, ctx.settings.base) if change.added else None,
        "entity": local_path(subject_of(fact).value, ctx.settings.base),
    }
    return _page(form, preview=rows, done=done)
