"""How lists of license users sort: the columns every such list shares (the users page, a license's
users, a group's members), each ending in the id; "never signed in" sorts as the oldest sign-in."""

from __future__ import annotations

from typing import Any

from portal.lists import Sorts
from portal.models import LicenseUser

PERSON_COLUMNS: dict[str, tuple[Any, ...]] = {
    "email": (LicenseUser.email, LicenseUser.id),
    "name": (LicenseUser.last_name, LicenseUser.first_name, LicenseUser.id),
    "last_login": (LicenseUser.last_login_at, LicenseUser.id),
}
PERSON_SORTS = Sorts(PERSON_COLUMNS, default="email", nulls_low=True)
