"""The `ibigraph` command: thin commands over the same services as the HTTP layer.

Exit codes: 0 ok, 1 the data violates the shapes, 2 bad input (unparsable file or query,
missing store, unknown option). One module per group of commands: `data` (validate, build,
load, backup, restore, export, stats, release), `query`, `ingest`, `tokens`, `serve`; `common` holds
the consoles, options and error handling they share.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from .. import __version__
from . import data
from .common import out
from .ingest import ingest
from .query import query
from .serve import serve
from .tokens import token_app

__all__ = ["app"]

app = typer.Typer(
    help="ibigraph: a sourced knowledge graph about the International Brain Initiative.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    if version:
        out.print(f"ibigraph {__version__}")
        raise typer.Exit()


for command in (
    data.validate,
    data.build,
    data.load,
    data.backup,
    data.restore,
    ingest,
    serve,
    query,
    data.export,
    data.stats,
    data.release,
):
    app.command()(command)
app.add_typer(token_app, name="token")
