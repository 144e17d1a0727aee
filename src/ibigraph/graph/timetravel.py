"""The graph as it was: a past state rebuilt from the store as it is and the RDF Patches of the
changes made since (reverted newest first), and the Memento datetimes (RFC 7089) that name it.

A Memento is named by its datetime to the second (`20261205T033928` in a URI, an HTTP-date in
headers); its state holds every change that started in or before that second."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox

from ..errors import BadInputError
from ..sparql.changeset import read_patch
from ..store.oxigraph import extend_in_batches

__all__ = [
    "audit_bound",
    "http_date",
    "parse_http_date",
    "parse_instant",
    "parse_stamp",
    "rebuild",
    "stamp",
]

_STAMP = "%Y%m%dT%H%M%S"


def stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime(_STAMP)


def parse_stamp(text: str) -> datetime:
    try:
        return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise BadInputError(f"{text!r} is not a Memento datetime (YYYYMMDDTHHMMSS, UTC)") from None


def parse_instant(text: str) -> datetime:
    """A time given as a parameter: an ISO 8601 date-time (UTC when it names no zone) or a
    Memento datetime (YYYYMMDDTHHMMSS, UTC)."""
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            return parse_stamp(text.strip())
        except BadInputError:
            raise BadInputError(
                f"{text!r} is not a time: give an ISO 8601 date-time such as "
                "2026-12-05T03:39:28Z, or a Memento datetime such as 20261205T033928"
            ) from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def http_date(t: datetime) -> str:
    return format_datetime(t.astimezone(UTC), usegmt=True)


def parse_http_date(text: str) -> datetime:
    """An Accept-Datetime value (RFC 7089: an RFC 1123 date, e.g. Thu, 01 Jan 2026 00:00:00
    GMT)."""
    try:
        t = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        t = None
    if t is None or t.tzinfo is None:
        raise BadInputError(
            f"Accept-Datetime {text!r} is not an HTTP date (e.g. Thu, 01 Jan 2026 00:00:00 GMT)"
        )
    return t.astimezone(UTC)


def audit_bound(t: datetime) -> str:
    """The last instant of `t`'s second, as an xsd:dateTime: a change that started after it
    started after that second."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + ".999999Z"


def rebuild(quads: Iterable[ox.Quad], patches_newest_first: Iterable[str]) -> ox.Store:
    """An in-memory store holding `quads` (the store as it is) with each patch undone, newest
    first."""
    store = ox.Store()
    extend_in_batches(store, quads)  # on a thread of the server: not one long hold of the GIL
    for patch in patches_newest_first:
        removed, added = read_patch(patch)
        for q in added:
            store.remove(q)
        for q in removed:
            store.add(q)
    return store
