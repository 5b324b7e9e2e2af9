"""A signed-in person's own account, on either side: password, sessions, two-factor sign-in.

A person is a ``StaffUser`` or a ``LicenseManager``; the rows that belong to them name one of
the two (``person_columns``). Every change is audited with the person as actor and object.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.models import LicenseManager, StaffUser, TwoFactor, UserSession

Person = StaffUser | LicenseManager


def person_columns(person: Person) -> dict[str, int]:
    """The column and id that name this person on their sessions and second factor."""
    if isinstance(person, StaffUser):
        return {"staff_user_id": person.id}
    return {"license_manager_id": person.id}


def owned_by(model: type[UserSession] | type[TwoFactor], person: Person) -> sa.ColumnElement[bool]:
    """The WHERE clause of this person's rows of a model."""
    [(column, value)] = person_columns(person).items()
    clause: Any = getattr(model, column) == value
    return clause
