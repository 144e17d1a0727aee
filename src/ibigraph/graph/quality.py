"""Data quality report (`ibigraph stats --quality`, and /quality): how complete the entities
are, how many sources back each fact, which facts rest on one source that is not the entity's
own site, and which claims of the ingested articles nothing curated speaks to (leads for
curation).

A fact is a triple of a source graph about an entity, other than its types and label (the
build adds those). Sources are the source graphs that state it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from statistics import median
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings
from ..rdf.vocab import DCTERMS, OA, RDF, RDFS, SCHEMA
from .stats import Select, stats_with

__all__ = ["QualityReport", "quality_report"]

# what an organisation should have: a label for the report, and the pattern that has it
COVERAGE = {
    "url": f"?e <{SCHEMA}url> ?x",
    "country or region": f"?e <{SCHEMA}location>|<{SCHEMA}areaServed> ?x",
    "founding date": f"?e <{SCHEMA}foundingDate> ?x",
    "Wikidata": f'?e <{SCHEMA}sameAs> ?x FILTER(STRSTARTS(STR(?x), "http://www.wikidata.org/"))',
    "ROR": f'?e <{SCHEMA}sameAs> ?x FILTER(STRSTARTS(STR(?x), "https://ror.org/"))',
}


# names and descriptions are ours (descriptions in our own words): not facts to corroborate
_OWN_WORDS = {SCHEMA + "name", SCHEMA + "description"}


@dataclass(frozen=True)
class QualityReport:
    entities: int
    per_class: dict[str, int]
    facts_per_entity: dict[str, float]  # min, median, max
    organizations: int
    coverage: dict[str, float]  # share of organisations with each
    sources_per_fact: dict[str, int]  # "1", "2", "3+" -> facts
    single_secondary: list[dict[str, str]]  # facts on one source that is not the entity's site
    unverifiable_claims: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _rows(select: Select, query: str) -> list[dict[str, str]]:
    return [{n: term.value for n, term in row.items()} for row in select(query)]


def quality_report(select: Select, settings: Settings) -> QualityReport:
    """The report, its queries run through `select` (a CLI store, or the HTTP service)."""
    ns, src = settings.entity_ns, settings.source_ns
    in_sources = f'FILTER(STRSTARTS(STR(?g), "{src}") && STRSTARTS(STR(?e), "{ns}"))'
    facts = _rows(
        select,
        f"""SELECT ?e ?p ?o (COUNT(DISTINCT ?g) AS ?n) (SAMPLE(?source) AS ?from) WHERE {{
          GRAPH ?g {{ ?e ?p ?o }} {in_sources}
          FILTER(?p NOT IN (<{RDF}type>, <{RDFS}label>))
          OPTIONAL {{ ?g <{DCTERMS}source> ?source }}
        }} GROUP BY ?e ?p ?o""",
    )
    per_entity = Counter(f["e"] for f in facts)
    orgs = {
        r["e"]
        for r in _rows(
            select,
            f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?e a <{SCHEMA}Organization> }} "
            f"{in_sources} }}",
        )
    }
    coverage = {}
    for label, pattern in COVERAGE.items():
        having = {
            r["e"]
            for r in _rows(
                select, f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ {pattern} }} {in_sources} }}"
            )
        }
        coverage[label] = round(len(having & orgs) / len(orgs), 3) if orgs else 0.0
    homes = {
        r["e"]: urlsplit(r["url"]).hostname or ""
        for r in _rows(
            select,
            f"SELECT ?e ?url WHERE {{ GRAPH ?g {{ ?e <{SCHEMA}url> ?url }} {in_sources} }}",
        )
    }
    single = [
        {"entity": f["e"], "property": f["p"], "value": f["o"], "source": f.get("from", "")}
        for f in facts
        if f["n"] == "1"
        and f["p"] not in _OWN_WORDS
        and (urlsplit(f.get("from", "")).hostname or "") != homes.get(f["e"], "")
    ]
    buckets = Counter("3+" if int(f["n"]) >= 3 else f["n"] for f in facts)
    claims = _rows(
        select,
        f"""SELECT ?claim ?property ?value ?text WHERE {{ GRAPH ?g {{
          ?claim <{settings.ontology_ns}verdict> <{settings.ontology_ns}unverifiable> ;
                 <{RDF}predicate> ?property ; <{RDF}object> ?value .
          OPTIONAL {{ ?claim <{OA}hasTarget>/<{OA}hasSelector>/<{OA}exact> ?text }}
        }} FILTER(STRSTARTS(STR(?g), "{settings.article_ns}")) }} ORDER BY ?claim""",
    )
    counts = sorted(per_entity.values()) or [0]
    return QualityReport(
        entities=len(per_entity),
        per_class={  # the store's own counts (`ibigraph stats`), ibigraph and schema.org classes
            c: n
            for c, n in stats_with(select, settings).classes.items()
            if c.startswith((settings.ontology_ns, SCHEMA))
        },
        facts_per_entity={
            "min": counts[0],
            "median": float(median(counts)),
            "max": counts[-1],
        },
        organizations=len(orgs),
        coverage=coverage,
        sources_per_fact={k: buckets.get(k, 0) for k in ("1", "2", "3+")},
        single_secondary=sorted(single, key=lambda f: (f["entity"], f["property"])),
        unverifiable_claims=claims,
    )
