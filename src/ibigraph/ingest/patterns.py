"""The words claims are read from: the class nouns an article can use (`CLASSES`, `class_for`)
and the sentence-level regular expressions the rules (`rules.py`) match. Every pattern is linear
on the sentence it is given: no nested quantifiers over the same text."""

from __future__ import annotations

import re

from ..config import Settings
from ..rdf.vocab import RDF, SCHEMA

__all__ = [
    "ADJ",
    "ALIAS",
    "ANAPHOR",
    "BRIDGE",
    "CLASSES",
    "CLASS_ALTS",
    "DESCRIPTOR",
    "DET",
    "FOCUS",
    "FOUNDED",
    "FUNDED",
    "GAP",
    "GENERIC",
    "HOSTED",
    "IS_A",
    "IS_MEMBER",
    "LED",
    "LED_BY",
    "MEMBER_LIST",
    "PAREN",
    "PLACE_AFTER",
    "POSS",
    "QUANTIFIED",
    "REPRESENTS",
    "SEP",
    "SUCH_AS",
    "SUFFIX",
    "TRAINING",
    "VERB",
    "YEAR",
    "class_for",
    "expand_curie",
]


# --- classes an article can name ---------------------------------------------------------------

# (pattern for the noun, singular or plural; class as a CURIE). Longer phrases first.
CLASSES: tuple[tuple[str, str], ...] = (
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
CLASS_ALTS = "|".join(p for p, _ in CLASSES)


def expand_curie(curie: str, settings: Settings) -> str:
    prefix, local = curie.split(":", 1)
    return {"ibi": settings.ontology_ns, "schema": SCHEMA, "rdf": RDF}[prefix] + local


def class_for(noun: str, settings: Settings) -> str | None:
    """The class a noun phrase names ("global consortium" -> ibi:Consortium), if any."""
    for pattern, curie in CLASSES:
        if re.search(rf"\b(?:{pattern})\b", noun, re.IGNORECASE):
            return expand_curie(curie, settings)
    return None


# --- sentence-level patterns -------------------------------------------------------------------

GENERIC = (
    r"initiative|consortium|alliance|coalition|project|programme|program|organi[sz]ation|"
    r"standard|format|collaboration|network|institute|foundation|agency|platform|society|"
    r"journal|laboratory|lab"
)
ANAPHOR = re.compile(rf"(?:It|Its)\b|(?:The|This)\s+(?:{GENERIC})\b")
VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|remains?|aims?|seeks?|integrates?|"
    r"focus(?:es)?|includes?|included|represents?|started|began|defines?|published)\b"
)
DET = re.compile(r"(?:[Tt]he|[Ii]ts|[Tt]heir|[Aa]n?)\s+")
POSS = re.compile(r"[A-Z][\w/.\-]*(?:\s+[A-Z][\w/.\-]*)*['\u2019]s\s+")
ADJ = re.compile(r"[a-z][\w\-]*\s+")
PAREN = re.compile(r"\s*\([^()]*\)")
DESCRIPTOR = re.compile(
    r"\s+(?:platform|project|programme|program|initiative|activities|efforts?|team|group|"
    r"network|consortium|annual\s+meeting|meeting|conference)s?\b"
)
SEP = re.compile(
    r"\s+(?:together\s+with|along\s+with|as\s+well\s+as)\s+(?:[\w\-]+,?\s+){0,4}?"
    r"(?:e\.g\.,?|such\s+as|like|including)\s+"
    r"|,?\s+(?:e\.g\.,?|such\s+as|including)\s+|,?\s+(?:and|or)\s+|,\s+"
)
BRIDGE = re.compile(r"(?:[\w'\u2019\-]+,?\s+){0,6}?(?:like|such\s+as|including|e\.g\.,?)\s+")
# What may stand between a subject and its verb phrase: "X, which was formally launched …".
GAP = re.compile(
    r"\s*,?\s*(?:which\s+|that\s+)?(?:(?:is|are|was|were|has\s+been)\s+)?"
    r"(?:(?:formally|officially|first|originally|also|jointly)\s+)?"
)
QUANTIFIED = re.compile(
    r"\b(?:each|every|all|other|several|many|some|most)\s+(?:[a-z][\w\-]*\s+){0,3}$"
)

MEMBER_LIST = re.compile(
    r"\b(?:founding\s+)?(?:member|partner)s?(?:\s+(?:projects?|initiatives?|organi[sz]ations?))?"
    r"(?:\s+\w+){0,2}?\s+(?:include[sd]?|are|were|comprise[sd]?)\s+"
    r"|\b(?:is|are|was|were)\s+represented\s+by\s+"
    r"|\bcontributing\s+efforts\s+include\s+"
    r"|\b(?:member|partner)\s+projects?,?\s+(?=such\s+as|like|including)"
)
IS_MEMBER = re.compile(
    r"\b(?:is|was|became|remains)\s+(?:also\s+)?(?:an?|one\s+of\s+the)\s+"
    r"(?:[a-z][\w\-]*\s+){0,2}?(?:member|partner|participant)s?\b(?P<of>\s+(?:of|in)\s+)?"
    r"|\bjoined\s+(?P<joined>)"
)
REPRESENTS = re.compile(r"\brepresents\s+(?:[\w'\u2019\-]+\s+){0,3}?in\s+")
FOUNDED = re.compile(
    r"\b(?:launched|established|founded|formed|started|created|set\s+up|inaugurated|began|"
    r"initiated)\s+(?:in\s+)?(?:(?:early|mid|late|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)[\s\-]+)?(?P<year>1[89]\d\d|20\d\d)\b"
)
LED = re.compile(r"-led\s+(?:the\s+)?")
LED_BY = re.compile(r"\bled\s+by\s+")
FUNDED = re.compile(r"\b(?:supported|funded|financed|sponsored|backed)\s+(?:\w+ly\s+)?by\s+")
HOSTED = re.compile(r"\bhosted\s+by\s+|\b(?:an?|the)\s+(?:division|unit)\s+of\s+")
FOCUS = re.compile(r"\b(?:focus(?:es|ed|ing)?|concentrat(?:es|ed|ing))\s+on\s+")
PLACE_AFTER = re.compile(
    r",?\s+(?:(?:which\s+is\s+)?(?:based|headquartered|located)\s+)?(?:in|across)\s+(?:the\s+)?"
)
SUFFIX = re.compile(r"\s+(?P<noun>platform|data\s+standard)\b")
ALIAS = re.compile(r"\s*\((?P<alias>[A-Z][^()]{1,80})\)")
IS_A = re.compile(
    rf"\b(?:is|was|remains)\s+(?:an?|one\s+of\s+the)\s+(?:[a-z][\w\-]*\s+){{0,3}}?"
    rf"(?P<noun>{CLASS_ALTS})\b"
)
SUCH_AS = re.compile(
    rf"\b(?P<noun>{CLASS_ALTS})\s*,?\s+(?:like|such\s+as|including|e\.g\.,?)\s+", re.IGNORECASE
)
TRAINING = re.compile(
    r"\btraining\b[^.;]{0,80}?\bprogram(?:me)?s\s+(?:like|such\s+as|including)\s+"
)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
