"""The offline activation files: what the software writes, read strictly.

An air-gapped machine writes a request file (JSON), a manager uploads it, and the portal
answers with a response file signed by the vendor's Ed25519 key. The request names the
license (its key, or a license user's email for a user-based one), the product code, the
machine (hardware id, hostname, OS, SDK version), a nonce and when it was written. The
response echoes the nonce and the hardware id, so the software accepts only the answer to
its own request, on its own machine.

Every way a file can be wrong is an ``Invalid`` at the upload field, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from portal.errors import N_, Invalid

FIELD = "request_file"
FORMAT = "license-portal/offline-{kind}-request"
RESPONSE_FORMAT = "license-portal/offline-{kind}-response"
VERSION = 1
KINDS = ("activation", "deactivation")
# How long a request may travel between the machine and the portal, and how far a machine's
# clock may run ahead.
MAX_AGE = dt.timedelta(days=30)
MAX_SKEW = dt.timedelta(days=1)
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
TEXT_LIMITS = {"hardware_id": 128, "hostname": 255, "os": 100, "sdk_version": 32}


@dataclass(frozen=True)
class OfflineRequest:
    kind: str
    product: str
    license_key: str | None
    user: str | None
    hardware_id: str
    hostname: str
    os: str
    sdk_version: str
    nonce: str
    created_at: dt.datetime


def _bad(message: str) -> Invalid:
    return Invalid.at(FIELD, message)


def _text(data: dict, name: str, required: bool = False) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or any(ord(c) < 32 for c in value):
        raise _bad(N_("The request file's %(name)s is not text.", name=name))
    value = value.strip()
    if required and not value:
        raise _bad(N_("The request file has no %(name)s.", name=name))
    if len(value) > TEXT_LIMITS.get(name, 255):
        raise _bad(
            N_(
                "The request file's %(name)s is longer than %(limit)s characters.",
                name=name,
                limit=TEXT_LIMITS.get(name, 255),
            )
        )
    return value


def _timestamp(value: object, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str):
        raise _bad(N_("The request file has no timestamp."))
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(N_("The request file's timestamp is not a date and time.")) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if moment < now - MAX_AGE:
        raise _bad(N_("The request file is more than 30 days old: write a new one on the machine."))
    if moment > now + MAX_SKEW:
        raise _bad(N_("The request file is dated in the future: check the machine's clock."))
    return moment


def parse_request(raw: bytes, kind: str, now: dt.datetime) -> OfflineRequest:
    """Read an uploaded request file of this kind (activation or deactivation), or refuse it."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad(N_("This is not a request file: it is not JSON.")) from None
    if not isinstance(data, dict):
        raise _bad(N_("This is not a request file: it holds no JSON object."))
    other = next(k for k in KINDS if k != kind)
    if data.get("format") == FORMAT.format(kind=other):
        raise _bad(N_("This is an offline %(kind)s request: upload it on the offline %(kind)s page.", kind=other))
    if data.get("format") != FORMAT.format(kind=kind) or data.get("version") != VERSION:
        raise _bad(
            N_("This is not an offline %(kind)s request file (version %(version)s).", kind=kind, version=VERSION)
        )
    nonce = data.get("nonce")
    if not isinstance(nonce, str) or not NONCE.match(nonce):
        raise _bad(N_("The request file's nonce is missing or malformed."))
    key, user = _text(data, "license_key"), _text(data, "user").lower()
    if not key and not user:
        raise _bad(N_("The request file names neither a license key nor a user."))
    return OfflineRequest(
        kind=kind,
        product=_text(data, "product", required=True),
        license_key=key or None,
        user=user or None,
        hardware_id=_text(data, "hardware_id", required=True),
        hostname=_text(data, "hostname"),
        os=_text(data, "os"),
        sdk_version=_text(data, "sdk_version"),
        nonce=nonce,
        created_at=_timestamp(data.get("created_at"), now),
    )
