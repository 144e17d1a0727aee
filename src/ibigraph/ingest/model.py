"""The RDF of an ingested article: one named graph `{base}article/{slug}` holding everything.

Resources of the graph G (all hash IRIs under G, no blank nodes, so re-ingesting the same text
gives the same quads; only `prov:generatedAtTime` on G changes):

    G              a ibi:ArticleGraph; prov:wasDerivedFrom G#article; prov:generatedAtTime
    G#article      a schema:Article, prov:Entity; schema:name; schema:about <subject entity>;
                   schema:encoding G#text; prov:wasGeneratedBy G#generation; ibi:disclaimer;
                   ibi:parentTitle; ibi:hop; schema:keywords; schema:hasPart G#section-N;
                   ibi:funnelStage G#funnel-N
    G#text         a schema:MediaObject; schema:sha256; schema:encodingFormat; schema:text
    G#generation   a prov:Activity; prov:wasAssociatedWith {base}agent/model/{model};
                   ibi:usedRetrieval false (only when the article says so)
    G#section-N    a schema:CreativeWork, oa:SpecificResource; schema:name; schema:position;
                   oa:hasSource G#article; oa:hasSelector (text position)
    G#funnel-N     a schema:ListItem; schema:position; schema:name; schema:numberOfItems;
                   schema:description (the note)
    G#mention-S-E  a oa:Annotation; oa:motivatedBy oa:identifying; oa:hasBody <entity>;
                   oa:hasTarget G#mention-S-E-target (oa:hasSource G#article; oa:hasSelector
                   a TextPositionSelector and a TextQuoteSelector)
    G#candidate-S-E  the same with oa:motivatedBy oa:tagging and oa:bodyValue "the name"
    G#claim-H      a ibi:Claim, rdf:Statement; rdf:subject/rdf:predicate/rdf:object;
                   schema:appearance G#article; schema:isPartOf G#section-N; oa:hasTarget …;
                   ibi:extractionRule; ibi:verdict ibi:supported|…; ibi:verdictReason;
                   ibi:evidence G#claim-H-evidence-N
    G#claim-H-evidence-N  a ibi:Evidence; prov:wasDerivedFrom <source graph>;
                   prov:hadPrimarySource <url>; schema:text "the curated fact"

The file's hash is `schema:sha256` on a `schema:MediaObject` that is the article's
`schema:encoding`: schema.org defines sha256 on MediaObject, so no new term is needed.
Entity IRIs only ever appear as objects here: an article graph states nothing *about* a
curated entity, and claims stay reified, apart from the curated facts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime

import pyoxigraph as ox

from ..config import Settings
from ..rdf.terms import graph_of, object_of, subject_of
from ..rdf.vocab import OA, PROV, RDF, SCHEMA, XSD
from .article import Article
from .claims import VERDICTS, Claim, Evidence
from .curated import article_ns
from .mentions import Candidate, Mention

__all__ = [
    "OA",
    "article_graph_iri",
    "article_quads",
    "claim_quads",
    "read_claims",
    "replace_verdicts",
    "slug",
    "text_offset",
    "verdict_quads",
]

_Term = ox.NamedNode | ox.Literal


def slug(text: str) -> str:
    """A stable ASCII slug: "International Brain Initiative" -> "international-brain-initiative"."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-") or "untitled"


def article_graph_iri(article: Article, settings: Settings) -> str:
    """The named graph of an article, from its title: the same title replaces the graph."""
    return article_ns(settings) + slug(article.title)


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _int(n: int, datatype: str = "integer") -> ox.Literal:
    return ox.Literal(str(n), datatype=_iri(XSD + datatype))


class _Graph:
    """Collects triples of one named graph, in order, without duplicates."""

    def __init__(self, graph: str) -> None:
        self.graph = _iri(graph)
        self.quads: dict[ox.Quad, None] = {}

    def add(self, s: str, p: str, o: _Term | str) -> None:
        obj = _iri(o) if isinstance(o, str) else o
        self.quads[ox.Quad(_iri(s), _iri(p), obj, self.graph)] = None

    def target(self, node: str, source: str, start: int, end: int, exact: str | None) -> None:
        """`node` selects `start:end` of the article text (and quotes it, if `exact`)."""
        pos = node + "-position"
        self.add(node, RDF + "type", OA + "SpecificResource")
        self.add(node, OA + "hasSource", source)
        self.add(node, OA + "hasSelector", pos)
        self.add(pos, RDF + "type", OA + "TextPositionSelector")
        self.add(pos, OA + "start", _int(start, "nonNegativeInteger"))
        self.add(pos, OA + "end", _int(end, "nonNegativeInteger"))
        if exact is not None:
            quote = node + "-quote"
            self.add(node, OA + "hasSelector", quote)
            self.add(quote, RDF + "type", OA + "TextQuoteSelector")
            self.add(quote, OA + "exact", ox.Literal(exact))


def _value(claim: Claim) -> _Term:
    if claim.value_is_iri:
        return _iri(claim.value)
    if claim.property.endswith(("foundingDate", "dissolutionDate")) and re.fullmatch(
        r"\d{4}", claim.value
    ):
        return ox.Literal(claim.value, datatype=_iri(XSD + "gYear"))
    return ox.Literal(claim.value)


def verdict_quads(claim: Claim, graph: str, settings: Settings) -> list[ox.Quad]:
    """Only the verdict of a claim: ibi:verdict, ibi:verdictReason and its evidence nodes."""
    ibi, g = settings.ontology_ns, _Graph(graph)
    if claim.verdict is None:
        return []
    g.add(claim.iri, ibi + "verdict", ibi + claim.verdict)
    if claim.reason:
        g.add(claim.iri, ibi + "verdictReason", ox.Literal(claim.reason, language="en"))
    for n, e in enumerate(claim.evidence, 1):
        node = f"{claim.iri}-evidence-{n}"
        g.add(claim.iri, ibi + "evidence", node)
        g.add(node, RDF + "type", ibi + "Evidence")
        g.add(node, PROV + "wasDerivedFrom", e.graph)
        if e.source_url:  # not dcterms:source: the shapes keep that for one graph per source
            g.add(node, PROV + "hadPrimarySource", e.source_url)
        g.add(node, SCHEMA + "text", ox.Literal(e.statement, language="en"))
    return list(g.quads)


def claim_quads(
    claim: Claim, graph: str, settings: Settings, sections: Mapping[str, str] | None = None
) -> list[ox.Quad]:
    """A claim, reified, with its text target and its verdict; `sections` maps a heading to
    its section node."""
    ibi, g = settings.ontology_ns, _Graph(graph)
    article, c = graph + "#article", claim.iri
    g.add(c, RDF + "type", ibi + "Claim")
    g.add(c, RDF + "type", RDF + "Statement")
    if claim.subject:
        g.add(c, RDF + "subject", claim.subject)
    g.add(c, RDF + "predicate", claim.property)
    g.add(c, RDF + "object", _value(claim))
    g.add(c, SCHEMA + "appearance", article)
    if claim.section is not None and sections and claim.section in sections:
        g.add(c, SCHEMA + "isPartOf", sections[claim.section])
    g.add(c, OA + "hasTarget", c + "-target")
    g.target(c + "-target", article, claim.start, claim.end, claim.text)
    g.add(c, ibi + "extractionRule", ox.Literal(claim.rule))
    return list(g.quads) + verdict_quads(claim, graph, settings)


def _annotation(g: _Graph, node: str, article: str, m: Mention | Candidate) -> None:
    g.add(node, RDF + "type", OA + "Annotation")
    if isinstance(m, Mention):
        g.add(node, OA + "motivatedBy", OA + "identifying")
        g.add(node, OA + "hasBody", m.iri)
    else:
        g.add(node, OA + "motivatedBy", OA + "tagging")
        g.add(node, OA + "bodyValue", ox.Literal(m.text))
    g.add(node, OA + "hasTarget", node + "-target")
    g.target(node + "-target", article, m.start, m.end, m.text)


def article_quads(
    article: Article,
    settings: Settings,
    *,
    subject: str | None,
    mentions: Iterable[Mention],
    candidates: Iterable[Candidate],
    claims: Iterable[Claim],
    generated_at: datetime,
) -> list[ox.Quad]:
    """Everything about one article, all in its named graph."""
    graph = article_graph_iri(article, settings)
    ibi, g = settings.ontology_ns, _Graph(graph)
    a, text, activity = graph + "#article", graph + "#text", graph + "#generation"
    agent = settings.base + "agent/model/" + slug(article.model)

    g.add(graph, RDF + "type", ibi + "ArticleGraph")
    g.add(graph, PROV + "wasDerivedFrom", a)
    stamp = generated_at.isoformat(timespec="seconds")
    g.add(graph, PROV + "generatedAtTime", ox.Literal(stamp, datatype=_iri(XSD + "dateTime")))

    g.add(a, RDF + "type", SCHEMA + "Article")
    g.add(a, RDF + "type", PROV + "Entity")
    g.add(a, SCHEMA + "name", ox.Literal(article.title, language="en"))
    if subject:
        g.add(a, SCHEMA + "about", subject)
    g.add(a, SCHEMA + "encoding", text)
    g.add(text, RDF + "type", SCHEMA + "MediaObject")
    g.add(text, SCHEMA + "sha256", ox.Literal(article.sha256))
    g.add(text, SCHEMA + "encodingFormat", ox.Literal("text/plain; charset=utf-8"))
    g.add(text, SCHEMA + "text", ox.Literal(article.text))

    g.add(a, PROV + "wasGeneratedBy", activity)
    g.add(activity, RDF + "type", PROV + "Activity")
    g.add(activity, PROV + "wasAssociatedWith", agent)
    if article.no_retrieval:
        g.add(activity, ibi + "usedRetrieval", ox.Literal("false", datatype=_iri(XSD + "boolean")))
    g.add(agent, RDF + "type", PROV + "SoftwareAgent")
    g.add(agent, SCHEMA + "name", ox.Literal(article.model))
    if article.disclaimer:
        g.add(a, ibi + "disclaimer", ox.Literal(article.disclaimer, language="en"))
    if article.parent:
        g.add(a, ibi + "parentTitle", ox.Literal(article.parent, language="en"))
    if article.hop is not None:
        g.add(a, ibi + "hop", _int(article.hop))
    for category in article.categories:
        g.add(a, SCHEMA + "keywords", ox.Literal(category, language="en"))

    for stage in article.funnel:
        node = f"{graph}#funnel-{stage.number}"
        g.add(a, ibi + "funnelStage", node)
        g.add(node, RDF + "type", SCHEMA + "ListItem")
        g.add(node, SCHEMA + "position", _int(stage.number))
        g.add(node, SCHEMA + "name", ox.Literal(stage.name, language="en"))
        g.add(node, SCHEMA + "numberOfItems", _int(stage.count))
        if stage.note:
            g.add(node, SCHEMA + "description", ox.Literal(stage.note))

    sections: dict[str, str] = {}
    for n, section in enumerate(article.sections, 1):
        node = f"{graph}#section-{n}"
        g.add(a, SCHEMA + "hasPart", node)
        g.add(node, RDF + "type", SCHEMA + "CreativeWork")
        if section.heading is not None:
            g.add(node, SCHEMA + "name", ox.Literal(section.heading, language="en"))
            sections.setdefault(section.heading, node)
        g.add(node, SCHEMA + "position", _int(n))
        g.target(node, a, section.start, section.end, None)

    for m in mentions:
        _annotation(g, f"{graph}#mention-{m.start}-{m.end}", a, m)
    for cand in candidates:
        _annotation(g, f"{graph}#candidate-{cand.start}-{cand.end}", a, cand)
    quads = list(g.quads)
    for claim in claims:
        quads += claim_quads(claim, graph, settings, sections)
    return list(dict.fromkeys(quads))


def replace_verdicts(
    quads: Iterable[ox.Quad], claims: Iterable[Claim], settings: Settings
) -> list[ox.Quad]:
    """An article graph's quads with the verdicts of `claims` swapped for their new ones, e.g.
    after `verify_claims` ran again because curated data changed."""
    claims = list(claims)
    ibi = settings.ontology_ns
    ids = {c.iri for c in claims}
    quads = list(quads)
    evidence = {
        object_of(q).value
        for q in quads
        if subject_of(q).value in ids and q.predicate.value == ibi + "evidence"
    }
    verdict_props = {ibi + "verdict", ibi + "verdictReason", ibi + "evidence"}
    kept = [
        q
        for q in quads
        if subject_of(q).value not in evidence
        and not (subject_of(q).value in ids and q.predicate.value in verdict_props)
    ]
    graphs = {subject_of(q).value: graph_of(q).value for q in quads if subject_of(q).value in ids}
    new = [q for c in claims if c.iri in graphs for q in verdict_quads(c, graphs[c.iri], settings)]
    return list(dict.fromkeys(kept + new))


def read_claims(quads: Iterable[ox.Quad], settings: Settings) -> list[Claim]:
    """The claims stored in an article graph, with their verdicts: no re-parsing needed."""
    ibi = settings.ontology_ns
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    for q in quads:
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode | ox.Literal):
            by_subject.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(
                q.object
            )

    def one(node: str, prop: str) -> ox.NamedNode | ox.Literal | None:
        values = by_subject.get(node, {}).get(prop, [])
        return values[0] if values else None

    def text(node: str, prop: str) -> str | None:
        value = one(node, prop)
        return value.value if value is not None else None

    claims = []
    for node, props in by_subject.items():
        if ox.NamedNode(ibi + "Claim") not in props.get(RDF + "type", []):
            continue
        target = text(node, OA + "hasTarget") or ""
        selectors = [s.value for s in by_subject.get(target, {}).get(OA + "hasSelector", [])]
        pos = next((s for s in selectors if s.endswith("-position")), None)
        quote = next((s for s in selectors if s.endswith("-quote")), None)
        obj = one(node, RDF + "object")
        section = text(node, SCHEMA + "isPartOf")
        verdict = text(node, ibi + "verdict")
        evidence = [
            Evidence(
                graph=text(e.value, PROV + "wasDerivedFrom") or "",
                source_url=text(e.value, PROV + "hadPrimarySource"),
                statement=text(e.value, SCHEMA + "text") or "",
            )
            for e in props.get(ibi + "evidence", [])
        ]
        claims.append(
            Claim(
                iri=node,
                subject=text(node, RDF + "subject"),
                property=text(node, RDF + "predicate") or "",
                value=obj.value if obj is not None else "",
                value_is_iri=isinstance(obj, ox.NamedNode),
                text=(text(quote, OA + "exact") if quote else None) or "",
                start=text_offset(text(pos, OA + "start")) if pos else 0,
                end=text_offset(text(pos, OA + "end")) if pos else 0,
                section=text(section, SCHEMA + "name") if section else None,
                rule=text(node, ibi + "extractionRule") or "",
                verdict=verdict[len(ibi) :]
                if verdict and verdict[len(ibi) :] in VERDICTS
                else None,
                evidence=tuple(sorted(evidence, key=lambda e: (e.graph, e.statement))),
                reason=text(node, ibi + "verdictReason"),
            )
        )
    return sorted(claims, key=lambda c: (c.start, c.end, c.rule, c.property, c.value))


def text_offset(value: str | None) -> int:
    """A text offset as stored; 0 when it is missing or not a number (a hand-edited graph),
    so reading claims never fails on one malformed node."""
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
