"""Verification: each claim against the curated source graphs -> a verdict, evidence and a reason.

Only facts in described source graphs count (`curated.py`), so an article can never confirm
itself. Evidence always names the source graph and the URL it transcribes.

    property               supported when a source says …    contradicted when …
    schema:memberOf        S memberOf O, or an ibi:Membership O's curated members (all sources,
                           of S in O (dated, maybe past)     memberships too) do not include S,
                                                             or S is curated as something that
                                                             is no organization
    schema:foundingDate    the same year                     every curated date has another year
    ibi:leadAgency         S leadAgency A                    S has other curated lead agencies
    schema:funder          S funder/leadAgency F             never (funder lists are open)
    schema:url             the same host (www. ignored)      every curated URL has another host
    rdf:type               a curated type is (a sub-class    the curated types and the claimed
                           of) the claimed class             class are different kinds of thing
                                                             (organization / creative work /
                                                             place / event / intangible …)
    schema:location        S location/areaServed P           S is curated in other countries
    schema:parentOrganization  the same parent               another curated parent
    ibi:focusArea          a curated focus area (or its      never (focus lists are open)
                           name in the claimed phrase)
    schema:(alternate)Name a curated (alternate) name        the name is another entity's
    anything else          the same curated triple           never

Everything else is `unverifiable`, as is any claim whose subject is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ..config import Settings
from ..rdf.vocab import ORG, RDF, SCHEMA
from .claims import CONTRADICTED, SUPPORTED, UNVERIFIABLE, Claim, Evidence
from .curated import Curated, Fact, QuadReader
from .names import fold, name_variants

__all__ = ["verify_claims"]

_MEMBER_OF, _TYPE = SCHEMA + "memberOf", RDF + "type"
_ORG_MEMBER, _ORG_ORGANIZATION = ORG + "member", ORG + "organization"
# Kinds of thing no entity is two of at once (schema.org's top-level branches).
_KINDS = tuple(
    SCHEMA + k
    for k in ("Organization", "CreativeWork", "Place", "Event", "Person", "Intangible",
              "MedicalCondition")
)  # fmt: skip
# schema.org super-classes the ontology subset does not restate.
_EXTRA_SUPERS = {
    SCHEMA + "EducationalOccupationalProgram": {SCHEMA + "Intangible"},
    SCHEMA + "DefinedTerm": {SCHEMA + "Intangible"},
}
_PHRASES = {
    "memberOf": "is a member of",
    "funder": "is funded by",
    "leadAgency": "has as lead agency",
    "parentOrganization": "is part of",
    "location": "is located in",
    "areaServed": "serves",
    "focusArea": "works on",
    "knowsAbout": "knows about",
    "founder": "was founded by",
    "organizer": "is organized by",
    "publisher": "is published by",
    "foundingDate": "was founded in",
    "dissolutionDate": "was dissolved in",
    "url": "has the website",
    "name": "is named",
    "alternateName": "is also called",
}

_Result = tuple[str, list[Evidence], str]


def _year(value: str) -> str:
    return value[:4]


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class _Compared:
    """A claim judged by comparing its value with the subject's curated facts: supported by a
    fact with the same `key`; contradicted by the others if the curated list is `closed` (taken
    as complete); unverifiable otherwise. Reasons are templates: {s} the subject's name, {o} the
    claimed value's name, {k} its key, {found} the curated values, {p} the property's name,
    {what} its phrase ("was founded in")."""

    answers: tuple[str, ...]  # curated properties whose facts answer it (empty: the claim's own)
    yes: str
    no: str
    none: str
    closed: bool | Callable[[_Verifier, Claim, list[Fact]], bool]
    key: Callable[[str], str] = _same  # what is compared: the value, its host, its year
    found_keys: bool = False  # list the curated values by key (hosts, dates), not by name
    form: re.Pattern[str] | None = None  # a value not of this form is unverifiable
    form_error: str = ""


def _countries_only(v: _Verifier, c: Claim, facts: list[Fact]) -> bool:
    """Only countries exclude each other; a continent may hold the country."""
    country = SCHEMA + "Country"
    return country in v.v.types(c.value) and all(
        country in v.v.types(f.object.value) for f in facts
    )


_DATE = _Compared(
    (),
    "The curated date has the year {k}.",
    "{s} {what} {found} according to the curated sources, not in {k}.",
    "No curated source says when {s} {when}.",
    closed=True,
    key=_year,
    found_keys=False,
    form=re.compile(r"\d{4}"),
    form_error="{v!r} is not a year.",
)
_PLACE = _Compared(
    (SCHEMA + "location", SCHEMA + "areaServed"),
    "A curated source places {s} in {o}.",
    "{s} is curated in {found}, not in {o}.",
    "No curated source places {s} anywhere.",
    closed=_countries_only,
)
_GENERIC = _Compared(
    (),
    "A curated source states the same fact.",
    "The curated {p} of {s} differ; they are not taken as complete.",
    "The curated sources state no {p} of {s}.",
    closed=False,
)


def _compared(ibi: str) -> dict[str, _Compared]:
    """Property -> how its claims are compared (`ibi` the ontology namespace)."""
    return {
        SCHEMA + "foundingDate": _DATE,
        SCHEMA + "dissolutionDate": _DATE,
        ibi + "leadAgency": _Compared(
            (ibi + "leadAgency",),
            "A curated source names {o} as lead agency of {s}.",
            "The curated lead agencies of {s} are {found}, not {o}.",
            "No curated source names a lead agency of {s}.",
            closed=True,
        ),
        SCHEMA + "funder": _Compared(
            (SCHEMA + "funder", ibi + "leadAgency"),
            "A curated source names {o} as a funder of {s}.",
            "Curated funders of {s}: {found}; such lists are not complete.",
            "No curated source names a funder of {s}.",
            closed=False,
        ),
        SCHEMA + "url": _Compared(
            (SCHEMA + "url",),
            "The curated website has the host {k}.",
            "The curated website of {s} is on {found}, not {k}.",
            "No curated source gives the website of {s}.",
            closed=True,
            key=lambda url: _host(url),
            found_keys=True,
        ),
        SCHEMA + "location": _PLACE,
        SCHEMA + "areaServed": _PLACE,
        SCHEMA + "parentOrganization": _Compared(
            (SCHEMA + "parentOrganization",),
            "A curated source names {o} as parent of {s}.",
            "The curated parent organization of {s} is {found}, not {o}.",
            "No curated source names a parent of {s}.",
            closed=True,
        ),
    }


def verify_claims(
    claims: Iterable[Claim], curated: QuadReader | Curated, settings: Settings
) -> list[Claim]:
    """The claims with `verdict`, `evidence` and `reason` (re)computed from the curated graph."""
    verifier = _Verifier(curated if isinstance(curated, Curated) else Curated(curated, settings))
    return [verifier.verify(c) for c in claims]


def _host(url: str) -> str:
    rest = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", url.strip().lower())
    return rest.split("/", 1)[0].split(":", 1)[0].removeprefix("www.")


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


class _Verifier:
    def __init__(self, view: Curated) -> None:
        self.v = view
        ibi = view.settings.ontology_ns
        self.lead, self.focus_p = ibi + "leadAgency", ibi + "focusArea"
        self.compared = _compared(ibi)
        # claims that need more than a comparison with the subject's facts
        self.handlers: dict[str, Callable[[Claim], _Result]] = {
            _MEMBER_OF: self.membership,
            _TYPE: self.type,
            self.focus_p: self.focus,
            SCHEMA + "name": self.name,
            SCHEMA + "alternateName": self.name,
        }

    # --- helpers ---

    def n(self, iri: str) -> str:
        return self.v.name(iri)

    def ev(self, graph: str, statement: str) -> Evidence:
        return Evidence(graph, self.v.sources.get(graph), statement)

    def say(self, f: Fact) -> str:
        """A curated fact in words: "Human Brain Project is a member of International …"."""
        obj = (
            self.n(f.object.value)
            if f.object.value.startswith(self.v.settings.entity_ns)
            else (f.object.value)
        )
        phrase = _PHRASES.get(_local(f.predicate), _local(f.predicate))
        return f"{self.n(f.subject)} {phrase} {obj}."

    def label(self, cls: str) -> str:
        """A class in running text: ibi:ResearchPlatform -> "research platform"."""
        name = self.v.name(cls)
        if name == _local(cls):
            return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()
        return name if name.split()[0].isupper() else name[0].lower() + name[1:]

    def a(self, cls: str) -> str:
        word = self.label(cls)
        vowel = word[0] in "aeio" or (word[0] == "u" and not word.startswith(("uni", "use")))
        return ("an " if vowel else "a ") + word

    def closure(self, cls: str) -> set[str]:
        sup = {cls, *self.v.superclasses.get(cls, ())}
        for c in list(sup):
            sup |= _EXTRA_SUPERS.get(c, set())
        return sup

    def kinds(self, classes: Iterable[str]) -> set[str]:
        return {k for c in classes for k in self.closure(c) if k in _KINDS}

    def main_types(self, types: dict[str, set[str]]) -> list[str]:
        """The most specific curated types (not a super-class of another one)."""
        return sorted(
            t for t in types if not any(t in self.closure(u) - {u} for u in types if u != t)
        )

    def type_evidence(self, subject: str, types: dict[str, set[str]]) -> list[Evidence]:
        return [
            self.ev(g, f"{self.n(subject)} is {self.a(t)}.")
            for t in self.main_types(types)
            for g in sorted(types[t])
        ]

    def places(self, iri: str) -> list[Fact]:
        return self.v.facts(iri, SCHEMA + "location") + self.v.facts(iri, SCHEMA + "areaServed")

    # --- the verdicts ---

    def verify(self, c: Claim) -> Claim:
        if c.subject is None:
            result: _Result = (
                UNVERIFIABLE,
                [],
                "The claim names no curated entity as its subject.",
            )
        elif not self.v.types(c.subject):
            result = (UNVERIFIABLE, [], f"{c.subject} is not a curated entity.")
        else:
            handler = self.handlers.get(c.property)
            result = handler(c) if handler else self.compare(c)
        verdict, evidence, reason = result
        unique = sorted(set(evidence), key=lambda e: (e.graph, e.statement))
        return replace(c, verdict=verdict, evidence=tuple(unique), reason=reason)

    def memberships(self, member: str | None, organization: str) -> list[Fact]:
        """The org:organization facts of the ibi:Membership nodes of `member` (any member if
        None) in `organization`: memberships with dates or roles, current or past."""
        return [
            f
            for f in self.v.facts(None, _ORG_ORGANIZATION, organization)
            if member is None or self.v.facts(f.subject, _ORG_MEMBER, member)
        ]

    def member_of(self, m: Fact) -> str:
        """The member of a membership node (its org:member), by its org:organization fact."""
        found = self.v.facts(m.subject, _ORG_MEMBER)
        return found[0].object.value if found else m.subject

    def membership(self, c: Claim) -> _Result:
        s, o = c.subject or "", c.value
        if not c.value_is_iri:
            return UNVERIFIABLE, [], f"{c.value!r} is not a curated organization."
        if direct := self.v.facts(s, _MEMBER_OF, o):
            n = len({f.graph for f in direct})
            why = f"{n} curated source(s) list {self.n(s)} as a member of {self.n(o)}."
            return SUPPORTED, [self.ev(f.graph, self.say(f)) for f in direct], why
        if dated := self.memberships(s, o):
            n = len({f.graph for f in dated})
            why = (
                f"{n} curated source(s) record a membership of {self.n(s)} in {self.n(o)}"
                f" ({self.n(dated[0].subject)})."
            )
            statement = f"{self.n(s)} has a membership in {self.n(o)}."
            return SUPPORTED, [self.ev(f.graph, statement) for f in dated], why
        reasons: list[str] = []
        evidence: list[Evidence] = []
        types = self.v.types(s)
        if SCHEMA + "Organization" not in self.kinds(types):
            kind = ", ".join(self.a(t) for t in self.main_types(types))
            reasons.append(f"{self.n(s)} is curated as {kind}, not an organization")
            evidence += self.type_evidence(s, types)
        members: dict[str, list[Fact]] = {}
        for f in self.v.facts(None, _MEMBER_OF, o):
            members.setdefault(f.subject, []).append(f)
        for f in self.memberships(None, o):  # members with dates or roles, past ones too
            members.setdefault(self.member_of(f), []).append(f)
        if members:
            names = ", ".join(sorted(self.n(m) for m in members))
            reasons.append(
                f"the curated members of {self.n(o)} are {names}; {self.n(s)} is not one"
            )
            by_graph: dict[str, list[str]] = {}
            for fs in members.values():
                for f in fs:
                    by_graph.setdefault(f.graph, []).append(self.n(f.subject))
            evidence += [
                self.ev(g, f"Members of {self.n(o)}: {', '.join(sorted(ms))}.")
                for g, ms in by_graph.items()
            ]
            mine = {p.object.value for p in self.places(s)}
            for m in sorted(members):
                for p in self.places(m):
                    if p.object.value in mine:
                        reasons.append(
                            f"the curated member for {self.n(p.object.value)} is {self.n(m)}"
                        )
                        evidence.append(self.ev(p.graph, self.say(p)))
        if not reasons:
            return UNVERIFIABLE, [], f"No curated source lists the members of {self.n(o)}."
        for f in self.v.facts(o, None, s) + self.v.facts(s, None, o):
            reasons.append(f"curated instead: {self.say(f).rstrip('.')}")
            evidence.append(self.ev(f.graph, self.say(f)))
        return CONTRADICTED, evidence, _sentence(reasons)

    def judge(
        self, facts: list[Fact], agree: list[Fact], yes: str, no: str, none: str, closed: bool
    ) -> _Result:
        """Supported by agreeing facts; contradicted by the others if the curated list is taken
        as complete (`closed`); unverifiable otherwise."""
        if agree:
            return SUPPORTED, [self.ev(f.graph, self.say(f)) for f in agree], yes
        if facts and closed:
            return CONTRADICTED, [self.ev(f.graph, self.say(f)) for f in facts], no
        return UNVERIFIABLE, [], no if facts else none

    def names_of(self, facts: list[Fact]) -> str:
        return ", ".join(sorted({self.n(f.object.value) for f in facts}))

    def compare(self, c: Claim) -> _Result:
        """A claim judged by the table (`_compared`), or as the same curated triple."""
        rule = self.compared.get(c.property, _GENERIC)
        facts = [f for p in rule.answers or (c.property,) for f in self.v.facts(c.subject, p)]
        if facts and rule.form is not None and not rule.form.fullmatch(c.value):
            return UNVERIFIABLE, [], rule.form_error.format(v=c.value)
        key = rule.key(c.value)
        agree = [f for f in facts if rule.key(f.object.value) == key]
        if rule.found_keys:
            found = ", ".join(sorted({rule.key(f.object.value) for f in facts}))
        elif rule.key is _year:  # dates as curated, not by name
            found = ", ".join(sorted({f.object.value for f in facts}))
        else:
            found = self.names_of(facts)
        what = _PHRASES.get(_local(c.property), _local(c.property))
        words = {
            "s": self.n(c.subject or ""),
            "o": self.n(c.value) if c.value_is_iri else c.value,
            "v": c.value,
            "k": key,
            "found": found,
            "p": _local(c.property),
            "what": what,
            "when": what.removesuffix(" in"),
        }
        closed = rule.closed if isinstance(rule.closed, bool) else rule.closed(self, c, facts)
        return self.judge(
            facts,
            agree,
            rule.yes.format(**words),
            rule.no.format(**words),
            rule.none.format(**words),
            closed=closed,
        )

    def type(self, c: Claim) -> _Result:
        s, cls = self.n(c.subject or ""), c.value
        if not c.value_is_iri:
            return UNVERIFIABLE, [], f"{c.value!r} names no class of the ontology."
        types = self.v.types(c.subject or "")
        agree = {t: gs for t, gs in types.items() if cls in self.closure(t)}
        main = ", ".join(self.a(t) for t in self.main_types(types))
        if agree:
            which = "" if cls in self.main_types(types) else f", which is {self.a(cls)}"
            return SUPPORTED, self.type_evidence(c.subject or "", agree), (
                f"{s} is curated as {main}{which}."
            )  # fmt: skip
        claimed, have = self.kinds([cls]), self.kinds(types)
        if claimed and have and claimed.isdisjoint(have):
            kinds = f"({self.a(min(have))}); {self.a(cls)} is {self.a(min(claimed))}"
            return CONTRADICTED, self.type_evidence(c.subject or "", types), (
                f"{s} is curated as {main} {kinds}."
            )  # fmt: skip
        return UNVERIFIABLE, [], (
            f"{s} is curated as {main}; the data neither states nor excludes {self.a(cls)}."
        )  # fmt: skip

    def focus(self, c: Claim) -> _Result:
        s = self.n(c.subject or "")
        facts = self.v.facts(c.subject, self.focus_p)
        if c.value_is_iri:
            agree = [f for f in facts if f.object.value == c.value]
        else:  # a phrase: supported if it names a curated focus area
            agree = [f for f in facts if fold(self.n(f.object.value)) in fold(c.value)]
        return self.judge(
            facts, agree, f"A curated source names this focus of {s}.",
            f"Curated focus areas of {s}: {self.names_of(facts)}; such lists are not complete.",
            f"No curated source names a focus area of {s}.", closed=False,
        )  # fmt: skip

    def name(self, c: Claim) -> _Result:
        s, keys = self.n(c.subject or ""), {fold(v) for v in name_variants(c.value)}
        named = [
            f
            for p in ("name", "alternateName")
            for f in self.v.facts(None, SCHEMA + p)
            if fold(f.object.value) in keys
        ]
        agree = [f for f in named if f.subject == c.subject]
        others = [f for f in named if f.subject != c.subject]
        who = ", ".join(sorted({self.n(f.subject) for f in others}))
        return self.judge(
            others, agree, f"{c.value!r} is a curated name of {s}.",
            f"{c.value!r} is the curated name of {who}, not of {s}.",
            f"No curated source gives {s} the name {c.value!r}.", closed=True,
        )  # fmt: skip


def _sentence(parts: Sequence[str]) -> str:
    text = "; ".join(dict.fromkeys(parts))
    return text[0].upper() + text[1:] + "."
