"""Apply the vendor's default permission set to existing managers: a preview, then one change each.

The managers are all of the account's, or those the overview's query matches. The preview says
who changes and how (permissions gained and lost, products and policies allowed or taken away,
caps), for a bounded list and a count; applying goes through ``permission_sets.save_for_manager``
per manager, each in its own savepoint, so each change is audited on its own and a manager whose
cap cannot be lowered (licenses issued beyond it) is skipped with the reason, the others applied.
At most ``LIMIT`` managers at a time: a larger selection is refused, to narrow with the filters
(the bulk actions of the overview run larger selections as a job).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import audit
from portal import permissions as perms
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import LicenseManager, LicensePolicy, ManagerPolicy, ManagerProduct, Product
from portal.services.license_managers import overview, permission_sets
from portal.services.license_managers.permission_sets import PermissionSet

LIMIT = 1000
PREVIEW_ROWS = 50
BATCH = 200


@dataclass
class Change:
    """How one manager's set would change: what they gain and lose."""

    manager_id: int
    email: str
    name: str
    gains: list[str] = field(default_factory=list)
    loses: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = [f"+{len(self.gains)}" if self.gains else "", f"−{len(self.loses)}" if self.loses else ""]
        return " / ".join(p for p in parts if p)


@dataclass
class Preview:
    matching: int
    changes: list[Change]  # the first PREVIEW_ROWS of those that change
    changed: int  # how many of the matching managers change
    too_many: bool = False


@dataclass
class Outcome:
    applied: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (email, why)


def manager_ids(query: overview.OverviewQuery) -> list[int]:
    """The ids of the managers the query matches, at most LIMIT + 1 (to tell "too many")."""
    rows = overview.rows_select(query).subquery()
    return list(db.session.scalars(sa.select(rows.c.id).order_by(rows.c.id).limit(LIMIT + 1)))


def _names() -> tuple[dict[int, str], dict[int, str]]:
    products = dict(db.session.execute(sa.select(Product.id, Product.name)).tuples().all())
    policies = dict(db.session.execute(sa.select(LicensePolicy.id, LicensePolicy.name)).tuples().all())
    return products, policies


def _sets(ids: Sequence[int]) -> list[tuple[LicenseManager, PermissionSet]]:
    """The managers with their sets as they are now, in three queries for the batch."""
    managers = db.session.scalars(
        sa.select(LicenseManager)
        .where(LicenseManager.id.in_(ids))
        .options(so.joinedload(LicenseManager.license_user))
        .order_by(LicenseManager.id)
    ).all()
    products: dict[int, dict[int, int | None]] = {m.id: {} for m in managers}
    for row in db.session.scalars(sa.select(ManagerProduct).where(ManagerProduct.manager_id.in_(ids))):
        products[row.manager_id][row.product_id] = row.cap
    policies: dict[int, list[int]] = {m.id: [] for m in managers}
    for mid, pid in db.session.execute(
        sa.select(ManagerPolicy.manager_id, ManagerPolicy.policy_id).where(ManagerPolicy.manager_id.in_(ids))
    ).tuples():
        policies[mid].append(pid)
    return [(m, PermissionSet(m.permissions, products[m.id], tuple(sorted(policies[m.id])))) for m in managers]


def _cap(cap: int | None) -> str:
    return "no cap" if cap is None else f"cap {cap}"


def change_of(
    manager: LicenseManager, current: PermissionSet, default: PermissionSet, names: tuple[dict, dict]
) -> Change:
    """What applying the default set would change for this manager, named."""
    product_names, policy_names = names
    diff = perms.difference(default.permissions, current.permissions)
    user = manager.license_user
    change = Change(manager.id, user.email, user.full_name)
    change.gains = [perms.label(c) for c in diff.added]
    change.loses = [perms.label(c) for c in diff.removed]
    for pid in sorted(default.products.keys() - current.products.keys()):
        change.gains.append(f"product {product_names.get(pid, pid)} ({_cap(default.products[pid])})")
    for pid in sorted(current.products.keys() - default.products.keys()):
        change.loses.append(f"product {product_names.get(pid, pid)}")
    for pid in sorted(default.products.keys() & current.products.keys()):
        if default.products[pid] != current.products[pid]:
            before, after = _cap(current.products[pid]), _cap(default.products[pid])
            change.gains.append(f"{product_names.get(pid, pid)}: {before} → {after}")
    change.gains += [f"policy {policy_names.get(p, p)}" for p in sorted(set(default.policies) - set(current.policies))]
    change.loses += [f"policy {policy_names.get(p, p)}" for p in sorted(set(current.policies) - set(default.policies))]
    return change


def _batches(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def preview(ids: Sequence[int]) -> Preview:
    """Who would change and how, for at most LIMIT managers: a bounded list and the count."""
    if len(ids) > LIMIT:
        return Preview(len(ids), [], 0, too_many=True)
    default = permission_sets.of_default(permission_sets.default_set())
    names = _names()
    changes: list[Change] = []
    changed = 0
    for batch in _batches(ids):
        for manager, current in _sets(batch):
            change = change_of(manager, current, default, names)
            if change.gains or change.loses:
                changed += 1
                if len(changes) < PREVIEW_ROWS:
                    changes.append(change)
    return Preview(len(ids), changes, changed)


def apply(ids: Sequence[int], *, actor: Actor) -> Outcome:
    """Give each manager the default set: one audited change each; refusals are skipped with the reason."""
    if len(ids) > LIMIT:
        raise Conflict(f"More than {LIMIT:,} managers match: narrow the filters and apply again.")
    default = permission_sets.of_default(permission_sets.default_set())
    outcome = Outcome()
    for batch in _batches(ids):
        for manager, _current in _sets(batch):
            try:
                with db.session.begin_nested():
                    changed = permission_sets.save_for_manager(manager, default, actor=actor)
            except (Invalid, Conflict) as error:
                outcome.skipped.append((audit.describe(manager), _reason(error)))
                continue
            if changed:
                outcome.applied.append(audit.describe(manager))
            else:
                outcome.unchanged += 1
    return outcome


def _reason(error: Invalid | Conflict) -> str:
    return error.message if isinstance(error, Conflict) else " ".join(error.messages)
