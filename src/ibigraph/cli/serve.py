"""`ibigraph serve`: the HTTP service under uvicorn's supervisor."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .. import __version__
from ..config import Settings
from ..errors import IbigraphError, StoreError
from .common import StoreOpt, err, out

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="HTTP worker processes [env IBIGRAPH_WORKERS; CPU count]")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(help="Query time limit, seconds [env IBIGRAPH_QUERY_TIMEOUT; 30]"),
    ] = None,
    store: StoreOpt = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log", help="Log one line per request [env IBIGRAPH_ACCESS_LOG; off]"
        ),
    ] = False,
    cache: Annotated[
        bool | None,
        typer.Option(
            "--cache/--no-cache",
            help="Keep query results per store version [env IBIGRAPH_QUERY_CACHE_BYTES; "
            "64 MiB, 0 = off]",
        ),
    ] = None,
) -> None:
    """Serve the SPARQL endpoint (and API docs) with uvicorn.

    A supervisor runs the worker processes and replaces any that exits; each worker evaluates
    queries in runner processes, which are stopped at the time and memory limits.
    """
    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    from ..api.protocol import GuardedHttpProtocol

    try:
        settings = Settings.from_env().with_(
            store_path=store, workers=workers, query_timeout=timeout
        )
        if settings.backend == "oxigraph" and not settings.store_path.exists():
            raise StoreError(f"no store at {settings.store_path}; run `ibigraph build` first")
    except (IbigraphError, ValueError) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None
    # the worker processes read their settings from the environment
    if not settings.public_url and host not in ("0.0.0.0", "::", ""):
        # documents name this URL, never the Host header a client sends
        shown_host = f"[{host}]" if ":" in host else host
        os.environ["IBIGRAPH_PUBLIC_URL"] = f"http://{shown_host}:{port}"
    if cache is False:
        settings = settings.with_(query_cache_bytes=0)
    elif cache and not settings.query_cache_bytes:
        settings = settings.with_(query_cache_bytes=Settings.query_cache_bytes)
    os.environ.update(
        IBIGRAPH_QUERY_CACHE_BYTES=str(settings.query_cache_bytes),
        IBIGRAPH_STORE=str(settings.store_path.absolute()),
        IBIGRAPH_WORKERS=str(settings.workers),
        IBIGRAPH_QUERY_TIMEOUT=str(settings.query_timeout),
    )
    _sweep_scratch()
    made = []  # the workers' scratch directories, removed at the end
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:  # their metrics (api/metrics.py)
        made.append(_scratch(METRICS_PREFIX))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = made[-1]
    if "IBIGRAPH_SHARED_COSTS" not in os.environ:  # the query costs they share (store/costs.py)
        made.append(_scratch(COSTS_PREFIX))
        os.environ["IBIGRAPH_SHARED_COSTS"] = os.path.join(made[-1], "costs")
    access_log = access_log or settings.access_log
    config = Config(
        "ibigraph.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=settings.workers,
        log_level="info" if access_log else "warning",
        access_log=access_log,  # method, path and status; never the Authorization header
        timeout_graceful_shutdown=10,
        http=GuardedHttpProtocol,  # limits on the request head and how long it may take
    )
    try:
        sock = _bind(host, port)
    except OSError as e:
        reason = e.strerror or str(e)
        err.print(
            f"[red]error:[/red] cannot listen on {escape(host)}:{port}: {escape(reason)}; is"
            " another server there? Choose another port: `make serve PORT=8001` or"
            " `ibigraph serve --port 8001`"
        )
        raise typer.Exit(2) from None
    shown = f"[{host}]" if ":" in host else host
    base = escape(f"http://{shown}:{sock.getsockname()[1]}")
    workers_text = f"{settings.workers} worker{'s' * (settings.workers != 1)}"
    tokens = settings.tokens_file
    writes = (
        f"with the tokens in {tokens}"
        if tokens and tokens.exists()
        else f"disabled until `ibigraph token add NAME` writes {tokens}"
    )
    out.print(
        f"ibigraph {__version__} is listening on {base} ({workers_text}, "
        f"{settings.backend} backend)\n"
        f"  SPARQL endpoint  {base}/sparql\n"
        f"  API docs         {base}/docs\n"
        f"  writes           {escape(writes)}\n"
        "Another port or interface: `make serve PORT=8001 HOST=0.0.0.0` (or --port, --host);"
        " Ctrl-C stops it."
    )
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


METRICS_PREFIX, COSTS_PREFIX = "ibigraph-metrics-", "ibigraph-costs-"


def _scratch(prefix: str) -> str:
    """A new temporary directory, named after this server's process (see `_sweep_scratch`)."""
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")


def _sweep_scratch() -> None:
    """Remove the scratch directories of servers that are gone: one that was killed (SIGKILL,
    a lost container) left them behind. Only this user's, and only where the process that made
    them is no more."""
    for prefix in (METRICS_PREFIX, COSTS_PREFIX):
        for path in Path(tempfile.gettempdir()).glob(f"{prefix}*-*"):
            pid = path.name.removeprefix(prefix).split("-", 1)[0]
            try:
                if not pid.isdigit() or path.lstat().st_uid != os.getuid():
                    continue
                os.kill(int(pid), 0)
            except ProcessLookupError:  # gone
                shutil.rmtree(path, ignore_errors=True)
            except OSError:  # alive (another user's), or the directory went meanwhile
                continue


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the URL is printed (as uvicorn binds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
