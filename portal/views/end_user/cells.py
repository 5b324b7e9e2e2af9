"""The cells of a license that the portal's lists show on every row: its type, its status, its seats.

Functions (Jinja globals), not macros: a macro's call costs ~13 µs, and the licenses page of 25
rows called one of these three 75 times; ``end_user/_macros.html`` keeps the larger pieces.
Each answers what its macro did, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from portal.errors import N_
from portal.i18n import number, status_label, translate

TYPES = {
    "perpetual": N_("Perpetual"),
    "time-limited": N_("Time-limited"),
    "subscription": N_("Subscription"),
    "consumption": N_("Consumption"),
}
EXPIRED = N_("Expired")
UNLIMITED = N_("unlimited")


def license_type(value: str) -> Markup:
    """A license type in words, in the request's language; an unknown one capitalised."""
    label = TYPES.get(value)
    return Markup(translate(label)) if label is not None else escape(value.capitalize())


def license_status(license_: Any) -> Markup:
    """A license's status as the manager reads it: "Expired" once it is past its end."""
    if license_.is_expired:
        return Markup('<span class="badge badge-expired">%s</span>') % Markup(translate(EXPIRED))
    return Markup('<span class="badge badge-%s">%s</span>') % (license_.status, status_label(license_.status))


def seats(used: int, total: int | None) -> str:
    """Seats in use of those there are: "3 of 5", "3 of unlimited"."""
    shown = number(total) if total is not None else UNLIMITED
    return translate(N_("%(used)s of %(total)s", used=number(used), total=shown))


GLOBALS: dict[str, Callable[..., Any]] = {
    "license_type": license_type,
    "license_status": license_status,
    "seats": seats,
}
