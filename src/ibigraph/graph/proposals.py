"""A curator's proposed fact with its source, as the quads a write adds: the fact in a source
graph of its own, named after the source's URL, and that graph's description (what the shapes
ask of every source graph). A correction also names the value it replaces, which the write
removes from every source that states it. Used by the curator form; the write then goes through
the same SHACL-gated path as every other."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from ..config import Settings
from ..errors import InvalidParameter
from ..rdf.terms import Term
from ..rdf.vocab import DCTERMS, RDF, SCHEMA, XSD, prefixes

__all__ = ["PROPOSABLE", "Proposal", "proposal_quads", "replaced_values"]

# property -> (what its value is, label): "text" a literal with a language, "date" a year or a
# day, "web" an http(s) IRI, "entity" an entity of the graph (slug or IRI)
PROPOSABLE = {
    "alternateName": ("text", "Other name or acronym"),
    "description": ("text", "Description"),
    "foundingDate": ("date", "Founding date"),
    "dissolutionDate": ("date", "End date"),
    "url": ("web", "Web site"),
    "sameAs": ("web", "Same as (e.g. a Wikidata or ROR IRI)"),
    "location": ("entity", "Location"),
    "areaServed": ("entity", "Area served"),
    "funder": ("entity", "Funder"),
    "memberOf": ("entity", "Member of"),
    "parentOrganization": ("entity", "Parent organisation"),
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


@dataclass(frozen=True)
class Proposal:
    entity: str  # a slug or an entity IRI
    prop: str  # a key of PROPOSABLE
    value: str
    language: str
    source_url: str
    source_title: str
    publisher: str
    replaces: str = ""  # a correction: the current value it replaces


def replaced_values(p: Proposal, current: Iterable[Term], settings: Settings) -> list[Term]:
    """The current values (of the proposal's entity and property) that its correction names:
    a text or date by its characters, an address or entity by its IRI or slug. None named
    when it is no correction; InvalidParameter when it names no current value."""
    wanted = p.replaces.strip()
    if not wanted:
        return []
    current = list(current)
    named = [
        v
        for v in current
        if v.value == wanted
        or (isinstance(v, ox.NamedNode) and v.value == settings.entity_ns + wanted)
    ]
    if not named:
        values = ", ".join(sorted(v.value.removeprefix(settings.entity_ns) for v in current))
        label = PROPOSABLE.get(p.prop, ("", p.prop))[1].lower()
        raise InvalidParameter(
            f"replaces: {p.entity.strip()} has no {label} {wanted!r}"
            + (f"; its values: {values[:500]}" if values else "; it has none")
        )
    return named


def _web(text: str, what: str) -> ox.NamedNode:
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", text):
        raise InvalidParameter(f"{what}: an http(s) address, without spaces")
    return ox.NamedNode(text)


def _entity(text: str, settings: Settings, what: str) -> ox.NamedNode:
    slug = text.removeprefix(settings.entity_ns)
    if not _SLUG.match(slug):
        raise InvalidParameter(f"{what}: an entity of the graph, e.g. human-brain-project")
    return ox.NamedNode(settings.entity_ns + slug)


def proposal_quads(p: Proposal, settings: Settings, today: date) -> list[ox.Quad]:
    """The quads that record `p`; InvalidParameter names the field that is wrong."""
    if p.prop not in PROPOSABLE:
        raise InvalidParameter(f"property: one of {', '.join(PROPOSABLE)}")
    kind, _ = PROPOSABLE[p.prop]
    subject = _entity(p.entity.strip(), settings, "entity")
    value = p.value.strip()
    if not value or len(value) > 2000:
        raise InvalidParameter("value: between 1 and 2000 characters")
    term: ox.NamedNode | ox.Literal
    if kind == "text":
        language = p.language.strip() or "en"
        if not _LANG.match(language):
            raise InvalidParameter("language: a language tag such as en, fr or ja")
        term = ox.Literal(value, language=language)
    elif kind == "date":
        if not _DATE.match(value):
            raise InvalidParameter("value: a year (2013), a month (2013-10) or a day (2013-10-01)")
        datatype = {4: "gYear", 7: "gYearMonth", 10: "date"}[len(value)]
        term = ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    elif kind == "web":
        term = _web(value, "value")
    else:
        term = _entity(value, settings, "value")
    source = _web(p.source_url.strip(), "source URL")
    title, publisher = p.source_title.strip(), p.publisher.strip()
    if not title or not publisher or len(title) > 500 or len(publisher) > 500:
        raise InvalidParameter("source title and publisher: each 1 to 500 characters")
    digest = hashlib.blake2b(source.value.encode(), digest_size=6).hexdigest()
    graph = ox.NamedNode(f"{prefixes(settings.base)['src']}curated-{digest}")
    day = ox.Literal(today.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    # the source graph's description, in the default graph as every source graph's is
    described: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        (RDF + "type", ox.NamedNode(settings.ontology_ns + "SourceGraph")),
        (DCTERMS + "source", source),
        (DCTERMS + "title", ox.Literal(title, language="en")),
        (DCTERMS + "publisher", ox.Literal(publisher)),
        (DCTERMS + "date", day),
    ]
    fact = ox.Quad(subject, ox.NamedNode(SCHEMA + p.prop), term, graph)
    return [fact, *(ox.Quad(graph, ox.NamedNode(k), v, ox.DefaultGraph()) for k, v in described)]
