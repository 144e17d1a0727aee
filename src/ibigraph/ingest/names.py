"""The names index: every curated name and alternate name of an entity -> its IRI(s).

Matching rules, each there to avoid a class of false links:

- acronyms (no space, at most 6 characters, at least 2 capitals: NIH, SfN, CBRAIN) match only in
  the same case, so "WHO" never matches "who";
- other names match in any case, but a proper name (anything but a topic, disease or technology)
  must start with a capital in the text, so "an Australian brain initiative" does not link the
  BRAIN Initiative, while "optogenetics" links Optogenetics;
- matches respect word boundaries ("NIH" is not found in "NIHM") and the longest match wins;
- a name that belongs to several entities is ambiguous: it is reported, never linked.

Variants: a name without a leading "The"; for "Name (ACR)" both "Name" and "ACR"; and a name
holding another entity's acronym with the acronym spelled out ("SfN Annual Meeting" is also
"Society for Neuroscience annual meeting"). Only names stated in source graphs are indexed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..config import Settings
from ..rdf.vocab import RDF, SCHEMA, SKOS
from .curated import Curated, QuadReader

__all__ = ["NameIndex", "NameMatch", "build_name_index", "fold", "is_acronym", "name_variants"]

# Entities named by common nouns: matched in any case.
_CONCEPT_TYPES = (SCHEMA + "DefinedTerm", SCHEMA + "MedicalCondition", SKOS + "Concept")
_PLACE_TYPES = (SCHEMA + "Place", SCHEMA + "Country", SCHEMA + "Continent")
_WORD_START = re.compile(r"\b\w")


def fold(name: str) -> str:
    """Case- and spacing-insensitive key; curly apostrophes as straight ones."""
    return " ".join(name.replace("\u2019", "'").split()).casefold()


def is_acronym(name: str) -> bool:
    return " " not in name and len(name) <= 6 and sum(c.isupper() for c in name) >= 2


def name_variants(name: str) -> set[str]:
    """The name, without a leading "The", and "Name (ACR)" as "Name" and "ACR"."""
    out = {" ".join(name.split())}
    if m := re.fullmatch(r"(.*\S)\s*\(([^()]+)\)", name.strip()):
        out |= {m.group(1).strip(), m.group(2).strip()}
    out |= {v[4:] for v in out if v.lower().startswith("the ")}
    # Spans never include a leading "The": "the Kavli Foundation" links "Kavli Foundation".
    return {v for v in out if v and not v.lower().startswith("the ")}


@dataclass(frozen=True)
class NameMatch:
    """A known name found in a text; `iris` has one IRI, or several if the name is ambiguous."""

    text: str
    start: int
    end: int
    iris: tuple[str, ...]


def _pattern(names: Iterable[str], flags: int) -> re.Pattern[str] | None:
    """One alternation, longest first, so the first alternative that matches is the longest."""
    alts = [
        r"\s+".join(re.escape(w).replace("'", "['\u2019]") for w in n.split())
        for n in sorted(set(names), key=lambda n: (-len(n), n))
    ]
    return re.compile(rf"(?:{'|'.join(alts)})(?!\w)", flags) if alts else None


@dataclass(frozen=True)
class NameIndex:
    """Known names -> entity IRIs, with what each entity is (to tell places and topics apart)."""

    exact: dict[str, frozenset[str]]  # acronyms, case-sensitive
    folded: dict[str, frozenset[str]]  # other names, by fold()
    labels: dict[str, str]  # IRI -> schema:name
    types: dict[str, frozenset[str]]  # IRI -> curated classes (with super-classes)
    _exact_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _folded_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exact_re", _pattern(self.exact, 0))
        object.__setattr__(self, "_folded_re", _pattern(self.folded, re.IGNORECASE))

    def lookup(self, name: str) -> frozenset[str]:
        """The IRIs a name (or one of its variants) stands for; empty if unknown."""
        found: set[str] = set()
        for v in name_variants(name):
            found |= self.exact.get(v, frozenset()) if is_acronym(v) else set()
            found |= self.folded.get(fold(v), frozenset())
        return frozenset(found)

    def is_place(self, iri: str) -> bool:
        return any(t in self.types.get(iri, ()) for t in _PLACE_TYPES)

    def is_concept(self, iri: str) -> bool:
        return any(t in self.types.get(iri, ()) for t in _CONCEPT_TYPES)

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[NameMatch]:
        """Known names in `text[start:end]`, longest first, without overlaps, in text order.

        The passage is cut out first, so its first character starts a word even when the page
        text runs it into a label ("NameInternational Brain Initiative").
        """
        sub = text[start:end]
        found: list[NameMatch] = []
        for w in _WORD_START.finditer(sub):
            best: NameMatch | None = None
            for pattern, table, key in (
                (self._exact_re, self.exact, lambda s: " ".join(s.split())),
                (self._folded_re, self.folded, fold),
            ):
                m = pattern.match(sub, w.start()) if pattern else None
                if not m or (best and len(best.text) >= len(m.group())):
                    continue
                iris = table.get(key(m.group()), frozenset())
                proper = any(not self.is_concept(i) for i in iris)
                if iris and not (proper and m.group()[0].islower()):
                    at = start + m.start()
                    best = NameMatch(m.group(), at, at + len(m.group()), tuple(sorted(iris)))
            if best:
                found.append(best)
        chosen: list[NameMatch] = []
        for n in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
            if all(n.end <= c.start or n.start >= c.end for c in chosen):
                chosen.append(n)
        return sorted(chosen, key=lambda m: m.start)


def _refold(table: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, iris in table.items():
        out.setdefault(fold(name), set()).update(iris)
    return out


def build_name_index(curated: QuadReader | Curated, settings: Settings) -> NameIndex:
    """Index the names of every curated entity (names stated in source graphs only)."""
    view = curated if isinstance(curated, Curated) else Curated(curated, settings)
    ns = settings.entity_ns
    exact: dict[str, set[str]] = {}
    folded: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    names: list[tuple[str, str]] = []
    for prop in ("name", "alternateName"):
        for f in view.facts(None, SCHEMA + prop):
            if f.subject.startswith(ns):
                if prop == "name":
                    labels.setdefault(f.subject, f.object.value)
                names += [(v, f.subject) for v in name_variants(f.object.value)]
    for v, iri in names:
        (exact if is_acronym(v) else folded).setdefault(v, set()).add(iri)
    # "SfN Annual Meeting" is also "Society for Neuroscience Annual Meeting": an acronym of
    # exactly one other entity, spelled out.
    for v, iri in names:
        for word in v.split():
            owners = exact.get(word, set()) - {iri}
            if v != word and len(owners) == 1 and (owner := next(iter(owners))) in labels:
                spelled = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", labels[owner], v)
                folded.setdefault(spelled, set()).add(iri)
    folded = _refold(folded)
    types: dict[str, set[str]] = {}
    supers = view.superclasses
    for f in view.facts(None, RDF + "type"):
        if f.subject.startswith(ns):
            types.setdefault(f.subject, set()).update(
                {f.object.value, *supers.get(f.object.value, ())}
            )
    return NameIndex(
        exact={k: frozenset(v) for k, v in exact.items()},
        folded={k: frozenset(v) for k, v in folded.items()},
        labels=labels,
        types={k: frozenset(v) for k, v in types.items()},
    )
