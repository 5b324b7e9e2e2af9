"""Ed25519 signatures on License API answers, so the vendor's software can verify them offline.

Each vendor account has one key pair, made on first use (migration 0004 made them for the
accounts that existed). The private key stays in the database; the public key is shown on
``/vendor/settings`` to be built into the software. A signed answer is
``{"payload": {...}, "signature": base64(Ed25519(canonical JSON of payload))}``; the canonical
JSON is ``json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` in UTF-8.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:  # the client imports verify() without the models
    from portal.models import VendorAccount

ALGORITHM = "Ed25519"


def canonical(payload: Any) -> bytes:
    """The bytes a signature covers."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def new_key_pair() -> tuple[str, str]:
    """A fresh (private, public) pair as base64 of the raw 32-byte keys."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw_private).decode(), base64.b64encode(raw_public).decode()


def ensure_key(vendor: VendorAccount) -> str:
    """The vendor's public key (base64), making the pair if it has none yet; the caller commits."""
    if not vendor.signing_private_key or not vendor.signing_public_key:
        vendor.signing_private_key, vendor.signing_public_key = new_key_pair()
    return vendor.signing_public_key


def public_key_pem(vendor: VendorAccount) -> str:
    """The vendor's public key as a PEM block (SubjectPublicKeyInfo)."""
    key = load_public_key(ensure_key(vendor))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@functools.lru_cache(maxsize=1024)
def _private_key(private_key: str) -> Ed25519PrivateKey:
    # Keyed by the key itself, so a cached object can never sign for another key.
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))


def sign(vendor: VendorAccount, payload: dict[str, Any]) -> dict[str, Any]:
    """The signed answer: the payload and a detached base64 signature over its canonical JSON."""
    ensure_key(vendor)
    return sign_with(vendor.signing_private_key or "", payload)


def sign_with(private_key: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``sign`` with the vendor's private key (base64 of the raw 32 bytes) already in hand."""
    signature = _private_key(private_key).sign(canonical(payload))
    return {"payload": payload, "signature": base64.b64encode(signature).decode(), "algorithm": ALGORITHM}


def load_public_key(public_key: str | bytes) -> Ed25519PublicKey:
    """A public key from base64 of the raw 32 bytes or from a PEM block."""
    text = public_key.decode() if isinstance(public_key, bytes) else public_key
    if "BEGIN PUBLIC KEY" in text:
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def verify(public_key: str | bytes, payload: Any, signature: str) -> bool:
    """Whether ``signature`` (base64) signs ``payload`` under ``public_key`` (base64 raw or PEM)."""
    try:
        load_public_key(public_key).verify(base64.b64decode(signature, validate=True), canonical(payload))
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True
