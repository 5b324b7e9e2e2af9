"""Bulk actions over a selection of license managers, each item applied and audited on its own.

``start`` checks the action and its parameters, snapshots the selection (ticked ids, or every
manager under the overview's query) into a ``BulkRun`` with one ``BulkRunItem`` per manager, and
marks the ids outside the vendor account as skipped ("not found", as a 404 would). ``run_chunk``
then applies the next pending items: each in a savepoint, through the single-manager action the
detail pane uses (``actions``, ``permission_sets``), so a refusal (already disabled, not invited)
skips that item with its reason and leaves the others. The caller decides where chunks run: in
the request for a few items, in the job runner for many (``portal.tasks.bulk_chunk``), one chunk
per job so no worker is held for the whole run. Every chunk checks the acting staff member's
role again, so a role taken away stops a running bulk change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import permissions as perms
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.lists import COUNT_CAP, MAX_ID, count
from portal.models import BulkRun, BulkRunItem, LicenseManager, LicenseUser, Order, StaffUser, VendorAccount, utcnow
from portal.models.account import ADMIN, OWNER
from portal.services.license_managers import actions, permission_sets
from portal.services.license_managers.overview import OverviewQuery, rows_select

ACTIONS: dict[str, str] = {
    "resend_invitation": "Resend invitation",
    "add_permissions": "Add permissions",
    "remove_permissions": "Remove permissions",
    "add_order": "Add to an order",
    "disable": "Disable",
    "enable": "Enable",
}
PAST: dict[str, str] = {
    "resend_invitation": "Invitation sent",
    "add_permissions": "Permissions added",
    "remove_permissions": "Permissions removed",
    "add_order": "Order added",
    "disable": "Disabled",
    "enable": "Enabled",
}
MAX_IDS = 1000  # ticked one by one: a few pages' worth
MAX_SELECTION = COUNT_CAP  # "every manager that matches": as far as the overview counts
NOT_FOUND = "Not found in this account."
ROLE_GONE = "Your role no longer allows changes; nothing was done."
WRITE_ROLES = (ADMIN, OWNER)
REPORT_LIMIT = 100


@dataclass(frozen=True)
class Selection:
    """Which managers: the ticked ids, or every manager under a query (``everything``)."""

    ids: tuple[int, ...] = ()
    query: OverviewQuery | None = None

    @property
    def everything(self) -> bool:
        return self.query is not None


def checked(action: str, codes: Iterable[str] = (), order_reference: str = "") -> dict[str, Any]:
    """The action's parameters, checked; ``Invalid`` at the field that is wrong."""
    if action not in ACTIONS:
        raise Invalid.at("action", "Choose what to do with the selected managers.")
    if action in ("add_permissions", "remove_permissions"):
        codes = [c for c in perms.CODES if c in set(codes)]
        if not codes:
            raise Invalid.at("codes", "Choose at least one permission.")
        return {"permissions": codes}
    if action == "add_order":
        reference = (order_reference or "").strip()
        if not reference:
            raise Invalid.at("order_reference", "Give the reference of an order of this account.")
        order = db.session.scalar(sa.select(Order).where(Order.reference == reference[:100]))
        if order is None:
            raise Invalid.at("order_reference", f"No order of this account has the reference “{reference[:100]}”.")
        return {"order_id": order.id, "order": order.reference}
    return {}


def size(selection: Selection) -> int:
    """How many managers the selection names (ids as ticked; a query counted up to the cap)."""
    return count(rows_select(selection.query)) if selection.query is not None else len(set(selection.ids))


def _selected(selection: Selection) -> tuple[list[tuple[int, str]], list[int]]:
    """The selected managers of the account as (id, email) in id order, and the ids not found."""
    if selection.query is not None:
        stmt = rows_select(selection.query).with_only_columns(LicenseManager.id, LicenseUser.email)
        found = [(r.id, r.email) for r in db.session.execute(stmt.order_by(LicenseManager.id).limit(MAX_SELECTION))]
        return found, []
    wanted = sorted(set(selection.ids))
    usable = [i for i in wanted if 0 < i <= MAX_ID]
    stmt = (
        sa.select(LicenseManager.id, LicenseUser.email)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .where(LicenseManager.id.in_(usable))
        .order_by(LicenseManager.id)
    )
    found = [(r.id, r.email) for r in db.session.execute(stmt)] if usable else []
    return found, sorted(set(wanted) - {i for i, _ in found})


def check(selection: Selection) -> int:
    """How many managers the selection names; ``Invalid`` at ``ids`` when none or too many."""
    if not selection.everything and not selection.ids:
        raise Invalid.at("ids", "Select at least one manager.")
    if not selection.everything and len(set(selection.ids)) > MAX_IDS:
        raise Invalid.at("ids", f"Tick at most {MAX_IDS:,} managers, or choose every manager that matches.")
    found = size(selection)
    if selection.everything and found > MAX_SELECTION:
        raise Invalid.at("ids", f"More than {MAX_SELECTION:,} managers match; narrow the search to at most that.")
    if not found:
        raise Invalid.at("ids", "No manager matches; nothing to do.")
    return found


def start(action: str, params: dict[str, Any], selection: Selection, *, actor: Actor) -> BulkRun:
    """Record a bulk run over the selection, every item pending but those not in the account."""
    check(selection)
    found, missing = _selected(selection)
    run = BulkRun(
        action=action,
        params=params,
        staff_user_id=actor.id if actor.kind == "staff" else None,
        actor_label=actor.label,
        actor_ip=actor.ip,
        status="queued",
        total=len(found) + len(missing),
        skipped=len(missing),
    )
    db.session.add(run)
    db.session.flush()
    rows = [dict(run_id=run.id, manager_id=i, label=email, outcome=None, message="") for i, email in found]
    rows += [dict(run_id=run.id, manager_id=i, label=f"#{i}", outcome="skipped", message=NOT_FOUND) for i in missing]
    db.session.execute(sa.insert(BulkRunItem), rows)
    return run


def get_run(run_id: int) -> BulkRun | None:
    """A bulk run of the vendor account, or None."""
    return db.session.get(BulkRun, run_id) if 0 < run_id <= MAX_ID else None


def _actor(run: BulkRun) -> Actor | None:
    """The staff member who started the run, if their role still allows changes."""
    staff = db.session.get(StaffUser, run.staff_user_id) if run.staff_user_id else None
    if staff is None or staff.role not in WRITE_ROLES:
        return None
    return Actor("staff", staff.id, staff.email, None, run.actor_ip)


def _permissions(manager: LicenseManager, run: BulkRun, actor: Actor) -> None:
    bits = perms.to_bits(run.params["permissions"])
    current = permission_sets.of_manager(manager)
    adding = run.action == "add_permissions"
    wanted = current.permissions | bits if adding else current.permissions & ~bits
    if wanted == current.permissions:
        names = ", ".join(perms.label(c) for c in run.params["permissions"])
        raise Conflict(f"{'Already has' if adding else 'Has none of'} {names}.")
    permission_sets.save_for_manager(manager, replace(current, permissions=wanted), actor=actor)


def _apply(run: BulkRun, vendor_name: str) -> Callable[[LicenseManager, Actor], Any]:
    """The single-manager action the run applies, as f(manager, actor)."""
    if run.action == "disable":
        return lambda m, a: actions.disable(m, actor=a)
    if run.action == "enable":
        return lambda m, a: actions.enable(m, actor=a)
    if run.action == "resend_invitation":
        return lambda m, a: actions.resend_invitation(m, vendor_name=vendor_name, actor=a)
    if run.action == "add_order":
        return lambda m, a: actions.add_order(m, run.params["order_id"], actor=a)
    return lambda m, a: _permissions(m, run, a)


def run_chunk(run_id: int, limit: int) -> bool:
    """Apply the run's next ``limit`` pending items, each on its own; return whether any remain."""
    found = get_run(run_id)
    if found is None or found.finished:
        return False
    bulk = found
    bulk.status = "running"
    items = list(
        db.session.scalars(
            sa.select(BulkRunItem)
            .where(BulkRunItem.run_id == bulk.id, BulkRunItem.outcome.is_(None))
            .order_by(BulkRunItem.manager_id)
            .limit(limit)
        )
    )
    actor = _actor(bulk)
    managers: dict[int, LicenseManager] = {}
    if items and actor is not None:
        stmt = sa.select(LicenseManager).where(LicenseManager.id.in_([i.manager_id for i in items]))
        managers = {m.id: m for m in db.session.scalars(stmt.options(so.joinedload(LicenseManager.license_user)))}
    vendor_name = db.session.scalar(sa.select(VendorAccount.name).where(VendorAccount.id == bulk.vendor_account_id))
    apply = _apply(bulk, vendor_name or "")
    for item in items:
        item.outcome, item.message = _one(item, managers.get(item.manager_id), actor, apply)
        if item.outcome == "done":
            bulk.done += 1
        else:
            bulk.skipped += 1
    more = len(items) == limit and db.session.scalar(
        sa.select(BulkRunItem.manager_id).where(BulkRunItem.run_id == bulk.id, BulkRunItem.outcome.is_(None)).limit(1)
    )
    if not more:
        bulk.status, bulk.finished_at = "finished", utcnow()
    db.session.flush()
    return bool(more)


def _one(
    item: BulkRunItem, manager: LicenseManager | None, actor: Actor | None, apply: Callable[..., Any]
) -> tuple[str, str]:
    """Apply the action to one manager in a savepoint: ("done", "") or ("skipped", why)."""
    if actor is None:
        return "skipped", ROLE_GONE
    if manager is None:
        return "skipped", NOT_FOUND
    try:
        with db.session.begin_nested():
            apply(manager, actor)
            db.session.flush()
    except (Conflict, Invalid) as refusal:  # refused before writing; the savepoint drops anything half-done
        return "skipped", str(refusal)[:300]
    return "done", ""


@dataclass(frozen=True)
class Report:
    """A run and its items by outcome (each list bounded), for the progress and result pages."""

    run: BulkRun
    skipped: list[BulkRunItem]
    done: list[BulkRunItem]

    @property
    def label(self) -> str:
        return ACTIONS.get(self.run.action, self.run.action)

    @property
    def past(self) -> str:
        return PAST.get(self.run.action, "Done")


def report(bulk: BulkRun, limit: int = REPORT_LIMIT) -> Report:
    """The run with its first ``limit`` skipped and done items (skipped ones matter most)."""

    def items(outcome: str) -> list[BulkRunItem]:
        stmt = sa.select(BulkRunItem).where(BulkRunItem.run_id == bulk.id, BulkRunItem.outcome == outcome)
        return list(db.session.scalars(stmt.order_by(BulkRunItem.manager_id).limit(limit)))

    return Report(bulk, items("skipped") if bulk.skipped else [], items("done") if bulk.done else [])
