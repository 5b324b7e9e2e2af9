"""The one shape of an API secret: ``<kind>_<prefix>_<secret>``, kept as a SHA-256 hash.

Secrets are 32 random bytes, so a fast hash is enough (no password stretching is needed to
resist guessing); the prefix finds the row without the hash, and the comparison runs in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY = "lpk"
TOKEN = "lpt"
PREFIX_LENGTH = 12


def new(kind: str) -> tuple[str, str, str]:
    """A new secret of this kind: (the whole secret, its prefix, its hash)."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return secret, prefix, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(secret: str) -> tuple[str, str] | None:
    """The kind and prefix of a presented secret, or None when it cannot be one of ours."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] not in (KEY, TOKEN) or len(parts[1]) != PREFIX_LENGTH or not parts[2]:
        return None
    return parts[0], parts[1]


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_hash)
