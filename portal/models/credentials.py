"""What proves a person is who they say: their sessions, their second factor, staff reset links.

A session record belongs to staff or to a license manager (exactly one of the two columns).
The cookie holds a random ``sid``; the row holds its SHA-256, so the table alone signs no one in.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.models.base import Base, TenantOwned, created_at_column

ONE_PERSON = "(staff_user_id IS NULL) <> (license_manager_id IS NULL)"


class UserSession(TenantOwned, Base):
    """One signed-in browser: where it signed in from and when it was last seen."""

    __tablename__ = "user_session"
    __table_args__ = (sa.CheckConstraint(ONE_PERSON, name="one_person"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    staff_user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    license_manager_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE"), index=True
    )
    sid_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The person's session_version when it began: a later version means it ended with the others.
    version: so.Mapped[int] = so.mapped_column(default=1)
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    created_at: so.Mapped[dt.datetime] = created_at_column()
    last_seen_at: so.Mapped[dt.datetime] = created_at_column()
    ended_at: so.Mapped[dt.datetime | None]


class TwoFactor(TenantOwned, Base):
    """A person's TOTP secret; on once confirmed with a code. ``last_counter`` refuses replays."""

    __tablename__ = "two_factor"
    __table_args__ = (
        sa.CheckConstraint(ONE_PERSON, name="one_person"),
        sa.UniqueConstraint("staff_user_id"),
        sa.UniqueConstraint("license_manager_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    staff_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"))
    license_manager_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("license_manager.id", ondelete="CASCADE")
    )
    secret: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The TOTP time step of the last code accepted: a code of that step or earlier is refused.
    last_counter: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    enabled_at: so.Mapped[dt.datetime] = created_at_column()


class RecoveryCode(TenantOwned, Base):
    """One single-use recovery code of a second factor, stored hashed."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("two_factor_id", "code_hash"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    two_factor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("two_factor.id", ondelete="CASCADE"))
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[dt.datetime | None]


class StaffPasswordToken(Base):
    """A staff member's password-reset link: stored hashed, expires, works once."""

    __tablename__ = "staff_password_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    staff_user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    expires_at: so.Mapped[dt.datetime]
    used_at: so.Mapped[dt.datetime | None]
    created_at: so.Mapped[dt.datetime] = created_at_column()
