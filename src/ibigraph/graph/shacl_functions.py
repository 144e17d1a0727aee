"""Custom SPARQL functions for the compiled shapes (shacl_sparql.py): where SPARQL and pySHACL
judge a value differently, the queries call these, which judge it as pySHACL does, with rdflib.

- a datatype: pySHACL refuses an ill-typed literal (`"2013-13-45"^^xsd:date`), which SPARQL's
  `DATATYPE()` accepts;
- comparisons (`sh:minInclusive`…, `sh:lessThanOrEquals`): rdflib orders literals that SPARQL
  cannot compare (an error, so no result), and pySHACL refuses a string against a non-string;
- `sh:pattern`: Python's `re` (`search`), not XPath's regular expressions;
- ROR and ORCID check digits, which the validation view computes (identifiers.py).

Each takes Oxigraph terms and returns `true`/`false` (None, an error, never happens).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import cast

import pyoxigraph as ox
import rdflib
from pyshacl.rdfutil.compare import compare_literal
from rdflib.namespace import RDF, XSD

from ..rdf.convert import to_rdflib
from .identifiers import bad_check_digit

__all__ = [
    "BAD_CHECK_DIGIT",
    "COMPARE",
    "FUNCTIONS",
    "HAS_DATATYPE",
    "LESS_OR_EQUAL",
    "MATCHES",
    "Term",
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_NS = "urn:ibigraph:function:"
BAD_CHECK_DIGIT = _NS + "bad-check-digit"  # (IRI)
HAS_DATATYPE = _NS + "has-datatype"  # (value, datatype IRI)
COMPARE = _NS + "compare"  # (value, bound, "min-inclusive" | "min-exclusive" | …)
LESS_OR_EQUAL = _NS + "less-or-equal"  # (value, other value)
MATCHES = _NS + "matches"  # (value, pattern, flags)

_XSD_BOOLEAN = ox.NamedNode(str(XSD.boolean))


def _boolean(flag: bool) -> ox.Literal:
    return ox.Literal("true" if flag else "false", datatype=_XSD_BOOLEAN)


def _bad_check_digit(term: Term) -> ox.Literal:
    return _boolean(isinstance(term, ox.NamedNode) and bad_check_digit(term.value))


# the Python value pySHACL expects a literal of the datatype to have (others: any value)
_PYTHON_TYPES: dict[rdflib.URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def _has_datatype(term: Term, datatype: Term) -> ox.Literal:
    """pySHACL's sh:datatype: the literal has the datatype and is well-typed."""
    if not isinstance(term, ox.Literal) or not isinstance(datatype, ox.NamedNode):
        return _boolean(False)
    literal, rule = to_rdflib(term), rdflib.URIRef(datatype.value)
    if literal.datatype == rule:
        checked = _PYTHON_TYPES.get(rule, object)  # owlrl's converters (validate.py sets them)
        ok = literal.ill_typed is not True and isinstance(literal.value, checked)
    elif rule == RDF.langString and literal.language:  # (to_rdflib types every other literal)
        ok = isinstance(literal.value, (str, bytes))
    else:
        ok = rule == rdflib.RDFS.Literal or (
            rule == rdflib.RDFS.Datatype and bool(literal.datatype)
        )
    return _boolean(ok)


_compare_literal = cast(Callable[[rdflib.Literal, rdflib.Literal], int], compare_literal)
_ORDERS: dict[str, Callable[[int], bool]] = {
    "min-inclusive": lambda c: c >= 0,
    "min-exclusive": lambda c: c > 0,
    "max-inclusive": lambda c: c <= 0,
    "max-exclusive": lambda c: c < 0,
}


def _compare(term: Term, bound: Term, order: Term) -> ox.Literal:
    """pySHACL's value range constraints: only literals pass, never a string against a
    non-string, and incomparable literals fail."""
    if not isinstance(term, ox.Literal) or not isinstance(bound, ox.Literal):
        return _boolean(False)
    value, limit = to_rdflib(term), to_rdflib(bound)
    if isinstance(value.value, str) != isinstance(limit.value, str):
        return _boolean(False)
    try:
        return _boolean(_ORDERS[getattr(order, "value", "")](_compare_literal(value, limit)))
    except (TypeError, NotImplementedError, KeyError):
        return _boolean(False)


def _comparable(term: Term) -> tuple[object, bool]:
    """A value as pySHACL's sh:lessThanOrEquals compares it, and whether it is a string."""
    node = to_rdflib(term) if isinstance(term, (ox.NamedNode, ox.Literal)) else None
    if isinstance(node, rdflib.URIRef):
        return str(node), True
    if isinstance(node, rdflib.Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False


def _less_or_equal(term: Term, other: Term) -> ox.Literal:
    """pySHACL's sh:lessThanOrEquals on one pair: rdflib's order (total: literals it cannot
    compare by value, it orders by datatype and lexical form); a string and a non-string fail."""
    (a, a_string), (b, b_string) = _comparable(term), _comparable(other)
    if a is None or b is None or a_string != b_string:
        return _boolean(False)
    try:
        return _boolean(bool(a <= b))  # type: ignore[operator]
    except TypeError:
        return _boolean(False)


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: str) -> re.Pattern[str]:
    options = (re.I if "i" in flags.lower() else 0) | (re.M if "m" in flags.lower() else 0)
    return re.compile(pattern, options)


def _matches(term: Term, pattern: Term, flags: Term) -> ox.Literal:
    """pySHACL's sh:pattern: Python's `re.search` on the value's string (never a blank node)."""
    if isinstance(term, (ox.BlankNode, ox.Triple)):
        return _boolean(False)
    regex = _regex(getattr(pattern, "value", ""), getattr(flags, "value", ""))
    return _boolean(regex.search(term.value) is not None)


FUNCTIONS: dict[ox.NamedNode, Callable[..., Term | None]] = {
    ox.NamedNode(BAD_CHECK_DIGIT): _bad_check_digit,
    ox.NamedNode(HAS_DATATYPE): _has_datatype,
    ox.NamedNode(COMPARE): _compare,
    ox.NamedNode(LESS_OR_EQUAL): _less_or_equal,
    ox.NamedNode(MATCHES): _matches,
}
