"""The embedded store's query workers: separate processes, so a runaway query can be stopped.

pyoxigraph cannot interrupt a running query (upstream oxigraph issue #1926), so each query runs
in one of a few worker processes that open the store read-only. The event loop talks to them
over Unix socket pairs (length-prefixed pickles, then the raw body), never blocking; a result
is read whole from the worker (its size is capped) so the worker is free for the next query
while the body streams to the client. A query
that passes the time limit has its worker killed and replaced; the other workers keep serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import Busy, IbigraphError, QueryTimeout, StoreError
from ..sparql import QueryRequest, Rendered

__all__ = ["QueryReply", "WorkerPool", "store_version"]

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")


def store_version(path: Path) -> str:
    """Changes whenever `ibigraph build` swaps in a new store."""
    real = path.resolve()
    try:
        return f"{real.name}-{real.stat().st_mtime_ns}"
    except OSError:
        return real.name


# --- worker process ---------------------------------------------------------------------------


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _send_frame(sock: socket.socket, obj: object, body: bytes = b"") -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)
    if body:
        sock.sendall(body)


def _evaluate(store, req: QueryRequest) -> Rendered:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    from ..sparql import render

    kwargs: dict[str, object] = {"base_iri": req.base_iri}
    if req.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in req.default_graphs]
    if req.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in req.named_graphs]
    try:
        result = store.query(req.query, **kwargs)
    except SyntaxError as e:
        from ..errors import QuerySyntaxError

        raise QuerySyntaxError(f"SPARQL syntax {e}") from None
    return render(result, req.accept, req.limits)


def _worker_main(sock: socket.socket, store_path: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    import pyoxigraph as ox

    store = ox.Store.read_only(store_path)
    while True:
        try:
            (n,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
            req: QueryRequest = pickle.loads(_recv_exact(sock, n))
        except EOFError:
            return
        try:
            out = _evaluate(store, req)
        except IbigraphError as e:
            _send_frame(sock, ("error", type(e).__name__, e.detail, getattr(e, "offered", None)))
            continue
        except Exception as e:  # engine errors (e.g. a type error while evaluating): report them
            _send_frame(sock, ("error", "IbigraphError", f"query evaluation failed: {e}", None))
            continue
        _send_frame(sock, ("ok", out.media_type, len(out.body)), out.body)


# --- parent side ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    generation: str  # the store directory it opened

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        if self.process.is_alive() and self.process.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)


@dataclass(frozen=True)
class QueryReply:
    """A rendered result, ready to send."""

    media_type: str
    body: bytes


def _error(kind: str, detail: str, offered: list[str] | None) -> IbigraphError:
    from .. import errors

    cls = getattr(errors, kind, errors.IbigraphError)
    if kind == "NotAcceptable":
        return errors.NotAcceptable(offered or [])
    return cls(detail)  # type: ignore[no-any-return]


class WorkerPool:
    """A fixed number of query worker processes over one read-only store."""

    def __init__(self, store_path: Path, workers: int) -> None:
        if not store_path.exists():
            raise StoreError(f"no store at {store_path}; run `ibigraph build` first")
        self.store_path = store_path
        self.size = max(1, workers)
        self._generation = os.path.realpath(store_path)
        self._version = store_version(store_path)
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._closed = False
        self.restarts = 0

    async def start(self) -> None:
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    async def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        generation = os.path.realpath(self.store_path)
        process = self._ctx.Process(target=_worker_main, args=(child, generation), daemon=True)
        await asyncio.to_thread(process.start)
        child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent, limit=1 << 21)
        w = _Worker(process, reader, writer, generation)
        self._all.add(w)
        return w

    async def _replace(self, w: _Worker) -> None:
        self._all.discard(w)
        await asyncio.to_thread(w.kill)
        if not self._closed:
            self.restarts += 1
            self._idle.put_nowait(await self._spawn())

    @property
    def version(self) -> str:
        """Changes when `ibigraph build` swaps in a new store (a readlink per call)."""
        current = os.path.realpath(self.store_path)
        if current != self._generation:
            self._generation, self._version = current, store_version(self.store_path)
        return self._version

    @property
    def busy(self) -> int:
        return len(self._all) - self._idle.qsize()

    async def execute(self, req: QueryRequest) -> QueryReply:
        deadline = time.monotonic() + req.limits.timeout
        try:
            w = await asyncio.wait_for(self._idle.get(), timeout=req.limits.timeout)
        except TimeoutError:
            raise Busy(
                f"all {self.size} query workers stayed busy for {req.limits.timeout:g} s; try again"
            ) from None
        if w.generation != os.path.realpath(self.store_path):
            # `ibigraph build` swapped in a new store: this worker moves to it
            self._all.discard(w)
            await asyncio.to_thread(w.kill)
            w = await self._spawn()
        try:
            payload = pickle.dumps(req, protocol=pickle.HIGHEST_PROTOCOL)
            w.writer.write(_HEADER.pack(len(payload)) + payload)
            remaining = max(0.001, deadline - time.monotonic())
            head = await asyncio.wait_for(self._read_frame(w), timeout=remaining)
        except TimeoutError:
            log.warning("query stopped at the %.1f s limit: %.200s", req.limits.timeout, req.query)
            asyncio.get_running_loop().create_task(self._replace(w))
            raise QueryTimeout(
                f"the query ran longer than {req.limits.timeout:g} s and was stopped; "
                "narrow it or add a LIMIT"
            ) from None
        except (EOFError, ConnectionError, asyncio.IncompleteReadError):
            asyncio.get_running_loop().create_task(self._replace(w))
            raise IbigraphError("the query worker died while evaluating this query") from None
        except BaseException:
            asyncio.get_running_loop().create_task(self._replace(w))
            raise
        if head[0] == "error":
            self._idle.put_nowait(w)
            raise _error(head[1], head[2], head[3])
        _, media_type, length = head
        try:  # read the whole body now, so the worker is free at once whatever the client does
            remaining = max(0.001, deadline - time.monotonic()) + 5
            body = await asyncio.wait_for(w.reader.readexactly(length), timeout=remaining)
        except BaseException:
            asyncio.get_running_loop().create_task(self._replace(w))
            raise
        self._idle.put_nowait(w)
        return QueryReply(media_type, body)

    async def _read_frame(self, w: _Worker) -> tuple:  # type: ignore[type-arg]
        (n,) = _HEADER.unpack(await w.reader.readexactly(_HEADER.size))
        return pickle.loads(await w.reader.readexactly(n))  # type: ignore[no-any-return]

    async def close(self) -> None:
        self._closed = True
        for w in list(self._all):
            await asyncio.to_thread(w.kill)
        self._all.clear()
