"""`ibigraph ingest`: LLM-written articles into the store, as the HTTP ingestion does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .common import StoreOpt, err, handles_errors, load_settings, out

__all__ = ["ingest"]


@handles_errors
def ingest(
    articles: Annotated[list[Path], typer.Argument(help="LLMpedia article files (plain text)")],
    store: StoreOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why, for the audit graph")] = None,
) -> None:
    """Ingest LLM-written articles: each replaces its own graph (claims, mentions, verdicts).

    Every file is read first; if one is not such an article, nothing is ingested."""
    import getpass

    from rich.progress import Progress

    from ..graph.writes import ArticleIngestion, Principal, Vocabulary, commit_change
    from ..ingest import read_article
    from ..store import StoreWriter

    settings = load_settings(store)
    parsed = [read_article(p) for p in articles]
    vocab = Vocabulary(settings)
    principal = Principal(getpass.getuser(), "admin")
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"ingesting {len(parsed)} article(s)", total=len(parsed))
        for path, article in zip(articles, parsed, strict=True):
            ingestion = ArticleIngestion(article, settings, f"Article ingestion ({path.name})")
            commit_change(
                StoreWriter(settings.store_path),
                ingestion,
                principal=principal,
                request_text=f"ibigraph ingest {path.name} (sha256 {article.sha256})",
                reason=reason,
                vocab=vocab,
            )
            summary = ingestion.done().summary()
            out.print(
                f"{escape(path.name)}: {summary['claims']} claims ({summary['supported']} "
                f"supported, {summary['contradicted']} contradicted, {summary['unverifiable']} "
                f"unverifiable), {summary['entities']} entities linked, "
                f"{summary['candidates']} candidates -> {summary['graph']}"
            )
            progress.advance(task)
