"""What a license manager reaches: their orders and everything under them, as SQL.

A manager reaches the orders they are assigned to (``order_manager``) and every order of the
customer accounts the vendor scoped them to (``manager_customer_account``: a reseller or a
head office managing several organisations). Their own customer account is who they are, not
what they manage: it widens the license users they see, never their orders. User groups are
the ones the vendor (or the manager, creating one) put them on.

These subqueries are the one definition of a manager's scope. The web's loaders
(``portal.access``) fetch by id inside them and answer 404 outside; every list, count,
event and export of the End User Portal filters by them too. They take the manager, so they
run without a request (services, the CLI, the API, jobs). The vendor boundary itself is
held underneath by ``portal.tenancy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models import (
    Customer,
    License,
    LicenseAssignment,
    LicenseManager,
    LicenseUser,
    ManagerCustomerAccount,
    ManagerLicense,
    ManagerOrder,
    Order,
    OrderManager,
    UserGroupManager,
    UserGroupMember,
)


def scoped_account_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the customer accounts a manager is scoped to, beyond their own."""
    return sa.select(ManagerCustomerAccount.customer_account_id).where(ManagerCustomerAccount.manager_id == manager_id)


def managed_order_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the orders a manager manages: assigned to them, or of a customer account they are scoped to."""
    assigned = sa.select(OrderManager.order_id.label("order_id")).where(OrderManager.manager_id == manager_id)
    # Nested INs, each hop an index look-up (accounts → their customers → their orders) on the
    # vendor-and-key indexes: joined, the planners read every order of the vendor to test its customer,
    # ~7 ms a statement at 100,000 managers for a manager with no scoped account at all.
    customers = sa.select(Customer.id).where(Customer.customer_account_id.in_(scoped_account_ids(manager_id)))
    of_accounts = sa.select(Order.id.label("order_id")).where(Order.customer_id.in_(customers))
    both = sa.union(assigned, of_accounts).subquery("managed_orders")
    return sa.select(both.c.order_id)


# Past this many managed orders a manager's scope is large: collecting its order ids costs more than
# a page may (20,001 orders, ~4 ms on SQLite before any row is read), so pages read down one of the
# vendor's own indexes and test each row with ``manages`` instead, and their usage figures are kept
# (``portal.services.reports.summary``).
LARGE_SCOPE = 1_000


LARGE_SCOPES = "large_scopes"  # session.info: manager id -> Shape, asked once per session


@dataclass(frozen=True)
class Shape:
    """What a manager's scope is like, for the shape of the statements that read it."""

    large: bool  # more than LARGE_SCOPE orders (``is_large``)
    accounts: bool  # scoped to a customer account: orders may be theirs without being assigned
    assigned: int = 0  # the assigned orders, as kept on the manager's row: with no account, the scope's number


def shape(manager_id: int) -> Shape:
    """The manager's ``Shape``, asked once per session (a request's), in one statement.

    It only chooses the shape of statements that are scoped either way, so a scope that grows or shrinks
    is shaped right from the next session; a change of scope in this one forgets it at once
    (``portal.services.reports.summary`` marks the change and drops LARGE_SCOPES).
    """
    known: dict[int, Shape] = db.session.info.setdefault(LARGE_SCOPES, {})
    if manager_id not in known:
        # The assigned orders as kept on the manager's row, the scoped accounts' others counted past the bar
        # at most: a manager of 20,000 orders had 1,001 links read on every page to be told "large".
        accounts = sa.exists(scoped_account_ids(manager_id))
        orders, scoped, assigned = db.session.execute(
            _with_kept_select(
                LicenseManager.order_count, _rest_orders(manager_id), manager_id, LARGE_SCOPE
            ).add_columns(accounts, LicenseManager.order_count)
        ).one()
        known[manager_id] = Shape(large=orders > LARGE_SCOPE, accounts=bool(scoped), assigned=assigned)
    return known[manager_id]


def is_large(manager_id: int) -> bool:
    """Whether the manager manages more than LARGE_SCOPE orders (counted no further; both routes summed)."""
    return shape(manager_id).large


_SCOPED_ORDER = so.aliased(Order, name="scoped_order")  # made once: an alias costs ~0.4 ms to build


def manages(manager_id: int, order_id: Any) -> sa.ColumnElement[bool]:
    """The order ``order_id`` (a column of the outer statement) is one the manager manages.

    The same rule as ``managed_order_ids``, tested row by row through two primary-key probes,
    for statements that read down an index of their own (newest licenses, soonest ends) and stop
    after a page: a large scope is never collected.
    """
    assigned = (
        sa.select(OrderManager.order_id)
        .where(OrderManager.order_id == order_id, OrderManager.manager_id == manager_id)
        .exists()
    )
    known = db.session.info.get(LARGE_SCOPES, {}).get(manager_id)
    if known is not None and not known.accounts:
        # Scoped to no account, the manager's orders are the assigned ones: one probe a row, not two
        # (a big manager's newest orders at 1,000,000 managers: 7 -> 3 ms of SQL).
        return assigned
    scoped = _SCOPED_ORDER
    customers = sa.select(Customer.id).where(Customer.customer_account_id.in_(scoped_account_ids(manager_id)))
    of_accounts = sa.select(scoped.id).where(scoped.id == order_id, scoped.customer_id.in_(customers)).exists()
    return sa.or_(assigned, of_accounts)


def _with_kept_select(kept: Any, rest: sa.Select[Any], manager_id: int, cap: int) -> sa.Select[Any]:
    """The kept number of what the manager's assigned orders hold (``portal.manager_counts``) plus the
    rows of ``rest`` (their scoped accounts' other orders) counted up to ``cap`` + 1: one statement, and
    a manager of 20,000 orders no longer has 60,000 licenses read to be told "10,000+"."""
    limited = sa.select(sa.literal_column("1")).select_from(rest.subquery()).limit(cap + 1).subquery()
    counted = sa.select(sa.func.count()).select_from(limited).scalar_subquery()
    return sa.select(kept + counted).where(LicenseManager.id == manager_id)


def _with_kept(kept: Any, rest: sa.Select[Any], manager_id: int, cap: int) -> int:
    found = db.session.scalar(_with_kept_select(kept, rest, manager_id, cap)) or 0
    return min(found, cap + 1)


def _account_only(manager_id: int) -> sa.ColumnElement[bool]:
    """An order of a scoped customer account that is not also assigned (so no order is counted twice)."""
    customers = sa.select(Customer.id).where(Customer.customer_account_id.in_(scoped_account_ids(manager_id)))
    assigned = (
        sa.select(OrderManager.order_id)
        .where(OrderManager.order_id == Order.id, OrderManager.manager_id == manager_id)
        .exists()
    )
    return sa.and_(Order.customer_id.in_(customers), ~assigned)


def _rest_orders(manager_id: int) -> sa.Select[Any]:
    return sa.select(Order.id).where(_account_only(manager_id))


def count_orders(manager_id: int, cap: int) -> int:
    """How many orders the manager manages, up to ``cap`` + 1: the assigned ones as kept on their row.

    A scope already shaped this session (``shape``) with no customer account is its assigned orders, whose
    number the shape read: no statement (a change of links since forgets the shape, ``summary._mark``)."""
    known = db.session.info.get(LARGE_SCOPES, {}).get(manager_id)
    if known is not None and not known.accounts:
        return min(known.assigned, cap + 1)
    return _with_kept(LicenseManager.order_count, _rest_orders(manager_id), manager_id, cap)


def count_licenses(manager_id: int, cap: int) -> int:
    """How many licenses lie under the manager's orders, up to ``cap`` + 1: those of assigned orders as kept
    on their row, the others read order by order (never collected)."""
    rest = sa.select(License.id).join(Order, Order.id == License.order_id).where(_account_only(manager_id))
    return _with_kept(LicenseManager.license_count, rest, manager_id, cap)


def in_scope(manager_id: int, order_id: Any, *, large: bool | None = None) -> sa.ColumnElement[bool]:
    """``order_id`` is one of the manager's orders, in the shape that suits the scope's size.

    A small scope is collected once (``managed_order_ids``, a few index look-ups); a large one is
    probed row by row (``manages``), for statements that read down an index and stop after a page.
    """
    if is_large(manager_id) if large is None else large:
        return manages(manager_id, order_id)
    return order_id.in_(managed_order_ids(manager_id))


def newest_assigned_orders(stmt: sa.Select[Any], manager_id: int) -> sa.Select[Any]:
    """``stmt`` (over ``Order``) narrowed to the orders assigned to the manager, newest first, read down
    their own rows (``portal.manager_orders``): a large scope's page of 25 reads 25 entries, where the
    vendor's newest orders were each tested for a link (~1,300 at 1,000,000 managers). A scope with
    customer accounts has other orders besides: ``shape(manager_id).accounts`` says so."""
    own = sa.and_(ManagerOrder.order_id == Order.id, ManagerOrder.manager_id == manager_id)
    return (
        stmt.join(ManagerOrder, own)
        .order_by(None)
        .order_by(ManagerOrder.created_at.desc(), ManagerOrder.order_id.desc())
    )


def newest_own_licenses(stmt: sa.Select[Any], manager_id: int) -> sa.Select[Any] | None:
    """``stmt`` (over ``License``) narrowed to the manager's licenses newest first, read down their own rows
    (``portal.manager_licenses``: 25 entries a page, where the vendor's newest were each tested, ~1,300 at
    1,000,000 managers); None for a scope with customer accounts, whose orders those rows do not hold."""
    if shape(manager_id).accounts:
        return None
    own = sa.and_(ManagerLicense.license_id == License.id, ManagerLicense.manager_id == manager_id)
    return (
        stmt.join(ManagerLicense, own)
        .order_by(None)
        .order_by(ManagerLicense.created_at.desc(), ManagerLicense.license_id.desc())
    )


def managed_license_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the licenses under the manager's orders."""
    return sa.select(License.id).where(License.order_id.in_(managed_order_ids(manager_id)))


def managed_group_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the user groups a manager manages."""
    return sa.select(UserGroupManager.user_group_id).where(UserGroupManager.manager_id == manager_id)


def license_user_ids(manager: LicenseManager) -> sa.CompoundSelect[Any]:
    """License users a manager may see: on their licenses, in their groups, their organisation or scoped accounts."""
    on_licenses = (
        sa.select(LicenseAssignment.license_user_id)
        .join(License, License.id == LicenseAssignment.license_id)
        .where(License.order_id.in_(managed_order_ids(manager.id)))
    )
    in_groups = sa.select(UserGroupMember.license_user_id).where(
        UserGroupMember.user_group_id.in_(managed_group_ids(manager.id))
    )
    in_accounts = sa.select(LicenseUser.id).where(LicenseUser.customer_account_id.in_(scoped_account_ids(manager.id)))
    selects = [on_licenses, in_groups, in_accounts]
    if manager.customer_account_id is not None:
        selects.append(sa.select(LicenseUser.id).where(LicenseUser.customer_account_id == manager.customer_account_id))
    return sa.union(*selects)
