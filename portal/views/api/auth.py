"""Who calls the management API: ``Authorization: Bearer <API key or manager's token>``.

``guard(bp)`` authenticates every request of a management area before its view runs: the
secret's prefix finds the row across vendors (``tenancy.all_tenants``), the hash is compared
in constant time, then the vendor account becomes the tenant of the session, so nothing of
another vendor can be reached afterwards. A revoked key, a revoked token or a disabled
manager is a 401 like a wrong secret; a read key gets 403 ``read_only_key`` on every write.

A caller's reach is ``principal().order_ids``: every order of the vendor for an API key,
the manager's own orders (``portal.scope``) for a token. ``require(code)`` is the manager's
permission (403 naming it); ``require_vendor()`` refuses tokens what only the vendor does.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, g, request

from portal import permissions as perms
from portal import scope
from portal.audit import Actor
from portal.extensions import db
from portal.models import ApiKey, LicenseManager, ManagerToken
from portal.services.api_keys import actions as key_actions
from portal.services.api_keys import queries as key_queries
from portal.services.api_keys import secrets
from portal.services.management import queries as management
from portal.tenancy import set_tenant
from portal.views.api.errors import error

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the vendor's key, or a manager through their token."""

    vendor_account_id: int
    actor: Actor
    credential: str  # "key:<id>" or "token:<id>"
    can_write: bool
    manager: LicenseManager | None = None

    @property
    def order_ids(self) -> Any:
        if self.manager is None:
            return management.all_orders()
        return scope.managed_order_ids(self.manager.id)


def _unauthorized(message: str) -> Response:
    response = error(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _authenticate(secret: str) -> Principal | None:
    parsed = secrets.parse(secret)
    if parsed is None:
        return None
    kind, prefix = parsed
    ip = (request.remote_addr or "")[:45]
    if kind == secrets.KEY:
        key = key_queries.key_by_prefix(prefix)
        if key is None or key.revoked_at is not None or not secrets.matches(secret, key.hash):
            return None
        set_tenant(db.session, key.vendor_account_id)
        used: tuple[type[ApiKey] | type[ManagerToken], int, Any] = (ApiKey, key.id, key.last_used_at)
        principal = Principal(
            key.vendor_account_id,
            Actor("api_key", key.id, f"API key {key.name}", None, ip),
            f"key:{key.id}",
            key.can_write,
        )
    else:
        found = key_queries.token_by_prefix(prefix)
        if found is None:
            return None
        token, manager = found
        if token.revoked_at is not None or manager.status == "disabled" or not secrets.matches(secret, token.hash):
            return None
        set_tenant(db.session, token.vendor_account_id)
        used = (ManagerToken, token.id, token.last_used_at)
        principal = Principal(token.vendor_account_id, Actor.of(manager, ip), f"token:{token.id}", True, manager)
    if key_actions.mark_used(*used):
        db.session.commit()  # its own small transaction: a later refusal must not undo "last used"
    return principal


def guard(bp: Blueprint) -> None:
    """Every view of the blueprint needs a valid key or token; writes need a read-write one."""

    @bp.before_request
    def _authenticate_request() -> Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return _unauthorized("Send an API key or token: Authorization: Bearer <secret>.")
        found = _authenticate(secret.strip())
        if found is None:
            return _unauthorized("This API key or token is not valid (wrong, revoked, or its manager is disabled).")
        g.api_principal = found
        if request.method not in READ_METHODS and not found.can_write:
            return error(403, "read_only_key", "This API key is read-only: use a read-write key to make changes.")
        return None


def principal() -> Principal:
    found: Principal = g.api_principal
    return found


def require(code: str) -> None:
    """Refuse a manager's token an action their permissions do not allow (an API key may)."""
    manager = principal().manager
    if manager is not None and not manager.has_permission(code):
        label = perms.label(code)
        abort(error(403, "permission_denied", f"You need the “{label}” permission ({code}) to do this."))


def require_vendor() -> None:
    """Only the vendor's API key does this (customer records, managers): a token is refused."""
    if principal().manager is not None:
        abort(error(403, "vendor_key_required", "Only a vendor API key can do this; a manager's token cannot."))


def creating(view: Callable[..., tuple[dict, int]]) -> Callable[..., Response]:
    """A creating POST: one commit, and an ``Idempotency-Key`` replays the first answer.

    The answer is stored in the transaction that made the change, so either both are written
    or neither. The same key with another body is refused (422); a concurrent duplicate loses
    on the unique (credential, key) and gets the winner's answer.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            body, status = view(*args, **kwargs)
            db.session.commit()
            return _json(body, status)
        if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
            return error(
                422, "invalid_idempotency_key", f"An Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX} characters."
            )
        credential = principal().credential
        request_hash = hashlib.sha256(request.method.encode() + request.path.encode() + request.get_data()).hexdigest()
        replay = _replay(credential, key, request_hash)
        if replay is not None:
            return replay
        body, status = view(*args, **kwargs)
        text = json.dumps(body)
        if not key_actions.save_answer(credential, key, request_hash, status, text):
            db.session.rollback()  # another request with this key won: undo ours, answer theirs
            return _replay(credential, key, request_hash) or error(409, "conflict", "Try again.")
        db.session.commit()
        return _json(body, status)

    return wrapper


def _replay(credential: str, key: str, request_hash: str) -> Response | None:
    stored = key_queries.idempotent_answer(credential, key)
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        return error(
            422, "idempotency_key_reused", "This Idempotency-Key was used with another request; use a new key."
        )
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def commit() -> None:
    """The one commit of a non-creating write."""
    db.session.commit()
