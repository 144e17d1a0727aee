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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from ..config import Settings
from ..rdf.vocab import RDF, SCHEMA
from .article import Article, Paragraph, sentences
from .mentions import Candidate, Linking, Mention, passages
from .names import NameIndex

__all__ = [
    "CONTRADICTED",
    "SUPPORTED",
    "UNVERIFIABLE",
    "VERDICTS",
    "Claim",
    "Evidence",
    "article_subject",
    "claim_iri",
    "class_for",
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


# --- classes an article can name ---------------------------------------------------------------

# (pattern for the noun, singular or plural; class as a CURIE). Longer phrases first.
_CLASSES: tuple[tuple[str, str], ...] = (
    (r"training\s+program(?:me)?s?", "schema:EducationalOccupationalProgram"),
    (r"national\s+brain\s+(?:projects?|initiatives?)", "ibi:NationalBrainProject"),
    (r"brain\s+(?:initiatives?|projects?)", "ibi:BrainInitiative"),
    (r"data\s+standards?", "ibi:DataStandard"),
    (r"(?:research\s+|software\s+)?platforms?", "ibi:ResearchPlatform"),
    (r"research\s+infrastructures?|infrastructures?", "ibi:ResearchInfrastructure"),
    (
        r"funding\s+(?:agenc(?:y|ies)|bod(?:y|ies)|organi[sz]ations?)|agenc(?:y|ies)|funders?",
        "ibi:FundingAgency",
    ),
    (r"foundations?", "ibi:Foundation"),
    (r"research\s+institutes?|institutes?", "ibi:ResearchInstitute"),
    (r"universit(?:y|ies)", "ibi:University"),
    (r"consorti(?:um|a)|coalitions?|alliances?|collaborations?", "ibi:Consortium"),
    (r"(?:scientific\s+)?societ(?:y|ies)", "ibi:ScientificSociety"),
    (r"conferences?|(?:scientific\s+)?meetings?", "ibi:ScientificMeeting"),
    (r"(?:scientific\s+)?journals?|periodicals?", "schema:Periodical"),
    (r"neurotechnolog(?:y|ies)", "ibi:Neurotechnology"),
    (r"diseases?|disorders?", "schema:MedicalCondition"),
    (r"organi[sz]ations?|institutions?|bod(?:y|ies)", "schema:Organization"),
)
_CLASS_ALTS = "|".join(p for p, _ in _CLASSES)


def _expand(curie: str, settings: Settings) -> str:
    prefix, local = curie.split(":", 1)
    return {"ibi": settings.ontology_ns, "schema": SCHEMA, "rdf": RDF}[prefix] + local


def class_for(noun: str, settings: Settings) -> str | None:
    """The class a noun phrase names ("global consortium" -> ibi:Consortium), if any."""
    for pattern, curie in _CLASSES:
        if re.search(rf"\b(?:{pattern})\b", noun, re.IGNORECASE):
            return _expand(curie, settings)
    return None


# --- sentence-level patterns -------------------------------------------------------------------

_GENERIC = (
    r"initiative|consortium|alliance|coalition|project|programme|program|organi[sz]ation|"
    r"standard|format|collaboration|network|institute|foundation|agency|platform|society|"
    r"journal|laboratory|lab"
)
_ANAPHOR = re.compile(rf"(?:It|Its)\b|(?:The|This)\s+(?:{_GENERIC})\b")
_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|remains?|aims?|seeks?|integrates?|"
    r"focus(?:es)?|includes?|included|represents?|started|began|defines?|published)\b"
)
_DET = re.compile(r"(?:[Tt]he|[Ii]ts|[Tt]heir|[Aa]n?)\s+")
_POSS = re.compile(r"[A-Z][\w/.\-]*(?:\s+[A-Z][\w/.\-]*)*['\u2019]s\s+")
_ADJ = re.compile(r"[a-z][\w\-]*\s+")
_PAREN = re.compile(r"\s*\([^()]*\)")
_DESCRIPTOR = re.compile(
    r"\s+(?:platform|project|programme|program|initiative|activities|efforts?|team|group|"
    r"network|consortium|annual\s+meeting|meeting|conference)s?\b"
)
_SEP = re.compile(
    r"\s+(?:together\s+with|along\s+with|as\s+well\s+as)\s+(?:[\w\-]+,?\s+){0,4}?"
    r"(?:e\.g\.,?|such\s+as|like|including)\s+"
    r"|,?\s+(?:e\.g\.,?|such\s+as|including)\s+|,?\s+(?:and|or)\s+|,\s+"
)
_BRIDGE = re.compile(r"(?:[\w'\u2019\-]+,?\s+){0,6}?(?:like|such\s+as|including|e\.g\.,?)\s+")
# What may stand between a subject and its verb phrase: "X, which was formally launched …".
_GAP = re.compile(
    r"\s*,?\s*(?:which\s+|that\s+)?(?:(?:is|are|was|were|has\s+been)\s+)?"
    r"(?:(?:formally|officially|first|originally|also|jointly)\s+)?"
)
_QUANTIFIED = re.compile(
    r"\b(?:each|every|all|other|several|many|some|most)\s+(?:[a-z][\w\-]*\s+){0,3}$"
)

_MEMBER_LIST = re.compile(
    r"\b(?:founding\s+)?(?:member|partner)s?(?:\s+(?:projects?|initiatives?|organi[sz]ations?))?"
    r"(?:\s+\w+){0,2}?\s+(?:include[sd]?|are|were|comprise[sd]?)\s+"
    r"|\b(?:is|are|was|were)\s+represented\s+by\s+"
    r"|\bcontributing\s+efforts\s+include\s+"
    r"|\b(?:member|partner)\s+projects?,?\s+(?=such\s+as|like|including)"
)
_IS_MEMBER = re.compile(
    r"\b(?:is|was|became|remains)\s+(?:also\s+)?(?:an?|one\s+of\s+the)\s+"
    r"(?:[a-z][\w\-]*\s+){0,2}?(?:member|partner|participant)s?\b(?P<of>\s+(?:of|in)\s+)?"
    r"|\bjoined\s+(?P<joined>)"
)
_REPRESENTS = re.compile(r"\brepresents\s+(?:[\w'\u2019\-]+\s+){0,3}?in\s+")
_FOUNDED = re.compile(
    r"\b(?:launched|established|founded|formed|started|created|set\s+up|inaugurated|began|"
    r"initiated)\s+(?:in\s+)?(?:(?:early|mid|late|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)[\s\-]+)?(?P<year>1[89]\d\d|20\d\d)\b"
)
_LED = re.compile(r"-led\s+(?:the\s+)?")
_LED_BY = re.compile(r"\bled\s+by\s+")
_FUNDED = re.compile(r"\b(?:supported|funded|financed|sponsored|backed)\s+(?:\w+ly\s+)?by\s+")
_HOSTED = re.compile(r"\bhosted\s+by\s+|\b(?:an?|the)\s+(?:division|unit)\s+of\s+")
_FOCUS = re.compile(r"\b(?:focus(?:es|ed|ing)?|concentrat(?:es|ed|ing))\s+on\s+")
_PLACE_AFTER = re.compile(
    r",?\s+(?:(?:which\s+is\s+)?(?:based|headquartered|located)\s+)?(?:in|across)\s+(?:the\s+)?"
)
_SUFFIX = re.compile(r"\s+(?P<noun>platform|data\s+standard)\b")
_ALIAS = re.compile(r"\s*\((?P<alias>[A-Z][^()]{1,80})\)")
_IS_A = re.compile(
    rf"\b(?:is|was|remains)\s+(?:an?|one\s+of\s+the)\s+(?:[a-z][\w\-]*\s+){{0,3}}?"
    rf"(?P<noun>{_CLASS_ALTS})\b"
)
_SUCH_AS = re.compile(
    rf"\b(?P<noun>{_CLASS_ALTS})\s*,?\s+(?:like|such\s+as|including|e\.g\.,?)\s+", re.IGNORECASE
)
_TRAINING = re.compile(
    r"\btraining\b[^.;]{0,80}?\bprogram(?:me)?s\s+(?:like|such\s+as|including)\s+"
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class _Item:
    """A name in a list: a mention (iri) or a candidate (iri None), with what came around it."""

    iri: str | None
    start: int
    end: int
    described: bool  # followed by a descriptor ("CBRAIN platform"): not a type statement


@dataclass(frozen=True)
class _Draft:
    subject: str | None
    prop: str
    value: str
    is_iri: bool
    start: int
    end: int
    rule: str


@dataclass
class _Sentence:
    start: int
    end: int
    subject: str | None = None


class _Context:
    """What the rules read: the text, the linked names by position, and the article subject."""

    def __init__(
        self, article: Article, linking: Linking, index: NameIndex, settings: Settings
    ) -> None:
        self.text = article.text
        self.index = index
        self.settings = settings
        self.subject = article_subject(article, index)
        self.mentions = linking.mentions
        self.by_start: dict[int, Mention | Candidate] = {c.start: c for c in linking.candidates}
        self.by_start |= {m.start: m for m in linking.mentions}

    def iri(self, curie: str) -> str:
        return _expand(curie, self.settings)

    def name_at(self, pos: int) -> Mention | Candidate | None:
        return self.by_start.get(pos)

    def mention_ending(self, pos: int, s: _Sentence) -> Mention | None:
        """The mention that ends right before `pos` (spaces, a comma, a verb allowed between)."""
        best = None
        for m in self.mentions:
            if s.start <= m.start and m.end <= pos and _GAP.fullmatch(self.text, m.end, pos):
                best = m
        return best

    def in_sentence(self, s: _Sentence) -> list[Mention]:
        return [m for m in self.mentions if s.start <= m.start and m.end <= s.end]


def article_subject(article: Article, index: NameIndex) -> str | None:
    """The entity the article is about: the one curated entity its title names."""
    iris = index.lookup(article.title)
    return next(iter(iris)) if len(iris) == 1 else None


def claim_iri(graph: str, rule: str, start: int, end: int, prop: str, value: str) -> str:
    """Stable claim IRI: re-ingesting the same text yields the same IRIs."""
    key = "\x1f".join((rule, str(start), str(end), prop, value)).encode()
    return f"{graph}#claim-{hashlib.sha256(key).hexdigest()[:12]}"


def _sentence_subject(ctx: _Context, s: _Sentence) -> str | None:
    """Whom a sentence is about: the article subject after "It/Its/The initiative …", else the
    mention it opens with (at most three other words before it, none a verb, not a possessor
    ("Japan's") or a modifier ("X-led"))."""
    text = ctx.text
    if _ANAPHOR.match(text, s.start, s.end):
        return ctx.subject
    covered = s.start
    words: list[str] = []
    for m in ctx.in_sentence(s):
        words += text[covered : m.start].split()
        if len(words) > 3 or any(_VERB.fullmatch(w) for w in words):
            return None
        if not re.match(r"-led\b|['\u2019]s\b", text[m.end : m.end + 4]):
            return m.iri
        covered = m.end
    return None


def _item_at(ctx: _Context, pos: int, stop: int) -> tuple[_Item, int] | None:
    """One list item at `pos`: [the] [Place's] [≤2 lowercase words] Name [(…)] [descriptor];
    returns it and where a separator may follow."""
    text = ctx.text
    if m := _DET.match(text, pos, stop):
        pos = m.end()
    if m := _POSS.match(text, pos, stop):  # "Japan's": the place claim is the location rule's
        pos = m.end()
    for _ in range(3):
        if (name := ctx.name_at(pos)) is not None:
            break
        if not (m := _ADJ.match(text, pos, stop)):
            return None
        pos = m.end()
    else:
        return None
    end = q = name.end
    if m := _PAREN.match(text, q, stop):
        q = m.end()
    described = False
    if not _SEP.match(text, q, stop) and (m := _DESCRIPTOR.match(text, q, stop)):
        described, q = True, m.end()
    iri = name.iri if isinstance(name, Mention) else None
    return _Item(iri, name.start, end, described), q


def _list_at(ctx: _Context, pos: int, stop: int) -> list[_Item]:
    """Names listed from `pos` ("A, B and C"), directly or after a bridge ("… such as")."""
    for start in (pos, m.end() if (m := _BRIDGE.match(ctx.text, pos, stop)) else None):
        if start is None:
            continue
        items: list[_Item] = []
        while got := _item_at(ctx, start, stop):
            items.append(got[0])
            if not (sep := _SEP.match(ctx.text, got[1], stop)):
                break
            start = sep.end()
        if items:
            return items
    return []


def _subject_before(ctx: _Context, s: _Sentence, pos: int) -> str | None:
    """Who a verb phrase at `pos` is about: the adjacent mention, nobody after a quantified
    noun phrase ("each member project supported by …"), else the sentence subject."""
    if m := ctx.mention_ending(pos, s):
        return m.iri
    if _QUANTIFIED.search(ctx.text, s.start, pos):
        return None
    return s.subject


# Each rule yields drafts for one sentence.


def _members(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    memberof = SCHEMA + "memberOf"
    text = ctx.text
    for m in _MEMBER_LIST.finditer(text, s.start, s.end):
        for item in _list_at(ctx, m.end(), s.end):
            if ctx.subject and item.iri != ctx.subject:
                value = ctx.subject
                yield _Draft(item.iri, memberof, value, True, m.start(), item.end, "member-list")
    for m in _IS_MEMBER.finditer(text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        if m.group("of") is not None or m.group("joined") is not None:
            items = _list_at(ctx, m.end(), s.end)[:1]
            targets = [(i.iri, i.end) for i in items if i.iri]
        else:
            targets = [(ctx.subject, m.end())] if ctx.subject else []
        for org, end in targets:
            if org and org != subject:
                start = _span_start(ctx, s, subject, m.start())
                yield _Draft(subject, memberof, org, True, start, end, "member-is-member")
    for m in _REPRESENTS.finditer(text, s.start, s.end):
        for item in _list_at(ctx, m.end(), s.end)[:1]:
            if item.iri and s.subject != item.iri:
                yield _Draft(
                    s.subject, memberof, item.iri, True, m.start(), item.end, "member-represents"
                )


def _span_start(ctx: _Context, s: _Sentence, subject: str | None, pos: int) -> int:
    """Start a claim's span at its subject's mention when that is in the same sentence."""
    starts = [m.start for m in ctx.in_sentence(s) if m.iri == subject and m.start < pos]
    return starts[0] if starts else pos


def _founding(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    for m in _FOUNDED.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        yield _Draft(
            subject, SCHEMA + "foundingDate", m.group("year"), False, m.start(), m.end(),
            "founding-year",
        )  # fmt: skip


def _leaders(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    lead = ctx.iri("ibi:leadAgency")
    for m in _LED.finditer(ctx.text, s.start, s.end):
        agency = next((x for x in ctx.in_sentence(s) if x.end == m.start()), None)
        led = ctx.name_at(m.end())
        if agency and isinstance(led, Mention):
            yield _Draft(led.iri, lead, agency.iri, True, agency.start, led.end, "lead-agency")
    for m in _LED_BY.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        for item in _list_at(ctx, m.end(), s.end)[:1]:
            if item.iri:
                yield _Draft(subject, lead, item.iri, True, m.start(), item.end, "lead-agency")


def _funders(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    for m in _FUNDED.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        for item in _list_at(ctx, m.end(), s.end):
            value = item.iri or ctx.text[item.start : item.end]
            yield _Draft(
                subject, SCHEMA + "funder", value, bool(item.iri), m.start(), item.end, "funder"
            )


def _parents(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    for m in _HOSTED.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        for item in _list_at(ctx, m.end(), s.end)[:1]:
            if item.iri:
                yield _Draft(
                    subject, SCHEMA + "parentOrganization", item.iri, True, m.start(), item.end,
                    "parent-organization",
                )  # fmt: skip


def _focus(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    text, focus = ctx.text, ctx.iri("ibi:focusArea")
    for m in _FOCUS.finditer(text, s.start, s.end):
        which = re.search(r",\s*which\s+$", text[s.start : m.start()])
        subject = _subject_before(ctx, s, m.start() - (len(which.group()) if which else 0))
        topics = [
            x for x in ctx.in_sentence(s) if x.start >= m.end() and ctx.index.is_concept(x.iri)
        ]
        for t in topics:
            yield _Draft(subject, focus, t.iri, True, m.start(), t.end, "focus")
        if not topics:
            clause = re.match(r"[^,.;()]+", text[m.end() : s.end])
            if clause and clause.group().strip():
                end = m.end() + len(clause.group().rstrip())
                yield _Draft(subject, focus, text[m.end() : end], False, m.start(), end, "focus")


def _places(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    text, location = ctx.text, SCHEMA + "location"
    for x in ctx.in_sentence(s):
        if ctx.index.is_place(x.iri):
            poss = re.match(r"['\u2019]s\s+", text[x.end : s.end])
            owned = ctx.name_at(x.end + len(poss.group())) if poss else None
            if isinstance(owned, Mention) and not ctx.index.is_place(owned.iri):
                yield _Draft(owned.iri, location, x.iri, True, x.start, owned.end, "location")
            continue
        if m := _PLACE_AFTER.match(text, x.end, s.end):
            place = ctx.name_at(m.end())
            if isinstance(place, Mention) and ctx.index.is_place(place.iri):
                yield _Draft(x.iri, location, place.iri, True, x.start, place.end, "location")


def _types(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    text, rdf_type = ctx.text, RDF + "type"
    for m in _IS_A.finditer(text, s.start, s.end):
        if "," in re.sub(r"\([^()]*\)", "", text[s.start : m.start()]):
            continue  # not the main clause
        cls = class_for(m.group("noun"), ctx.settings)
        if cls and s.subject:
            start = _span_start(ctx, s, s.subject, m.start())
            yield _Draft(s.subject, rdf_type, cls, True, start, m.end(), "type-is-a")
    for pattern, rule in ((_SUCH_AS, "type-such-as"), (_TRAINING, "type-training-programme")):
        for m in pattern.finditer(text, s.start, s.end):
            noun = m.group("noun") if rule == "type-such-as" else "training programme"
            cls = class_for(noun, ctx.settings)
            for item in _list_at(ctx, m.end(), s.end) if cls else []:
                if item.iri and not item.described:  # cls is set: else there are no items
                    yield _Draft(
                        item.iri, rdf_type, cast(str, cls), True, m.start(), item.end, rule
                    )
    for x in ctx.in_sentence(s):
        if (suffix := _SUFFIX.match(text, x.end, s.end)) and not ctx.index.is_place(x.iri):
            cls = class_for(suffix.group("noun"), ctx.settings)
            if cls:
                yield _Draft(x.iri, rdf_type, cls, True, x.start, suffix.end(), "type-suffix")


def _aliases(ctx: _Context, s: _Sentence) -> Iterator[_Draft]:
    for x in ctx.in_sentence(s):
        if m := _ALIAS.match(ctx.text, x.end, s.end):
            alias = m.group("alias").strip()
            inner = ctx.name_at(m.start("alias"))
            if isinstance(inner, Mention) and inner.iri != x.iri:
                continue  # "(X)" names another entity: not an alias
            yield _Draft(x.iri, SCHEMA + "alternateName", alias, False, x.start, m.end(), "alias")


_RULES = (_members, _founding, _leaders, _funders, _parents, _focus, _places, _types, _aliases)


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


def _infobox(ctx: _Context, article: Article) -> Iterator[_Draft]:
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
                yield _Draft(m.iri, SCHEMA + "memberOf", subject or "", bool(subject), m.start,
                             m.end, rule)  # fmt: skip
            else:
                yield _Draft(subject, prop, m.iri, True, m.start, m.end, rule)
        if picked:
            continue
        value, is_iri = pair.value, False
        if kind == "year" and (y := _YEAR.search(pair.value)):
            value = y.group()
        elif kind == "class" and (cls := class_for(pair.value, ctx.settings)):
            value, is_iri = cls, True
        elif kind == "other":
            value = f"{pair.key}: {pair.value}"
        yield _Draft(subject, prop, value, is_iri, pair.start, pair.end, rule)


# --- entry point -------------------------------------------------------------------------------


def extract_claims(
    article: Article, linking: Linking, index: NameIndex, settings: Settings, graph: str
) -> list[Claim]:
    """Every claim the rules find in the infobox, the lead and the sections, in text order."""
    ctx = _Context(article, linking, index, settings)
    drafts: list[tuple[_Draft, str | None]] = [(d, None) for d in _infobox(ctx, article)]
    for p in passages(article):
        if p.kind == "infobox":
            continue
        start = article.lead_sentence_start if p.kind == "lead" else p.start
        para = Paragraph(article.text[start : p.end], start, p.end)
        for a, b in sentences(para):
            s = _Sentence(a, b)
            s.subject = _sentence_subject(ctx, s)
            drafts += [(d, p.section) for rule in _RULES for d in rule(ctx, s)]
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
