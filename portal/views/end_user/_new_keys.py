"""The "download the N new keys" link shown right after issuing: signed, for one manager and order.

The link names exactly the licenses just issued, and works for a day for the manager who
issued them (and who still manages the order); anyone else, or a tampered link, gets a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_AGE = 24 * 3600
SALT = "portal.new-keys"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def sign(manager_id: int, order_id: int, license_ids: list[int]) -> str:
    """A token naming these licenses of the order, for this manager."""
    return _serializer().dumps({"m": manager_id, "o": order_id, "ids": sorted(license_ids)})


def license_ids(token: str | None, manager_id: int, order_id: int) -> list[int] | None:
    """The license ids a token names, when it is valid for this manager and order; None otherwise."""
    if not token:
        return None
    try:
        data: Any = _serializer().loads(token, max_age=MAX_AGE)
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or data.get("m") != manager_id or data.get("o") != order_id:
        return None
    ids = data.get("ids")
    if not isinstance(ids, list) or not all(type(i) is int for i in ids):
        return None
    return ids


@dataclass
class NewKeys:
    url: str
    count: int


def link(token: str | None, manager_id: int, order_id: int) -> NewKeys | None:
    """The download link for the order page, when its ``issued`` token is valid."""
    ids = license_ids(token, manager_id, order_id)
    if not ids:
        return None
    return NewKeys(url_for("end_user.orders.new_keys", order_id=order_id, batch=token), len(ids))
