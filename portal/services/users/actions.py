"""License users: found or created by email for a customer, and their passwords set by a manager."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.audit import Actor
from portal.errors import N_, Invalid
from portal.extensions import db
from portal.models import LicenseManager, LicenseUser
from portal.passwords import hash_password
from portal.services.users import queries

# No look-alike characters (0/O, 1/l/I): the password is read off a screen and typed.
ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# The same words whoever holds the email (another customer's user, or one outside the manager's
# reach): the answer must not tell that such a person exists, nor who or where they are.
UNREACHABLE = N_("This email cannot be used here. Check the address, or ask your vendor to add this person.")


def find_or_create_user(
    email: str,
    first_name: str,
    last_name: str,
    *,
    customer_account_id: int | None,
    manager: LicenseManager,
    actor: Actor,
) -> tuple[LicenseUser, bool]:
    """The license user with this email, created for the customer account if unknown; and whether created.

    An existing user is never changed here: their names belong to them and their organisation.
    A user the manager may not reach (``queries.reachable``) is refused at the email field.
    """
    email = email.strip().lower()
    user = queries.find_user(email)
    if user is None:
        user = LicenseUser(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            customer_account_id=customer_account_id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            # Another request created the same email a moment ago: theirs, if it may be reached.
            user = queries.find_user(email)
        else:
            audit.record("license_user.created", user, actor=actor, after={"email": email})
            return user, True
    if user is None or not queries.reachable(user, customer_account_id, manager):
        raise Invalid.at("email", UNREACHABLE)
    return user, False


def generate_password() -> str:
    """Four groups of four random characters: about 94 bits."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))


def refusal(user: LicenseUser, manager: LicenseManager) -> str | None:
    """Why this manager may not set this user's password, or None when they may."""
    if user.id == manager.license_user_id:
        return None
    if queries.manager_of(user) is not None:
        # Setting another manager's password would let one manager sign in as another.
        return N_(
            "%(email)s is a license manager: only they can change their password "
            "(or reset it by email), not another manager.",
            email=user.email,
        )
    if user.customer_account_id not in (None, manager.customer_account_id):
        return N_(
            "%(email)s belongs to another organisation: its own managers or the vendor set their password.",
            email=user.email,
        )
    return None


def set_password(user: LicenseUser, password: str | None, *, manager: LicenseManager, actor: Actor) -> str:
    """Set the password (or a generated one) and return it; others must change it on sign-in.

    When the user is a license manager, every session of theirs ends (their session version
    moves on); the web starts the acting manager's own session again when it was their password.
    """
    password = password or generate_password()
    user.password_hash = hash_password(password)
    # Someone else chose it, so the user picks their own at the next sign-in; a manager
    # setting their own password chose it themselves.
    user.is_initial_password = user.id != manager.license_user_id
    signs_in = manager if user.id == manager.license_user_id else queries.manager_of(user)
    if signs_in is not None:
        signs_in.session_version += 1
    db.session.flush()
    audit.record(
        "license_user.password_set", user, actor=actor, after={"is_initial_password": user.is_initial_password}
    )
    return password
