"""Writes of API keys: create one (its secret returned once, never stored), revoke, mark used."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import audit
from portal.audit import Actor
from portal.errors import N_, Conflict, Invalid
from portal.extensions import db
from portal.models import ApiKey, IdempotentAnswer, ManagerToken, utcnow
from portal.models.api import API_ACCESS
from portal.services.api_keys import secrets

# last_used_at moves at most this often: a busy key writes once a minute, not on every call.
USED_RESOLUTION = dt.timedelta(minutes=1)


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid.at("name", "Give the key a name.")
    if len(name) > 100:
        raise Invalid.at("name", "At most 100 characters.")
    return name


def create_key(name: str, access: str, *, staff_id: int | None, actor: Actor) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown once and never stored."""
    if access not in API_ACCESS:
        raise Invalid.at("access", "Choose read or read and write.")
    secret, prefix, hashed = secrets.new(secrets.KEY)
    key = ApiKey(
        name=_name(name),
        access=access,
        prefix=prefix,
        hash=hashed,
        created_by_staff_id=staff_id,
        created_by=actor.label,
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        "api_key.created",
        key,
        actor=actor,
        after={"name": key.name, "access": access, "prefix": prefix},
        object_type="api_key",
        object_label=f"API key {key.name}",
    )
    return key, secret


def revoke_key(key: ApiKey, *, actor: Actor) -> ApiKey:
    if key.revoked_at is not None:
        raise Conflict(f"API key {key.name} is already revoked.", code="already_revoked")
    key.revoked_at = utcnow()
    audit.record(
        "api_key.revoked",
        key,
        actor=actor,
        before={"revoked": False},
        after={"revoked": True},
        object_type="api_key",
        object_label=f"API key {key.name}",
    )
    return key


def create_token(manager_id: int, name: str, *, actor: Actor) -> tuple[ManagerToken, str]:
    """A manager's new personal token and its secret, shown once."""
    secret, prefix, hashed = secrets.new(secrets.TOKEN)
    token = ManagerToken(manager_id=manager_id, name=_name(name), prefix=prefix, hash=hashed)
    db.session.add(token)
    db.session.flush()
    audit.record(
        "manager_token.created",
        token,
        actor=actor,
        after={"name": token.name, "prefix": prefix},
        object_type="manager_token",
        object_label=f"API token {token.name}",
    )
    return token, secret


def revoke_token(token: ManagerToken, *, actor: Actor) -> ManagerToken:
    if token.revoked_at is not None:
        raise Conflict(N_("API token %(name)s is already revoked.", name=token.name), code="already_revoked")
    token.revoked_at = utcnow()
    audit.record(
        "manager_token.revoked",
        token,
        actor=actor,
        before={"revoked": False},
        after={"revoked": True},
        object_type="manager_token",
        object_label=f"API token {token.name}",
    )
    return token


def mark_used(model: type[ApiKey] | type[ManagerToken], row_id: int, last_used_at: dt.datetime | None) -> bool:
    """Stamp last_used_at when it is older than the resolution: one conditional UPDATE, and none
    at all (no write lock) while the stamp read with the key is fresh."""
    now = utcnow()
    if last_used_at is not None and last_used_at >= now - USED_RESOLUTION:
        return False
    result = db.session.execute(
        sa.update(model)
        .where(model.id == row_id, sa.or_(model.last_used_at.is_(None), model.last_used_at < now - USED_RESOLUTION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def save_answer(credential: str, key: str, request_hash: str, status: int, body: str) -> bool:
    """Keep a creating POST's answer under its idempotency key, with the change it answers.

    False when another request took the key meanwhile: the caller rolls its change back.
    """
    answer = IdempotentAnswer(credential=credential, key=key, request_hash=request_hash, status=status, body=body)
    try:
        with db.session.begin_nested():
            db.session.add(answer)
            db.session.flush()
    except sa.exc.IntegrityError:
        return False
    return True
