"""Rule-based claim extraction: what an article asserts, as (subject, property, value) triples.

Every claim records the rule that produced it, and its exact span in `Article.text`. Rules read
one sentence at a time and only look at linked mentions and candidates (`mentions.py`), so they
never consult curated *facts*; the names index is used only to tell places and topics apart.

Rules (ids as stored in `ibi:extractionRule`):

    infobox-<label>         each infobox pair: Founded -> foundingDate, Website -> url, …
    member-list             "member projects include / founding partners … included /
                            is represented by / contributing efforts include  X, Y and Z"
                            -> X memberOf <article subject>
    member-is-member        "X is a (primary|founding) member [of Y]", "X joined Y"
    member-represents       "X represents <place> in Y"
    founding-year           "launched / established / founded / formed / started in 2017"
    lead-agency             "National Institutes of Health-led BRAIN Initiative", "led by X"
    funder                  "supported / funded by X" (also after "… such as")
    parent-organization     "hosted by X", "a division of X"
    focus                   "focusing / focuses on …" (linked topics, else the phrase)
    location                "Japan's Brain/MINDS", "X in the United States", "X, based in P"
    type-is-a               "X is a (global) consortium / data standard / …"
    type-such-as            "journals like Nature and Science", "bodies like the OECD"
    type-training-programme "training … through programs like X"
    type-suffix             "the CBRAIN platform"
    alias                   "Brain/MINDS (Brain Mapping by …)" -> alternateName

Subjects: the article's subject (the entity named by the title) when a sentence speaks of
"it / its / the initiative / the consortium …"; otherwise the linked mention the rule names;
None when neither applies ("each member project …"): such claims stay unverifiable.
Membership is stored in the curated direction: the member is the subject, `schema:memberOf`
the property and the organization the value (project memberOf IBI).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..config import Settings
from .article import Article, Paragraph, sentences
from .infobox import infobox_claims
from .mentions import Linking, passages
from .names import NameIndex
from .rules import RULES, Context, Draft, Sentence, article_subject, sentence_subject

__all__ = [
    "CONTRADICTED",
    "SUPPORTED",
    "UNVERIFIABLE",
    "VERDICTS",
    "Claim",
    "Evidence",
    "article_subject",
    "claim_iri",
    "extract_claims",
]

SUPPORTED, CONTRADICTED, UNVERIFIABLE = "supported", "contradicted", "unverifiable"
VERDICTS = (SUPPORTED, CONTRADICTED, UNVERIFIABLE)


@dataclass(frozen=True)
class Evidence:
    """A curated fact bearing on a claim: the source graph, its source URL and the fact in words."""

    graph: str
    source_url: str | None
    statement: str


@dataclass(frozen=True)
class Claim:
    """One assertion of an article, reified; `value` is an IRI if `value_is_iri`, else a literal's
    lexical form. `verdict`, `evidence` and `reason` are filled in by `verify_claims`."""

    iri: str
    subject: str | None
    property: str
    value: str
    value_is_iri: bool
    text: str
    start: int
    end: int
    section: str | None
    rule: str
    verdict: str | None = None
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None


def claim_iri(graph: str, rule: str, start: int, end: int, prop: str, value: str) -> str:
    """Stable claim IRI: re-ingesting the same text yields the same IRIs."""
    key = "\x1f".join((rule, str(start), str(end), prop, value)).encode()
    return f"{graph}#claim-{hashlib.sha256(key).hexdigest()[:12]}"


def extract_claims(
    article: Article, linking: Linking, index: NameIndex, settings: Settings, graph: str
) -> list[Claim]:
    """Every claim the rules find in the infobox, the lead and the sections, in text order."""
    ctx = Context(article, linking, index, settings)
    drafts: list[tuple[Draft, str | None]] = [(d, None) for d in infobox_claims(ctx, article)]
    for p in passages(article):
        if p.kind == "infobox":
            continue
        start = article.lead_sentence_start if p.kind == "lead" else p.start
        para = Paragraph(article.text[start : p.end], start, p.end)
        for a, b in sentences(para):
            s = Sentence(a, b)
            s.subject = sentence_subject(ctx, s)
            drafts += [(d, p.section) for rule in RULES for d in rule(ctx, s)]
    claims: dict[tuple[object, ...], Claim] = {}
    for d, section in drafts:
        if d.value == "" or (d.is_iri and d.value == d.subject):
            continue
        key = (d.subject, d.prop, d.value, d.start, d.end)
        claims.setdefault(
            key,
            Claim(
                iri=claim_iri(graph, d.rule, d.start, d.end, d.prop, d.value),
                subject=d.subject,
                property=d.prop,
                value=d.value,
                value_is_iri=d.is_iri,
                text=article.text[d.start : d.end],
                start=d.start,
                end=d.end,
                section=section,
                rule=d.rule,
            ),
        )
    return sorted(claims.values(), key=lambda c: (c.start, c.end, c.rule, c.property, c.value))
