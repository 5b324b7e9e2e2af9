"""Changing one's own password: the current one first, then every other session ends."""

from __future__ import annotations

from portal import audit
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.models import StaffUser
from portal.passwords import hash_password, verify_password
from portal.services.accounts import Person

WRONG_CURRENT = "This is not your current password."


def _hash_of(person: Person) -> str | None:
    return person.password_hash if isinstance(person, StaffUser) else person.license_user.password_hash


def confirm_password(person: Person, password: str) -> bool:
    """The person's password again, before a change that weakens or renews their sign-in."""
    if not verify_password(_hash_of(person), password):
        raise Invalid({"password": WRONG_CURRENT})
    return True


def set_password(person: Person, password: str) -> None:
    """Store a new password and bump the session version (every session carrying the old one ends)."""
    if isinstance(person, StaffUser):
        person.password_hash = hash_password(password)
    else:
        person.license_user.password_hash = hash_password(password)
        person.license_user.is_initial_password = False
    person.session_version += 1


def change_password(person: Person, current: str, new: str, *, actor: Actor) -> Person:
    """Check the current password, then set the new one; the caller signs this session in again."""
    if not verify_password(_hash_of(person), current):
        raise Invalid({"current_password": WRONG_CURRENT})
    set_password(person, new)
    db.session.flush()
    action = "staff.password_changed" if isinstance(person, StaffUser) else "manager.password_changed"
    audit.record(action, person, actor=actor)
    return person


def reset_staff_password(staff: StaffUser, password: str, *, actor: Actor) -> StaffUser:
    """Set a staff password from a reset link."""
    set_password(staff, password)
    db.session.flush()
    audit.record("staff.password_reset", staff, actor=actor)
    return staff
