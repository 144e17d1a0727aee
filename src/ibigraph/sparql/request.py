"""SPARQL requests: what a query is (its form, forbidden features, prefixes it lacks), the
limits it runs under, and the syntax errors a person is shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import Limits
from ..errors import ForbiddenFeature, QuerySyntaxError

__all__ = [
    "QueryRequest",
    "blank",
    "inspect_query",
    "missing_prefixes",
    "syntax_error",
    "unknown_prefix",
]

# Comments, strings and IRIs, blanked out before looking for keywords, so that "SERVICE" in a
# literal or <http://x/service> in an IRI is not taken for the keyword.
_OPAQUE = re.compile(
    r"""\#[^\n]*+
      |'\'\'(?:[^'\\]|\\.|'(?!''))*+(?:'\'\'|.*+)
      |\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\"|.*+)
      |'(?:[^'\\\n]|\\.)*+(?:'|[^\n]*+)
      |"(?:[^"\\\n]|\\.)*+(?:"|[^\n]*+)
      |<[^<>"{}|^`\\\s]*+>""",
    re.X | re.S,
)
# Linear time: every quote starts a token (an unclosed string runs to the end of its line, an
# unclosed long string to the end of the text), and quantifiers are possessive, so no part of
# the text is scanned twice (the old pattern re-scanned to the end of the line from every
# quote: a 48 KB query of `"a\` took 9.7 s).
_NOT_NEWLINE = re.compile(r"[^\n]")


def blank(text: str) -> str:
    """`text` with its comments, strings and IRIs replaced by spaces (newlines kept): the same
    length, so positions in it are positions in `text`."""
    return _OPAQUE.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group()), text)


# A keyword is a whole word not touching `:` (prefixed names) or `?`/`$` (variables).
_KEYWORDS = re.compile(
    r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE|SERVICE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE"
    r"|ADD|MOVE|COPY|WITH)(?![\w:])",
    re.I,
)
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.I)


def inspect_query(text: str) -> str:
    """The query form (SELECT, ASK, CONSTRUCT, DESCRIBE); refuses SERVICE and updates.

    Comments, strings and IRIs are blanked out first, so `"SERVICE"` in a literal is fine.
    The store's own parser still reports real syntax errors with their position.
    """
    return _remembered(text) if len(text) <= _REMEMBER else _inspect(text)


_REMEMBER = 2048  # characters: shorter texts (a repeated query) are inspected once


@lru_cache(maxsize=1024)
def _remembered(text: str) -> str:
    return _inspect(text)  # a refusal is not remembered: it raises again


def _inspect(text: str) -> str:
    bare = blank(text)
    if _SERVICE.search(bare):
        raise ForbiddenFeature(
            "SERVICE is not allowed: this endpoint never fetches data from other servers"
        )
    m = _KEYWORDS.search(bare)
    if m is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    word = m.group(1).upper()
    if word not in _FORMS:
        raise QuerySyntaxError(
            f"this is a SPARQL Update ({word}); send updates with the `update` parameter"
            " or as application/sparql-update"
        )
    return word


# A prefixed name's prefix (PN_PREFIX, ASCII part), not inside a variable, IRI or literal
_PNAME = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w.-]*)?:(?=[\w%\\:]|[\s;,.)}\]]|$)")
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_POSITION = re.compile(r"error at (\d+):(\d+)")


def missing_prefixes(text: str, known: Mapping[str, str]) -> dict[str, str]:
    """The known prefixes a query uses without declaring them (for servers that need the
    declarations written out)."""
    bare = blank(text)
    declared = {m.group(1) or "" for m in _DECLARED.finditer(bare)}
    used = {m.group(1) or "" for m in _PNAME.finditer(bare)}
    return {p: known[p] for p in sorted(used - declared) if p in known}


def unknown_prefix(prefix: str, known: Mapping[str, str], where: str = "") -> str:
    """The message for a prefix nobody declared: where it is, and the ones the service knows."""
    names = ", ".join(f"{p}:" for p in known)
    return f"unknown prefix `{prefix}:`{where}; declare it with PREFIX {prefix}: <…>" + (
        f", or use one this service knows: {names}" if names else ""
    )


def syntax_error(text: str, message: str, known: Mapping[str, str] | None = None) -> str:
    """A parser's message made readable: an unknown prefix is named with its position and the
    prefixes the service knows; long lists of expected character ranges are cut."""
    if "prefix not found" in message.lower():
        bare = blank(text)
        declared = {m.group(1) or "" for m in _DECLARED.finditer(bare)} | set(known or {})
        for m in _PNAME.finditer(bare):
            prefix = m.group(1) or ""
            if prefix not in declared:
                line = bare.count("\n", 0, m.start()) + 1
                col = m.start() - (bare.rfind("\n", 0, m.start()) + 1) + 1
                return unknown_prefix(prefix, known or {}, f" at line {line}, column {col}")
    cut = min((i for i in (message.find(", ['"), message.find(', ["')) if i >= 0), default=-1)
    if cut >= 0:
        message = message[:cut] + ", …"
    pos = _POSITION.search(message)
    if pos:
        message = message.replace(
            pos.group(0), f"error at line {pos.group(1)}, column {pos.group(2)}"
        )
    return message


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None = None  # the Accept header, or the media type the `format` param asked for
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    limits: Limits = field(kw_only=True)  # Settings.limits, or a route's own
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the endpoint)
    # only report a syntax error (the answer would be a 406): parse, do not write a result
    check_only: bool = False
    # predeclared prefixes, for queries that use them without PREFIX (as Wikidata's service)
    prefixes: Mapping[str, str] = field(default_factory=dict)
    # a result past `limits` streams, up to these (None: it is refused); the embedded store's
    # runners stream, other services refuse. Not part of the key: the answer is the same
    stream: Limits | None = None

    def key(self) -> tuple[object, ...]:
        """What the answer depends on besides the store (the prefixes are the app's own)."""
        return (
            self.query.strip(),
            self.accept,
            self.default_graphs,
            self.named_graphs,
            self.base_iri,
            self.check_only,
            self.limits,
        )
