"""Protocol parameters from a query string or a form body, decoded strictly: percent-encoded
bytes that are not UTF-8 are a 400, never silently replaced by U+FFFD."""

from __future__ import annotations

from urllib.parse import parse_qs

from ..errors import BadInputError

__all__ = ["parse_params"]


def parse_params(text: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as e:
        raise BadInputError(
            f"a parameter holds percent-encoded bytes that are not UTF-8 ({e.reason})"
        ) from None
