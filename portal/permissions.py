"""The twelve license manager permissions, stored as bits of one integer column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from portal.errors import N_


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    description: str
    bit: int


_DEFINITIONS = [
    ("create_order", N_("Create order"), "Create an order, which the manager then manages."),
    ("create_bundle_order", N_("Create bundle order"), "Create one order holding licenses of several products."),
    (
        "issue_license",
        N_("Issue license"),
        "Issue licenses, limited to the allowed products (with their caps) and policies.",
    ),
    ("edit_license", N_("Edit license"), "Enable or disable a license and edit its note."),
    ("reset_license", N_("Reset license"), "Remove all devices from a license."),
    ("reset_device", N_("Reset device"), "Deactivate one device, or release a floating seat."),
    ("revoke_device", N_("Revoke device"), "Block a device from activating again, and lift the block."),
    ("borrow_license", N_("Borrow license"), "Let a device borrow a floating seat until a date."),
    ("manage_license_users", N_("Manage license users"), "Assign and unassign users on user-based licenses."),
    (
        "manage_license_user_credentials",
        N_("Manage license user credentials"),
        "Set or reset license users' passwords.",
    ),
    ("manage_managers", N_("Manage managers"), "Add or remove other license managers on their orders."),
    ("manage_user_groups", N_("Manage user groups"), "Create groups and add or remove members."),
]

PERMISSIONS: list[Permission] = [
    Permission(code, label, description, 1 << i) for i, (code, label, description) in enumerate(_DEFINITIONS)
]
BY_CODE: dict[str, Permission] = {p.code: p for p in PERMISSIONS}
CODES: list[str] = [p.code for p in PERMISSIONS]
ALL_BITS = (1 << len(PERMISSIONS)) - 1

FACTORY_DEFAULT = (
    "manage_license_users",
    "issue_license",
    "create_order",
    "reset_license",
    "reset_device",
    "manage_license_user_credentials",
)


class UnknownPermission(ValueError):
    """A permission code that is not one of the twelve."""


def to_bits(codes: Iterable[str]) -> int:
    """Return the bit mask for permission codes; raise UnknownPermission on a bad code."""
    bits = 0
    for code in codes:
        try:
            bits |= BY_CODE[code].bit
        except KeyError:
            raise UnknownPermission(code) from None
    return bits


def to_codes(bits: int) -> list[str]:
    """Return the permission codes set in a bit mask, in the canonical order."""
    return [p.code for p in PERMISSIONS if bits & p.bit]


def label(code: str) -> str:
    return BY_CODE[code].label


FACTORY_DEFAULT_BITS = to_bits(FACTORY_DEFAULT)


@dataclass(frozen=True)
class Difference:
    """How a manager's permission bits differ from a reference set (the vendor's default)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def same(self) -> bool:
        return not self.added and not self.removed

    @cached_property
    def summary(self) -> str:
        """Short form for a list cell: "+2 / −1", "+1", "−3", or "" when the sets are equal."""
        parts = [f"+{len(self.added)}" if self.added else "", f"−{len(self.removed)}" if self.removed else ""]
        return " / ".join(p for p in parts if p)

    @cached_property
    def described(self) -> str:
        """The same difference named, for a tooltip or the pane: "Adds Create order; lacks Reset device"."""
        parts = []
        if self.added:
            parts.append("Adds " + ", ".join(label(c) for c in self.added))
        if self.removed:
            parts.append("lacks " + ", ".join(label(c) for c in self.removed))
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] if text else "Same as the default set"


@lru_cache(maxsize=4096)  # a list shows the same few sets on every row and every page
def difference(bits: int, reference_bits: int) -> Difference:
    """The permissions ``bits`` has beyond ``reference_bits`` and those it lacks, in canonical order."""
    return Difference(tuple(to_codes(bits & ~reference_bits)), tuple(to_codes(reference_bits & ~bits)))
