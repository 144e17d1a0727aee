"""Reads shared by the routes that show them: the change history (the audit graph) and the
claims of ingested articles as plain JSON objects, the dataset statistics, the data quality
report, and the text index of entities."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import pyoxigraph as ox

from ..graph.documents import select
from ..graph.dumps import data_quads
from ..graph.quality import QualityReport, quality_report
from ..graph.stats import STATS_QUERIES, DatasetStats, Rows, from_rows, stats_values
from ..graph.timetravel import audit_bound, rebuild
from ..ingest.model import text_offset
from ..search.index import Scope, SearchIndex, index_from_rows
from ..store.service import QueryService
from ..store.snapshot import SnapshotService
from .deps import Context, internal_rows

T = TypeVar("T")

__all__ = [
    "SEARCH_TTL",
    "claims_about",
    "dataset_stats",
    "entity_versions",
    "history",
    "quality",
    "search_index",
    "snapshot",
]


async def _for_version(cache: dict[str, T], ctx: Context, compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()`, cached for the store version it was made for. Only the current version's
    value is kept: every write makes a new version, and older values would pile up."""
    version = ctx.service.version
    if version is not None and version in cache:
        return cache[version]
    value = await compute()
    if version is not None:
        cache.clear()
        cache[version] = value
    return value


async def dataset_stats(ctx: Context) -> DatasetStats:
    """The dataset statistics (graph/stats.py), cached per store version. They count every
    graph, as a dump reads every row: they run under the dump's limits."""

    async def compute() -> DatasetStats:
        values, limits = stats_values(ctx.settings), ctx.settings.dump_limits
        rows = {n: await internal_rows(ctx, n, values.get(n), limits=limits) for n in STATS_QUERIES}
        return from_rows(rows)

    return await _for_version(ctx.dataset_stats, ctx, compute)


async def quality(ctx: Context) -> QualityReport:
    """The data quality report (graph/quality.py), cached per store version. Its queries read
    every fact (the dump's limits); the report is built on a worker thread, and each query it
    makes runs through the service on this event loop."""

    async def compute() -> QualityReport:
        loop, limits = asyncio.get_running_loop(), ctx.settings.dump_limits

        def run(query: str) -> Rows:
            future = asyncio.run_coroutine_threadsafe(select(ctx.service, query, limits), loop)
            return future.result()

        return await asyncio.to_thread(quality_report, run, ctx.settings)

    return await _for_version(ctx.quality, ctx, compute)


async def claims_about(
    ctx: Context,
    *,
    verdict: ox.NamedNode | None = None,
    about: ox.NamedNode | None = None,
    claim_subject: ox.NamedNode | None = None,
    article: ox.NamedNode | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Claims of ingested articles as plain JSON objects: with this verdict, about this entity
    (as subject or value), with this subject, of this article graph (each when given)."""
    values = {
        "article_ns": ctx.settings.article_ns,
        "verdict": verdict,
        "about": about,
        "claim_subject": claim_subject,
        "article": article,
    }
    found = await internal_rows(ctx, "claims", values, limit=limit, offset=offset)
    out = []
    for r in found:
        value = r["value"]
        out.append(
            {
                "claim": r["claim"].value,
                "article": r["g"].value,
                "subject": r["subject"].value if "subject" in r else None,
                "property": r["property"].value,
                "value": value.value,
                "valueIsIri": isinstance(value, ox.NamedNode),
                "text": r["text"].value,
                "start": text_offset(r["start"].value),
                "end": text_offset(r["end"].value),
                "verdict": r["verdict"].value.rsplit("#", 1)[-1],
                "reason": r["reason"].value if "reason" in r else None,
                "rule": r["rule"].value,
                "evidence": sorted(
                    {w for k in ("graphs", "sources") if k in r for w in r[k].value.split()}
                ),
            }
        )
    return out


async def history(
    ctx: Context,
    *,
    entity: ox.NamedNode | None = None,
    graph: ox.NamedNode | None = None,
    agent: ox.NamedNode | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, object]]:
    """Changes from the audit graph, newest first: to this entity, to this graph, by this agent
    (each when given)."""
    values = {"audit": ctx.settings.audit_graph, "entity": entity, "graph": graph, "agent": agent}
    found = await internal_rows(ctx, "history", values, limit=limit, offset=offset)
    out = []
    for row in found:
        r = {k: v.value for k, v in row.items()}
        out.append(
            {
                "change": r["c"],
                "operation": r["name"],
                "agent": r["agentName"],
                "started": r["started"],
                "ended": r["ended"],
                "quadsAdded": int(r["added"]),
                "quadsRemoved": int(r["removed"]),
                "reason": r.get("reason"),
                "graphs": (r.get("graphs") or "").split(),
                "entities": (r.get("entities") or "").split(),
            }
        )
    return out


SEARCH_TTL = 30.0  # seconds a remote store's index goes unchecked (it has no version)


async def search_index(ctx: Context) -> SearchIndex:
    """The text index of the store as it is now. On the embedded store it is brought up to date
    whenever the store version changes (every write publishes a new one), before it answers:
    a request never sees an index behind the data it queries. A remote store has no version:
    its index catches up after each write made through any process of this host (the write
    stamp changes) and every SEARCH_TTL seconds (for writes made elsewhere).

    Catching up replays the patches the audit graph records after the last change the index
    holds. The index is built again from the store when it cannot: no change was recorded when
    it was built, or that change is gone (the store was rebuilt, loaded or restored). A store
    loaded from a file whose audit graph holds that change but whose data differs from the
    state after it goes unnoticed until the next rebuild."""
    state = ctx.search
    write_stamp = getattr(ctx.service, "write_stamp", None)  # the remote backend's

    def current(version: str | None, stamp: str | None) -> bool:
        if state.index is None:
            return False
        if version is not None:
            return state.version == version
        return state.stamp == stamp and time.monotonic() - state.checked < SEARCH_TTL

    stamp = write_stamp() if write_stamp else None
    if current(ctx.service.version, stamp):
        return state.index  # type: ignore[return-value]  # current() checked it
    async with state.lock:  # one update at a time; others wait for it
        version = ctx.service.version
        stamp = write_stamp() if write_stamp else None
        if current(version, stamp):
            return state.index  # type: ignore[return-value]
        index = await _caught_up(ctx, state.index) if state.index else None
        if index is None:
            index = await _built(ctx)
        state.index, state.version, state.stamp = index, version, stamp
        state.checked = time.monotonic()
        return index


async def _built(ctx: Context) -> SearchIndex:
    """The index built from the store. The last change is read first: the rows hold it and
    perhaps later ones, which catching up replays again, without effect."""
    audit = {"audit": ox.NamedNode(ctx.settings.audit_graph)}
    latest = await internal_rows(ctx, "latest_change", audit)
    through = (latest[0]["c"].value, latest[0]["started"].value) if latest else None
    values = {"entity_ns": ctx.settings.entity_ns}
    rows = await internal_rows(ctx, "search_rows", values, limits=ctx.settings.dump_limits)
    return await asyncio.to_thread(index_from_rows, rows, Scope.of(ctx.settings), through)


async def _caught_up(ctx: Context, index: SearchIndex) -> SearchIndex | None:
    """`index` with the changes recorded since it was made, or None when it must be built
    again (see search_index)."""
    if index.through is None:
        return None
    change, started = ox.NamedNode(index.through[0]), index.through[1]
    audit = ox.NamedNode(ctx.settings.audit_graph)
    if not await internal_rows(ctx, "change_exists", {"audit": audit, "change": change}):
        return None
    values: dict[str, ox.NamedNode | str | None] = {
        "audit": audit,
        "after": change,
        "after_time": started,
    }
    later = await internal_rows(ctx, "feed", values, limits=ctx.settings.dump_limits)
    if not later:
        return index  # e.g. a version whose change it read while catching up last time
    if any("patch" not in r for r in later):
        return None  # a change recorded before changes kept their patches
    through = (later[-1]["c"].value, later[-1]["started"].value)
    patches = [r["patch"].value for r in later]
    return await asyncio.to_thread(index.applied, patches, through)


async def entity_versions(ctx: Context, iri: str) -> list[datetime]:
    """The datetimes (to the second) of the changes that touched an entity, oldest first."""
    values = {"audit": ox.NamedNode(ctx.settings.audit_graph), "entity": ox.NamedNode(iri)}
    rows = await internal_rows(ctx, "entity_versions", values)
    times = [datetime.fromisoformat(r["started"].value).replace(microsecond=0) for r in rows]
    return sorted(set(times))


async def snapshot(ctx: Context, at: datetime) -> QueryService:
    """The graph as it was at the end of `at`'s second: the store as it is, with the patches
    of every later change undone (the store itself when no change came later).

    A past state never changes, so it is keyed by the first change it leaves out (every second
    between two changes shares one) and kept across writes, a few at a time, on both
    backends; one is built at a time (with the dumps)."""
    limits = ctx.settings.dump_limits
    audit = ox.NamedNode(ctx.settings.audit_graph)
    values: dict[str, ox.NamedNode | str | None] = {"audit": audit, "after": audit_bound(at)}
    later = await internal_rows(ctx, "changes_after", values, limits=limits)
    if not later:
        return ctx.service
    key = later[-1]["c"].value  # newest first: the first change left out
    if key in ctx.snapshots:
        return ctx.snapshots[key]
    async with ctx.dump_slot:
        if key in ctx.snapshots:
            return ctx.snapshots[key]
        rows = await internal_rows(ctx, "dump_rows", limits=limits)
        # the changes read again, after the rows: one that lands in between is undone too,
        # and undoing a patch the rows do not hold yet changes nothing
        later = await internal_rows(ctx, "changes_after", values, limits=limits)
        quads = data_quads(rows, ctx.settings.remote_default_graph)
        store = await asyncio.to_thread(rebuild, quads, [r["patch"].value for r in later])
    service = SnapshotService(store, "before-" + key.rsplit("/", 1)[-1])
    while len(ctx.snapshots) >= 4:
        ctx.snapshots.pop(next(iter(ctx.snapshots)))
    ctx.snapshots[key] = service
    return service
