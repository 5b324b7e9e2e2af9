"""Reads of API keys: the vendor's list, and the look-up of a presented secret across vendors."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApiKey, IdempotentAnswer, LicenseManager, ManagerToken
from portal.tenancy import all_tenants

KEYS_SHOWN = 200


def keys() -> list[ApiKey]:
    """The vendor's keys, live ones first, newest first (bounded)."""
    return list(
        db.session.scalars(
            sa.select(ApiKey)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
            .limit(KEYS_SHOWN)
        )
    )


def key(key_id: int) -> ApiKey | None:
    return db.session.scalar(sa.select(ApiKey).where(ApiKey.id == key_id))


def key_by_prefix(prefix: str) -> ApiKey | None:
    """Any vendor's key with this prefix: the tenant is not known until the key is found."""
    with all_tenants(db.session):
        return db.session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix))


def token_by_prefix(prefix: str) -> tuple[ManagerToken, LicenseManager] | None:
    """Any vendor's manager token with this prefix, with its manager and their license user."""
    with all_tenants(db.session):
        row = db.session.execute(
            sa.select(ManagerToken, LicenseManager)
            .join(LicenseManager, LicenseManager.id == ManagerToken.manager_id)
            .where(ManagerToken.prefix == prefix)
            .options(sa.orm.joinedload(LicenseManager.license_user))
        ).first()
    return (row[0], row[1]) if row else None


def idempotent_answer(credential: str, key: str) -> IdempotentAnswer | None:
    return db.session.scalar(
        sa.select(IdempotentAnswer).where(IdempotentAnswer.credential == credential, IdempotentAnswer.key == key)
    )
