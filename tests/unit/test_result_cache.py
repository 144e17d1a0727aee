"""The response cache's bounds: bytes (least recently used first out), the largest entry it
keeps, and the age of an entry on a store whose writes it cannot all see."""

from __future__ import annotations

import time

from ibigraph.sparql.render import Rendered
from ibigraph.store.cache import ResultCache


def _reply(n: int) -> Rendered:
    return Rendered("text/csv", b"x" * n)


def test_it_stays_within_its_bytes_dropping_the_least_recently_used() -> None:
    cache = ResultCache(max_bytes=300, max_entry=200)
    for name in ("a", "b", "c"):
        cache.put(("v1", name), _reply(90), 100)
    assert cache.get(("v1", "a")) is not None  # now the most recently used
    cache.put(("v1", "d"), _reply(90), 100)
    assert cache.bytes <= 300 and len(cache) == 3
    assert cache.get(("v1", "b")) is None and cache.get(("v1", "a")) is not None
    cache.put(("v1", "big"), _reply(250), 260)  # over the largest entry: not kept
    assert cache.get(("v1", "big")) is None and cache.bytes <= 300
    cache.put(("v1", "a"), _reply(10), 20)  # replaced, counted once
    assert cache.bytes == 220
    assert (cache.hits, cache.misses) == (2, 2)


def test_an_entry_older_than_its_ttl_is_not_served() -> None:
    cache = ResultCache(max_bytes=1000, ttl=0.05)
    cache.put(("v1", "q"), _reply(1), 2)
    assert cache.get(("v1", "q")) is not None
    time.sleep(0.1)
    assert cache.get(("v1", "q")) is None and len(cache) == 0 and cache.bytes == 0
