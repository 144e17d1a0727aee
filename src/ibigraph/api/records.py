"""Reads of the records the service keeps, as plain JSON objects: the change history (the audit
graph) and the claims of ingested articles. Shared by the routes that show them."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import Request

from ..config import Settings
from ..ingest.model import text_offset
from ..linkeddata import select

__all__ = ["claims_about", "history"]

OA = "http://www.w3.org/ns/oa#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV = "http://www.w3.org/ns/prov#"


def _claims_query(settings: Settings, filters: str, limit: int, offset: int) -> str:
    ibi = settings.ontology_ns
    return f"""
    SELECT ?claim ?g ?subject ?property ?value ?text ?verdict ?reason ?start ?end ?rule
           (GROUP_CONCAT(DISTINCT STR(?eg); SEPARATOR=" ") AS ?graphs)
           (GROUP_CONCAT(DISTINCT STR(?src); SEPARATOR=" ") AS ?sources)
    WHERE {{
      GRAPH ?g {{
        ?claim a <{ibi}Claim> ; <{RDF}predicate> ?property ; <{RDF}object> ?value ;
               <{ibi}verdict> ?verdict ; <{ibi}extractionRule> ?rule ;
               <{OA}hasTarget>/<{OA}hasSelector> ?pos, ?quote .
        ?pos <{OA}start> ?start ; <{OA}end> ?end .
        ?quote <{OA}exact> ?text .
        OPTIONAL {{ ?claim <{RDF}subject> ?subject }}
        OPTIONAL {{ ?claim <{ibi}verdictReason> ?reason }}
        OPTIONAL {{ ?claim <{ibi}evidence> ?ev .
                   OPTIONAL {{ ?ev <{PROV}wasDerivedFrom> ?eg }}
                   OPTIONAL {{ ?ev <{PROV}hadPrimarySource> ?src }} }}
        {filters}
      }}
      FILTER(STRSTARTS(STR(?g), "{settings.article_ns}"))
    }}
    GROUP BY ?claim ?g ?subject ?property ?value ?text ?verdict ?reason ?start ?end ?rule
    ORDER BY ?g ?start ?claim LIMIT {int(limit)} OFFSET {int(offset)}"""


async def claims_about(
    request: Request, filters: str = "", limit: int = 1000, offset: int = 0
) -> list[dict[str, Any]]:
    """Claims of ingested articles as plain JSON objects."""
    settings: Settings = request.app.state.settings
    rows = await select(
        request.app.state.service,
        _claims_query(settings, filters, limit, offset),
        request.app.state.limits,
    )
    out = []
    for r in rows:
        value = r["value"]
        out.append(
            {
                "claim": r["claim"].value,
                "article": r["g"].value,
                "subject": r["subject"].value if "subject" in r else None,
                "property": r["property"].value,
                "value": value.value,
                "valueIsIri": isinstance(value, ox.NamedNode),
                "text": r["text"].value,
                "start": text_offset(r["start"].value),
                "end": text_offset(r["end"].value),
                "verdict": r["verdict"].value.rsplit("#", 1)[-1],
                "reason": r["reason"].value if "reason" in r else None,
                "rule": r["rule"].value,
                "evidence": sorted(
                    {w for k in ("graphs", "sources") if k in r for w in r[k].value.split()}
                ),
            }
        )
    return out


async def history(
    request: Request, settings: Settings, filters: str, limit: int, offset: int
) -> list[dict[str, object]]:
    """Changes from the audit graph, newest first."""
    ibi = settings.ontology_ns
    prov = "http://www.w3.org/ns/prov#"
    query = f"""
        SELECT ?c ?name ?agent ?started ?ended ?added ?removed ?reason
               (GROUP_CONCAT(DISTINCT STR(?g); SEPARATOR=" ") AS ?graphs)
               (GROUP_CONCAT(DISTINCT STR(?e); SEPARATOR=" ") AS ?entities)
        WHERE {{ GRAPH <{settings.audit_graph}> {{
            ?c a <{ibi}Change> ; <https://schema.org/name> ?name ;
               <{prov}wasAssociatedWith>/<http://www.w3.org/2000/01/rdf-schema#label> ?agent ;
               <{prov}startedAtTime> ?started ; <{prov}endedAtTime> ?ended ;
               <{ibi}quadsAdded> ?added ; <{ibi}quadsRemoved> ?removed .
            {filters}
            OPTIONAL {{ ?c <http://purl.org/dc/terms/description> ?reason }}
            OPTIONAL {{ ?c <{ibi}changedGraph> ?g }}
            OPTIONAL {{ ?c <{ibi}changedEntity> ?e }}
        }} }}
        GROUP BY ?c ?name ?agent ?started ?ended ?added ?removed ?reason
        ORDER BY DESC(?started) DESC(?c) LIMIT {int(limit)} OFFSET {int(offset)}"""
    rows = await select(request.app.state.service, query, request.app.state.limits)
    out = []
    for row in rows:
        r = {k: v.value for k, v in row.items()}
        out.append(
            {
                "change": r["c"],
                "operation": r["name"],
                "agent": r["agent"],
                "started": r["started"],
                "ended": r["ended"],
                "quadsAdded": int(r["added"]),
                "quadsRemoved": int(r["removed"]),
                "reason": r.get("reason"),
                "graphs": (r.get("graphs") or "").split(),
                "entities": (r.get("entities") or "").split(),
            }
        )
    return out
