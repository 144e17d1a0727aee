"""What every command shares: the consoles, the common options, settings, and one way to turn
our typed errors into a readable line and an exit code (0 ok, 1 the data violates the shapes,
2 bad input: an unparsable file or query, a missing store, an unknown option)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ..config import Settings
from ..errors import IbigraphError, ValidationFailed
from ..graph.validate import ValidationReport, ValidationResult
from ..rdf.formats import FORMAT_ALIASES, GRAPH_TYPES, RESULTS_TYPES
from ..rdf.vocab import compact, prefixes

__all__ = [
    "GRAPH_FORMATS",
    "RESULT_FORMATS",
    "PathsArg",
    "ReportFormat",
    "StoreOpt",
    "err",
    "handles_errors",
    "load_settings",
    "out",
    "print_report",
    "print_results",
]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Store directory [env IBIGRAPH_STORE; var/store]")
]
PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Data files or directories (default: the data directory)", show_default=False
    ),
]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


# CLI format names -> pyoxigraph formats, through the service's own media-type tables
RESULT_FORMATS = {k: RESULTS_TYPES[FORMAT_ALIASES[k]] for k in ("json", "csv", "tsv", "xml")}
GRAPH_FORMATS = {k: GRAPH_TYPES[FORMAT_ALIASES[k]] for k in ("ttl", "nt", "jsonld", "trig", "nq")}


def load_settings(store: Path | None = None) -> Settings:
    """The settings of the environment, with the --store a command was given."""
    return Settings.from_env().with_(store_path=store)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our typed errors into one readable line and the documented exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as e:
            print_report(e.report, ReportFormat.text, Settings.from_env())
            err.print(f"[red]error:[/red] {escape(e.detail)}; nothing was written")
            raise typer.Exit(1) from None
        except IbigraphError as e:
            err.print(f"[red]error:[/red] {escape(e.detail)}")
            raise typer.Exit(2) from None
        except ValueError as e:  # bad settings, e.g. a malformed IBIGRAPH_BASE
            err.print(f"[red]error:[/red] {escape(str(e))}")
            raise typer.Exit(2) from None

    return wrapper


def print_report(report: ValidationReport, fmt: ReportFormat, settings: Settings) -> None:
    if fmt is ReportFormat.json:
        print(report.to_json())
        return
    print_results(report.results, settings)
    n, w = len(report.violations), len(report.warnings)
    verdict = "[green]conforms[/green]" if report.conforms else "[red]does not conform[/red]"
    out.print(f"{verdict}: {n} violation{'s' * (n != 1)}, {w} warning{'s' * (w != 1)}")
    if report.partial:
        out.print("stopped early (--max-violations): there may be more")


def print_results(results: Iterable[ValidationResult], settings: Settings) -> None:
    pm = prefixes(settings.base)

    def c(term: str | None) -> str:
        if term is None:
            return "-"
        return compact(term, pm) if term.startswith(("http://", "https://", "urn:")) else term

    colors = {"Violation": "red", "Warning": "yellow", "Info": "blue"}
    for r in results:
        color = colors[r.severity]
        out.print(
            f"[{color}]{r.severity}[/{color}] {escape(c(r.focus_node))}"
            f"  path={escape(c(r.path))}  value={escape(c(r.value))}"
        )
        out.print(f"    {escape(r.message)}  [dim]({r.constraint})[/dim]")
