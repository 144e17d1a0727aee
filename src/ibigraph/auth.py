"""Bearer tokens and roles.

The tokens file (`IBIGRAPH_TOKENS_FILE`) holds only SHA-256 hashes of tokens, with a name (the
principal recorded in the audit graph) and a role. Tokens are 256-bit random strings, so an
unsalted fast hash is enough: nothing can be guessed from it. `add_token` prints a token once;
it is never stored or logged in clear. Roles are ordered: reader < curator < admin.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import BadInputError, Forbidden, StoreError, Unauthorized

__all__ = ["ROLES", "TokenEntry", "TokenFile", "add_token", "remove_token"]

ROLES = ("reader", "curator", "admin")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PREFIX = "ibg_"


@dataclass(frozen=True)
class TokenEntry:
    name: str
    role: str
    sha256: str
    created: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _read(path: Path) -> list[TokenEntry]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return [TokenEntry(**e) for e in data.get("tokens", [])]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError) as e:
        raise StoreError(f"cannot read the tokens file {path}: {e}") from None


def _write(path: Path, entries: list[TokenEntry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"tokens": [asdict(e) for e in entries]}, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def add_token(path: Path, name: str, role: str) -> str:
    """Create a token for `name`; returns it (the only time it is seen in clear)."""
    if not _NAME.match(name):
        raise BadInputError(
            f"token name {name!r}: use 1-64 letters, digits, '.', '_' or '-' (it names the "
            "principal in the audit graph)"
        )
    if role not in ROLES:
        raise BadInputError(f"role {role!r}: use one of {', '.join(ROLES)}")
    entries = _read(path)
    if any(e.name == name for e in entries):
        raise BadInputError(f"a token named {name!r} exists; remove it first")
    token = PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    _write(path, [*entries, TokenEntry(name, role, _hash(token), created)])
    return token


def remove_token(path: Path, name: str) -> None:
    entries = _read(path)
    if not any(e.name == name for e in entries):
        raise BadInputError(f"no token named {name!r}")
    _write(path, [e for e in entries if e.name != name])


class TokenFile:
    """The tokens of a running server; re-read when the file changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._entries: list[TokenEntry] = []

    def entries(self) -> list[TokenEntry]:
        if self.path is None:
            return []
        try:
            st = self.path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return []
        if stamp != self._stamp:
            self._entries, self._stamp = _read(self.path), stamp
        return self._entries

    def authenticate(self, authorization: str | None, role: str, action: str) -> TokenEntry:
        """The entry of a valid bearer token of at least `role`; raise 401/403 otherwise."""
        entries = self.entries()
        if not entries:
            where = f" in {self.path}" if self.path else ""
            raise Forbidden(
                f"{action} is disabled on this server: no access tokens are configured{where} "
                "(create one with `ibigraph token add NAME --role curator`; a running server "
                "picks it up at once)"
            )
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(f"{action} needs a bearer token: send `Authorization: Bearer …`")
        digest = _hash(token.strip())
        found = None
        for e in entries:  # compare with every entry, in constant time each
            if hmac.compare_digest(e.sha256, digest):
                found = e
        if found is None:
            raise Unauthorized("the bearer token is not valid on this server")
        if found.role not in ROLES:
            raise Forbidden(f"the token of {found.name!r} has an unknown role {found.role!r}")
        if ROLES.index(found.role) < ROLES.index(role):
            raise Forbidden(
                f"{action} needs the {role} role; the token of {found.name!r} has the role "
                f"{found.role}"
            )
        return found
