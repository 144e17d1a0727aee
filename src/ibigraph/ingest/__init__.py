"""Ingest LLM-written encyclopedia articles: parse them, extract claims, link and verify them."""

__all__: list[str] = []
