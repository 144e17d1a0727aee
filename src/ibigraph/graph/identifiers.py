"""Check digits of the identifiers the graph links to, which a pattern alone cannot check:
ROR ids (a mod 97-10 checksum over the Crockford base32 number) and ORCID iDs (ISO 7064
MOD 11-2). The validation view (validate.py) marks the ones that fail, for the shapes to refuse.
"""

from __future__ import annotations

import re

__all__ = ["CHECKED_PREFIXES", "bad_check_digit", "orcid_ok", "ror_ok"]

CHECKED_PREFIXES = ("https://ror.org/", "https://orcid.org/")  # the IRIs bad_check_digit checks
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR = re.compile(r"https://ror\.org/(0[0-9a-hj-km-np-tv-z]{6})([0-9]{2})")
_ORCID = re.compile(r"https://orcid\.org/(\d{4}-\d{4}-\d{4}-\d{3})([0-9X])")


def ror_ok(body: str, check: str) -> bool:
    """`body` (the 7 characters after ror.org/) against its two check digits."""
    n = 0
    for c in body:
        n = n * 32 + _CROCKFORD.index(c)
    return 98 - (n * 100) % 97 == int(check)


def orcid_ok(body: str, check: str) -> bool:
    """ISO 7064 MOD 11-2 over the first 15 digits of an ORCID iD."""
    total = 0
    for c in body.replace("-", ""):
        total = (total + int(c)) * 2
    digit = (12 - total % 11) % 11
    return check == ("X" if digit == 10 else str(digit))


def bad_check_digit(iri: str) -> bool:
    """True for a ROR or ORCID IRI whose check digits are wrong (other IRIs: False)."""
    for pattern, ok in ((_ROR, ror_ok), (_ORCID, orcid_ok)):
        m = pattern.fullmatch(iri)
        if m is not None:
            return not ok(m.group(1), m.group(2))
    return False
