"""Mentions of curated entities in an article, and candidate organizations it names that are
not curated.

Text is scanned in passages: infobox values, the lead and every section paragraph; offsets index
`Article.text`. A candidate is a run of capitalised words (joined by of/for/and/the/on/de/du)
that looks like an organization (a word such as Institute, Foundation, University, or an
"X of Y" name) and whose head is no known name. Candidates are reported, never turned into
entities. A known name inside a candidate ("Neuroscience" in "Florey Institute of Neuroscience
and Mental Health") is part of another name, so it is not linked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .article import Article
from .names import NameIndex

__all__ = ["Ambiguity", "Candidate", "Linking", "Mention", "Passage", "find_mentions", "passages"]

_CAP = r"[A-Z][A-Za-z0-9&/.\-]*(?<!\.)"
_RUN = re.compile(rf"(?<![\w'\u2019]){_CAP}(?:\s+(?:(?:of|for|and|the|on|de|du|des)\s+)*{_CAP})*")
_ORG_WORD = re.compile(
    r"\b(?:Institutes?|Foundation|Organi[sz]ations?|Projects?|Initiatives?|Networks?|"
    r"Laborator(?:y|ies)|Lab|Alliance|Council|Universit(?:y|ies)|Agency|Commission|Society|"
    r"Programmes?|Programs?|Cent(?:re|er)s?|Consortium|Academy|Association|Ministry|Department|"
    r"Hospital|College|School|Trust|Fund|Board|Office|Bureau|Federation|Union|Collaboration)\b"
)
_X_OF_Y = re.compile(r"[A-Z]\w*\s+of\s+(?:the\s+)?[A-Z]")
_TRAILING = re.compile(r"(?:\s+(?:of|for|and|the|on|de|du|des))+$")


@dataclass(frozen=True)
class Mention:
    """An occurrence of a curated entity's name; `section` is the heading (None: lead, infobox)."""

    iri: str
    text: str
    start: int
    end: int
    section: str | None


@dataclass(frozen=True)
class Candidate:
    """An organization-like name that matches no curated entity."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Ambiguity:
    """A name several curated entities share: not linked, listed for a curator."""

    text: str
    start: int
    end: int
    iris: tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    """A span of the article that claims and mentions are drawn from."""

    start: int
    end: int
    section: str | None
    kind: str  # "infobox", "lead" or "body"


@dataclass(frozen=True)
class Linking:
    mentions: tuple[Mention, ...]
    candidates: tuple[Candidate, ...]
    ambiguous: tuple[Ambiguity, ...]


def passages(article: Article) -> list[Passage]:
    """Infobox values, the lead, then section paragraphs, in text order."""
    out = [Passage(p.start, p.end, None, "infobox") for p in article.infobox]
    out.append(Passage(article.lead.start, article.lead.end, None, "lead"))
    out += [
        Passage(p.start, p.end, s.heading, "body") for s in article.sections for p in s.paragraphs
    ]
    return out


def _split_on_and(text: str, start: int) -> list[tuple[str, int]]:
    """Split "A University and B Institute" where both sides look like organizations."""
    for m in re.finditer(r"\s+and\s+(?:the\s+)?", text):
        left, right = text[: m.start()], text[m.end() :]
        if _ORG_WORD.search(left) and _ORG_WORD.search(right):
            return [(left, start), *_split_on_and(right, start + m.end())]
    return [(text, start)]


def _candidates(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Organization-like capitalised runs in `text[start:end]`, as (text, start, end)."""
    out = []
    for m in _RUN.finditer(text[start:end]):
        for part, at in _split_on_and(m.group(), start + m.start()):
            part = _TRAILING.sub("", part)
            if part.startswith(("The ", "the ")):
                part, at = part[4:], at + 4
            if len(re.findall(_CAP, part)) >= 2 and (
                _ORG_WORD.search(part) or _X_OF_Y.search(part)
            ):
                out.append((part, at, at + len(part)))
    return out


def find_mentions(article: Article, index: NameIndex) -> Linking:
    """Link every known name in the article's passages; list candidates and ambiguous names."""
    text = article.text
    mentions: list[Mention] = []
    candidates: list[Candidate] = []
    ambiguous: list[Ambiguity] = []
    for p in passages(article):
        found = index.find(text, p.start, p.end)
        cands = []
        for c_text, c_start, c_end in _candidates(text, p.start, p.end):
            inside = [m for m in found if c_start <= m.start and m.end <= c_end]
            # A candidate whose last word is a known name is that entity ("U.S. BRAIN Initiative").
            if any(m.end == c_end for m in inside) or index.lookup(c_text):
                continue
            cands.append(Candidate(c_text, c_start, c_end))
        for m in found:
            if any(c.start <= m.start and m.end <= c.end for c in cands):
                continue
            if len(m.iris) > 1:
                ambiguous.append(Ambiguity(m.text, m.start, m.end, m.iris))
            else:
                mentions.append(Mention(m.iris[0], m.text, m.start, m.end, p.section))
        candidates += cands
    return Linking(tuple(mentions), tuple(candidates), tuple(ambiguous))
