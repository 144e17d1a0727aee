"""Claims from an article's infobox: each labelled pair is one claim, or one per entity it
links ("Members: X, Y" -> X memberOf the subject, Y memberOf the subject)."""

from __future__ import annotations

from collections.abc import Iterator

from ..rdf.vocab import SCHEMA
from .article import Article
from .patterns import YEAR, class_for
from .rules import Context, Draft

__all__ = ["infobox_claims"]


# --- infobox -----------------------------------------------------------------------------------

# label -> (property CURIE, how to read the value)
_INFOBOX: dict[str, tuple[str, str]] = {
    "Name": ("schema:name", "text"),
    "Abbreviation": ("schema:alternateName", "text"),
    "Founded": ("schema:foundingDate", "year"),
    "Established": ("schema:foundingDate", "year"),
    "Launched": ("schema:foundingDate", "year"),
    "Formation": ("schema:foundingDate", "year"),
    "Dissolved": ("schema:dissolutionDate", "year"),
    "Website": ("schema:url", "text"),
    "Focus": ("ibi:focusArea", "topics"),
    "Purpose": ("ibi:focusArea", "topics"),
    "Field": ("ibi:focusArea", "topics"),
    "Fields": ("ibi:focusArea", "topics"),
    "Key people": ("schema:employee", "text"),
    "Leader": ("schema:employee", "text"),
    "Director": ("schema:employee", "text"),
    "Founder": ("schema:founder", "entities"),
    "Founders": ("schema:founder", "entities"),
    "Members": ("schema:member", "members"),
    "Participants": ("schema:member", "members"),
    "Funding": ("schema:funder", "entities"),
    "Headquarters": ("schema:location", "places"),
    "Location": ("schema:location", "places"),
    "Country": ("schema:location", "places"),
    "Region": ("schema:location", "places"),
    "Area served": ("schema:location", "places"),
    "Parent organization": ("schema:parentOrganization", "entities"),
    "Affiliations": ("schema:memberOf", "entities"),
    "Type": ("rdf:type", "class"),
}


def infobox_claims(ctx: Context, article: Article) -> Iterator[Draft]:
    """Each labelled infobox pair -> one claim, or one per entity it links."""
    subject = ctx.subject
    for pair in article.infobox:
        if pair.key is None:
            continue
        curie, kind = _INFOBOX.get(pair.key, ("schema:additionalProperty", "other"))
        prop, rule = ctx.iri(curie), "infobox-" + pair.key.lower().replace(" ", "-")
        inside = [m for m in ctx.mentions if pair.start <= m.start and m.end <= pair.end]
        picked = {
            "entities": [m for m in inside if not ctx.index.is_place(m.iri) and m.iri != subject],
            "members": [m for m in inside if not ctx.index.is_place(m.iri) and m.iri != subject],
            "places": [m for m in inside if ctx.index.is_place(m.iri)],
            "topics": [m for m in inside if ctx.index.is_concept(m.iri)],
        }.get(kind, [])
        for m in picked:
            if kind == "members":  # "Members: X" is "X memberOf <subject>"
                yield Draft(m.iri, SCHEMA + "memberOf", subject or "", bool(subject), m.start,
                             m.end, rule)  # fmt: skip
            else:
                yield Draft(subject, prop, m.iri, True, m.start, m.end, rule)
        if picked:
            continue
        value, is_iri = pair.value, False
        if kind == "year" and (y := YEAR.search(pair.value)):
            value = y.group()
        elif kind == "class" and (cls := class_for(pair.value, ctx.settings)):
            value, is_iri = cls, True
        elif kind == "other":
            value = f"{pair.key}: {pair.value}"
        yield Draft(subject, prop, value, is_iri, pair.start, pair.end, rule)
