"""`ibigraph token`: bearer tokens for writes (only their hashes are stored)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..auth import TokenFile, add_token, remove_token
from ..config import Settings
from ..errors import StoreError
from .common import err, handles_errors, out

__all__ = ["token_app"]

token_app = typer.Typer(
    help="Bearer tokens for writes (hashed in var/tokens.json, or IBIGRAPH_TOKENS_FILE)."
)

TokensOpt = Annotated[
    Path | None,
    typer.Option(
        "--tokens-file", help="Tokens file [env IBIGRAPH_TOKENS_FILE; tokens.json beside the store]"
    ),
]


def _tokens_file(path: Path | None) -> Path:
    path = path or Settings.from_env().tokens_file
    if path is None:  # pragma: no cover - from_env always names one
        raise StoreError("no tokens file: set IBIGRAPH_TOKENS_FILE or pass --tokens-file")
    return path


@token_app.command("add")
@handles_errors
def token_add(
    name: Annotated[str, typer.Argument(help="Who uses it; recorded as the agent of changes")],
    role: Annotated[str, typer.Option("--role", help="reader, curator or admin")] = "curator",
    tokens_file: TokensOpt = None,
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    path = _tokens_file(tokens_file)
    token = add_token(path, name, role)
    err.print(
        f"token for {escape(name)} ({role}) added to {escape(str(path))}; a server reading "
        "that file accepts it at once. Shown once, store it now:"
    )
    print(token)


@token_app.command("list")
@handles_errors
def token_list(tokens_file: TokensOpt = None) -> None:
    """List token names and roles (never the tokens)."""
    table = Table("name", "role", "created")
    for e in TokenFile(_tokens_file(tokens_file)).entries():
        table.add_row(e.name, e.role, e.created)
    out.print(table)


@token_app.command("remove")
@handles_errors
def token_remove(name: str, tokens_file: TokensOpt = None) -> None:
    """Revoke a token (servers notice the file change on the next request)."""
    remove_token(_tokens_file(tokens_file), name)
    out.print(f"removed the token of {escape(name)}")
