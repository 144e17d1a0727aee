"""The sentence rules of claim extraction (their ids and what they read are listed in
`claims.py`): each rule reads one sentence through a `Context` (the text, the linked names by
position, the article subject) and yields `Draft` claims."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from ..config import Settings
from ..rdf.vocab import RDF, SCHEMA
from .article import Article
from .mentions import Candidate, Linking, Mention
from .names import NameIndex
from .patterns import (
    ADJ,
    ALIAS,
    ANAPHOR,
    BRIDGE,
    DESCRIPTOR,
    DET,
    FOCUS,
    FOUNDED,
    FUNDED,
    GAP,
    HOSTED,
    IS_A,
    IS_MEMBER,
    LED,
    LED_BY,
    MEMBER_LIST,
    PAREN,
    PLACE_AFTER,
    POSS,
    QUANTIFIED,
    REPRESENTS,
    SEP,
    SUCH_AS,
    SUFFIX,
    TRAINING,
    VERB,
    class_for,
    expand_curie,
)

__all__ = ["RULES", "Context", "Draft", "Item", "Sentence", "article_subject", "sentence_subject"]


@dataclass(frozen=True)
class Item:
    """A name in a list: a mention (iri) or a candidate (iri None), with what came around it."""

    iri: str | None
    start: int
    end: int
    described: bool  # followed by a descriptor ("CBRAIN platform"): not a type statement


@dataclass(frozen=True)
class Draft:
    subject: str | None
    prop: str
    value: str
    is_iri: bool
    start: int
    end: int
    rule: str


@dataclass
class Sentence:
    start: int
    end: int
    subject: str | None = None


class Context:
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
        return expand_curie(curie, self.settings)

    def name_at(self, pos: int) -> Mention | Candidate | None:
        return self.by_start.get(pos)

    def mention_ending(self, pos: int, s: Sentence) -> Mention | None:
        """The mention that ends right before `pos` (spaces, a comma, a verb allowed between)."""
        best = None
        for m in self.mentions:
            if s.start <= m.start and m.end <= pos and GAP.fullmatch(self.text, m.end, pos):
                best = m
        return best

    def in_sentence(self, s: Sentence) -> list[Mention]:
        return [m for m in self.mentions if s.start <= m.start and m.end <= s.end]


def article_subject(article: Article, index: NameIndex) -> str | None:
    """The entity the article is about: the one curated entity its title names."""
    iris = index.lookup(article.title)
    return next(iter(iris)) if len(iris) == 1 else None


def sentence_subject(ctx: Context, s: Sentence) -> str | None:
    """Whom a sentence is about: the article subject after "It/Its/The initiative …", else the
    mention it opens with (at most three other words before it, none a verb, not a possessor
    ("Japan's") or a modifier ("X-led"))."""
    text = ctx.text
    if ANAPHOR.match(text, s.start, s.end):
        return ctx.subject
    covered = s.start
    words: list[str] = []
    for m in ctx.in_sentence(s):
        words += text[covered : m.start].split()
        if len(words) > 3 or any(VERB.fullmatch(w) for w in words):
            return None
        if not re.match(r"-led\b|['\u2019]s\b", text[m.end : m.end + 4]):
            return m.iri
        covered = m.end
    return None


def _item_at(ctx: Context, pos: int, stop: int) -> tuple[Item, int] | None:
    """One list item at `pos`: [the] [Place's] [≤2 lowercase words] Name [(…)] [descriptor];
    returns it and where a separator may follow."""
    text = ctx.text
    if m := DET.match(text, pos, stop):
        pos = m.end()
    if m := POSS.match(text, pos, stop):  # "Japan's": the place claim is the location rule's
        pos = m.end()
    for _ in range(3):
        if (name := ctx.name_at(pos)) is not None:
            break
        if not (m := ADJ.match(text, pos, stop)):
            return None
        pos = m.end()
    else:
        return None
    end = q = name.end
    if m := PAREN.match(text, q, stop):
        q = m.end()
    described = False
    if not SEP.match(text, q, stop) and (m := DESCRIPTOR.match(text, q, stop)):
        described, q = True, m.end()
    iri = name.iri if isinstance(name, Mention) else None
    return Item(iri, name.start, end, described), q


def _list_at(ctx: Context, pos: int, stop: int) -> list[Item]:
    """Names listed from `pos` ("A, B and C"), directly or after a bridge ("… such as")."""
    for start in (pos, m.end() if (m := BRIDGE.match(ctx.text, pos, stop)) else None):
        if start is None:
            continue
        items: list[Item] = []
        while got := _item_at(ctx, start, stop):
            items.append(got[0])
            if not (sep := SEP.match(ctx.text, got[1], stop)):
                break
            start = sep.end()
        if items:
            return items
    return []


def _subject_before(ctx: Context, s: Sentence, pos: int) -> str | None:
    """Who a verb phrase at `pos` is about: the adjacent mention, nobody after a quantified
    noun phrase ("each member project supported by …"), else the sentence subject."""
    if m := ctx.mention_ending(pos, s):
        return m.iri
    if QUANTIFIED.search(ctx.text, s.start, pos):
        return None
    return s.subject


# Each rule yields drafts for one sentence.


def _members(ctx: Context, s: Sentence) -> Iterator[Draft]:
    memberof = SCHEMA + "memberOf"
    text = ctx.text
    for m in MEMBER_LIST.finditer(text, s.start, s.end):
        for item in _list_at(ctx, m.end(), s.end):
            if ctx.subject and item.iri != ctx.subject:
                value = ctx.subject
                yield Draft(item.iri, memberof, value, True, m.start(), item.end, "member-list")
    for m in IS_MEMBER.finditer(text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        if m.group("of") is not None or m.group("joined") is not None:
            items = _list_at(ctx, m.end(), s.end)[:1]
            targets = [(i.iri, i.end) for i in items if i.iri]
        else:
            targets = [(ctx.subject, m.end())] if ctx.subject else []
        for org, end in targets:
            if org and org != subject:
                start = _span_start(ctx, s, subject, m.start())
                yield Draft(subject, memberof, org, True, start, end, "member-is-member")
    for m in REPRESENTS.finditer(text, s.start, s.end):
        for item in _list_at(ctx, m.end(), s.end)[:1]:
            if item.iri and s.subject != item.iri:
                yield Draft(
                    s.subject, memberof, item.iri, True, m.start(), item.end, "member-represents"
                )


def _span_start(ctx: Context, s: Sentence, subject: str | None, pos: int) -> int:
    """Start a claim's span at its subject's mention when that is in the same sentence."""
    starts = [m.start for m in ctx.in_sentence(s) if m.iri == subject and m.start < pos]
    return starts[0] if starts else pos


def _founding(ctx: Context, s: Sentence) -> Iterator[Draft]:
    for m in FOUNDED.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        yield Draft(
            subject, SCHEMA + "foundingDate", m.group("year"), False, m.start(), m.end(),
            "founding-year",
        )  # fmt: skip


def _leaders(ctx: Context, s: Sentence) -> Iterator[Draft]:
    lead = ctx.iri("ibi:leadAgency")
    for m in LED.finditer(ctx.text, s.start, s.end):
        agency = next((x for x in ctx.in_sentence(s) if x.end == m.start()), None)
        led = ctx.name_at(m.end())
        if agency and isinstance(led, Mention):
            yield Draft(led.iri, lead, agency.iri, True, agency.start, led.end, "lead-agency")
    for m in LED_BY.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        for item in _list_at(ctx, m.end(), s.end)[:1]:
            if item.iri:
                yield Draft(subject, lead, item.iri, True, m.start(), item.end, "lead-agency")


def _funders(ctx: Context, s: Sentence) -> Iterator[Draft]:
    for m in FUNDED.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        for item in _list_at(ctx, m.end(), s.end):
            value = item.iri or ctx.text[item.start : item.end]
            yield Draft(
                subject, SCHEMA + "funder", value, bool(item.iri), m.start(), item.end, "funder"
            )


def _parents(ctx: Context, s: Sentence) -> Iterator[Draft]:
    for m in HOSTED.finditer(ctx.text, s.start, s.end):
        subject = _subject_before(ctx, s, m.start())
        for item in _list_at(ctx, m.end(), s.end)[:1]:
            if item.iri:
                yield Draft(
                    subject, SCHEMA + "parentOrganization", item.iri, True, m.start(), item.end,
                    "parent-organization",
                )  # fmt: skip


def _focus(ctx: Context, s: Sentence) -> Iterator[Draft]:
    text, focus = ctx.text, ctx.iri("ibi:focusArea")
    for m in FOCUS.finditer(text, s.start, s.end):
        which = re.search(r",\s*which\s+$", text[s.start : m.start()])
        subject = _subject_before(ctx, s, m.start() - (len(which.group()) if which else 0))
        topics = [
            x for x in ctx.in_sentence(s) if x.start >= m.end() and ctx.index.is_concept(x.iri)
        ]
        for t in topics:
            yield Draft(subject, focus, t.iri, True, m.start(), t.end, "focus")
        if not topics:
            clause = re.match(r"[^,.;()]+", text[m.end() : s.end])
            if clause and clause.group().strip():
                end = m.end() + len(clause.group().rstrip())
                yield Draft(subject, focus, text[m.end() : end], False, m.start(), end, "focus")


def _places(ctx: Context, s: Sentence) -> Iterator[Draft]:
    text, location = ctx.text, SCHEMA + "location"
    for x in ctx.in_sentence(s):
        if ctx.index.is_place(x.iri):
            poss = re.match(r"['\u2019]s\s+", text[x.end : s.end])
            owned = ctx.name_at(x.end + len(poss.group())) if poss else None
            if isinstance(owned, Mention) and not ctx.index.is_place(owned.iri):
                yield Draft(owned.iri, location, x.iri, True, x.start, owned.end, "location")
            continue
        if m := PLACE_AFTER.match(text, x.end, s.end):
            place = ctx.name_at(m.end())
            if isinstance(place, Mention) and ctx.index.is_place(place.iri):
                yield Draft(x.iri, location, place.iri, True, x.start, place.end, "location")


def _types(ctx: Context, s: Sentence) -> Iterator[Draft]:
    text, rdf_type = ctx.text, RDF + "type"
    for m in IS_A.finditer(text, s.start, s.end):
        if "," in re.sub(r"\([^()]*\)", "", text[s.start : m.start()]):
            continue  # not the main clause
        cls = class_for(m.group("noun"), ctx.settings)
        if cls and s.subject:
            start = _span_start(ctx, s, s.subject, m.start())
            yield Draft(s.subject, rdf_type, cls, True, start, m.end(), "type-is-a")
    for pattern, rule in ((SUCH_AS, "type-such-as"), (TRAINING, "type-training-programme")):
        for m in pattern.finditer(text, s.start, s.end):
            noun = m.group("noun") if rule == "type-such-as" else "training programme"
            cls = class_for(noun, ctx.settings)
            for item in _list_at(ctx, m.end(), s.end) if cls else []:
                if item.iri and not item.described:  # cls is set: else there are no items
                    yield Draft(item.iri, rdf_type, cast(str, cls), True, m.start(), item.end, rule)
    for x in ctx.in_sentence(s):
        if (suffix := SUFFIX.match(text, x.end, s.end)) and not ctx.index.is_place(x.iri):
            cls = class_for(suffix.group("noun"), ctx.settings)
            if cls:
                yield Draft(x.iri, rdf_type, cls, True, x.start, suffix.end(), "type-suffix")


def _aliases(ctx: Context, s: Sentence) -> Iterator[Draft]:
    for x in ctx.in_sentence(s):
        if m := ALIAS.match(ctx.text, x.end, s.end):
            alias = m.group("alias").strip()
            inner = ctx.name_at(m.start("alias"))
            if isinstance(inner, Mention) and inner.iri != x.iri:
                continue  # "(X)" names another entity: not an alias
            yield Draft(x.iri, SCHEMA + "alternateName", alias, False, x.start, m.end(), "alias")


RULES = (_members, _founding, _leaders, _funders, _parents, _focus, _places, _types, _aliases)
