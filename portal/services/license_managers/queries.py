"""Reads of the License Managers area: one manager and their tabs, and the choices forms offer.

Every list is a bounded page (``portal.lists``: a capped count, deep pages stop at the cap) and
every count beside a row is one GROUP BY over the page's rows, so a tab costs the same few
queries whether the manager has five orders or a hundred thousand licenses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope
from portal.extensions import db
from portal.lists import COUNT_CAP, MAX_ID, Page, Sorts, contains, like_pattern, paginate
from portal.lists import count as lists_count
from portal.models import (
    Customer,
    CustomerAccount,
    License,
    LicenseManager,
    LicenseUser,
    ManagerProduct,
    Order,
    OrderManager,
    Product,
    UserGroup,
    UserGroupManager,
    UserGroupMember,
)
from portal.scope import managed_order_ids

SEARCH_LIMIT = 20
ORDER_CHOICE_LIMIT = 50
ACCOUNT_CHOICE_LIMIT = 300


def manager(manager_id: int) -> LicenseManager | None:
    """A manager of the vendor account with their name and organisation loaded."""
    return db.session.scalar(
        sa.select(LicenseManager)
        .where(LicenseManager.id == manager_id)
        .options(so.joinedload(LicenseManager.license_user), so.joinedload(LicenseManager.customer_account))
    )


# Choices and look-ups the forms validate with


def catalog() -> list[Product]:
    """The account's products by name, each with its policies loaded: what a permission set offers."""
    return list(
        db.session.scalars(sa.select(Product).order_by(Product.name).options(so.selectinload(Product.policies)))
    )


def find_license_user(email: str) -> LicenseUser | None:
    """The account's license user with this email, with their manager row (if any) loaded."""
    return db.session.scalar(
        sa.select(LicenseUser)
        .where(LicenseUser.email == email.strip().lower())
        .options(so.selectinload(LicenseUser.manager))
    )


def existing_order_ids(ids: Iterable[int]) -> set[int]:
    """The ids among these that are orders of the account."""
    wanted = {i for i in ids if 0 < i <= MAX_ID}
    return set(db.session.scalars(sa.select(Order.id).where(Order.id.in_(wanted)))) if wanted else set()


def customer_account(account_id: int) -> CustomerAccount | None:
    if not 0 < account_id <= MAX_ID:
        return None
    return db.session.scalar(sa.select(CustomerAccount).where(CustomerAccount.id == account_id))


def customer_account_choices(
    selected: int | None = None, limit: int = ACCOUNT_CHOICE_LIMIT
) -> tuple[list[tuple[int, str]], bool]:
    """The account's customer accounts by name, at most limit (plus the selected one); and whether there are more."""
    found = db.session.execute(
        sa.select(CustomerAccount.id, CustomerAccount.name).order_by(CustomerAccount.name).limit(limit + 1)
    ).all()
    choices = [(row.id, row.name) for row in found[:limit]]
    if selected and selected not in {cid for cid, _ in choices}:
        extra = db.session.execute(
            sa.select(CustomerAccount.id, CustomerAccount.name).where(CustomerAccount.id == selected)
        ).first()
        if extra is not None:
            choices.append((extra.id, extra.name))
    return choices, len(found) > limit


def order_choices(
    search: str = "", customer_account_id: int | None = None, selected: Sequence[int] = ()
) -> list[Order]:
    """Orders to pick for a new manager: the selected ones first, then the newest matching ones."""
    stmt = (
        sa.select(Order)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .options(so.contains_eager(Order.customer))
    )
    picked = list(db.session.scalars(stmt.where(Order.id.in_(selected)).order_by(Order.reference))) if selected else []
    if customer_account_id:
        stmt = stmt.where(Customer.customer_account_id == customer_account_id)
    for term in search.split()[:5]:
        pattern = like_pattern(term)
        columns = (Order.reference, Customer.company, Customer.email)
        stmt = stmt.where(sa.or_(*(column.ilike(pattern, escape="\\") for column in columns)))
    if picked:
        stmt = stmt.where(Order.id.not_in([order.id for order in picked]))
    newest = db.session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(ORDER_CHOICE_LIMIT))
    return picked + list(newest)


# Permissions tab


def allowed_products(manager: LicenseManager) -> dict[int, ManagerProduct]:
    """The manager's allowed products by id, with their caps and issued counts."""
    rows = db.session.scalars(sa.select(ManagerProduct).where(ManagerProduct.manager_id == manager.id))
    return {row.product_id: row for row in rows}


# Orders tab


def _counts(column: Any, group: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(group, sa.func.count(column)).where(group.in_(ids)).group_by(group))
    return dict(rows.tuples().all())


# The pane's tabs sort by their columns (``tab_sort`` in the URL: the overview beside them has ``sort``).
# Each ordering ends in the id; a manager's own orders and groups are few enough to sort whole.
TAB_SORT = "tab_sort"
# As ``Customer.display_name`` reads: the company, else the name, else the email.
_CUSTOMER_NAME = sa.func.nullif(sa.func.trim(Customer.first_name + " " + Customer.last_name), "")
_CUSTOMER_SHOWN = sa.func.coalesce(sa.func.nullif(Customer.company, ""), _CUSTOMER_NAME, Customer.email, "")
_ORDER_LICENSES = sa.select(sa.func.count(License.id)).where(License.order_id == Order.id).scalar_subquery()
ORDER_SORTS = Sorts(
    {
        "reference": (Order.reference, Order.id),
        "customer": (_CUSTOMER_SHOWN, Order.id),
        "licenses": (_ORDER_LICENSES, Order.id),
        "created": (Order.created_at, Order.id),
    },
    default="-created",
)
GROUP_SORTS = Sorts(
    {
        "name": (UserGroup.name, UserGroup.id),
        "code": (UserGroup.code, UserGroup.id),
        "members": (
            sa.select(sa.func.count(UserGroupMember.user_group_id))
            .where(UserGroupMember.user_group_id == UserGroup.id)
            .scalar_subquery(),
            UserGroup.id,
        ),
    },
    default="name",
)


def tab_sort(sorts: Sorts, manager: LicenseManager, asked: str | None) -> tuple[str, bool]:
    """A tab's sort as it can be served, and whether the one asked for was set aside: a large scope
    (over ``scope.LARGE_SCOPE`` orders) reads down the vendor's newest rows, testing each, so it keeps
    that order; any other would sort every one of its tens of thousands of rows."""
    sort = sorts.parse(asked)
    if sort != sorts.default and scope.is_large(manager.id):
        return sorts.default, True
    return sort, False


def tab_args(sorts: Sorts, sort: str) -> dict[str, str]:
    """The tab's sort for its pager links: none for the default order."""
    return {} if sort == sorts.default else {TAB_SORT: sort}


def orders_page(
    manager: LicenseManager, number: int, sort: str = ORDER_SORTS.default
) -> tuple[Page[Order], dict[int, int]]:
    """The orders the manager manages in the sort asked for (``tab_sort``; newest first), and their license counts.

    A large scope reads newest first down its own orders (``scope.newest_assigned_orders``), or in another
    order down the vendor's, testing each, and counts its own index entries.
    """
    assigned = sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager.id)
    large = scope.is_large(manager.id)
    stmt = sa.select(Order).outerjoin(Order.customer)
    own = scope.newest_assigned_orders(stmt, manager.id) if large and sort == ORDER_SORTS.default else None
    if own is not None:
        stmt = own
    elif large:
        probe = (OrderManager.order_id == Order.id, OrderManager.manager_id == manager.id)
        stmt = stmt.where(sa.select(OrderManager.order_id).where(*probe).exists())
    else:
        stmt = stmt.join(OrderManager, OrderManager.order_id == Order.id).where(OrderManager.manager_id == manager.id)
    page = paginate(
        stmt,
        number,
        order_by=ORDER_SORTS.order_by(sort) if own is None else (),
        options=(so.contains_eager(Order.customer),),
        args=tab_args(ORDER_SORTS, sort),
        total=(lambda: lists_count(assigned)) if large else None,
    )
    return page, _counts(License.id, License.order_id, [o.id for o in page.items])


def managed_order(manager: LicenseManager, order_id: int) -> Order | None:
    """The order, if it is of this account and the manager manages it."""
    return db.session.scalar(
        sa.select(Order)
        .join(OrderManager, OrderManager.order_id == Order.id)
        .where(Order.id == order_id, OrderManager.manager_id == manager.id)
    )


def search_orders(manager: LicenseManager, text: str) -> tuple[list[Order], bool]:
    """Orders of the account the manager does not manage yet, by reference or customer.

    Returns at most SEARCH_LIMIT orders and whether more match.
    """
    stmt = (
        sa.select(Order)
        .outerjoin(Order.customer)
        .where(
            ~scope.manages(manager.id, Order.id)  # tested order by order: a large scope is never collected
            if scope.is_large(manager.id)
            else Order.id.not_in(managed_order_ids(manager.id))
        )
        .options(so.contains_eager(Order.customer))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(SEARCH_LIMIT + 1)
    )
    text = text.strip()
    if text:
        columns = (
            Order.reference,
            Customer.email,
            Customer.company,
            Customer.first_name,
            Customer.last_name,
            Customer.reference,
        )
        stmt = stmt.where(sa.or_(*(contains(c, text) for c in columns)))
    orders = list(db.session.scalars(stmt))
    return orders[:SEARCH_LIMIT], len(orders) > SEARCH_LIMIT


# Licenses and User groups tabs


# As ``License.seats_used`` reads: users on a user-based license, activations otherwise.
_SEATS_USED = sa.case((License.max_license_users > 0, License.assigned_users), else_=License.times_activated)
_NEVER = dt.datetime(9999, 12, 31)  # no end sorts as the latest end
LICENSE_SORTS = Sorts(
    {
        "key": (sa.func.coalesce(License.license_key, ""), License.id),
        "product": (Product.name, License.id),
        "order": (Order.reference, License.id),
        "type": (License.license_type, License.id),
        "status": (License.status, License.id),
        "seats": (_SEATS_USED, License.id),
        "expires": (sa.func.coalesce(License.valid_until, _NEVER), License.id),
        "issued": (License.created_at, License.id),
    },
    default="-issued",
)


def licenses_page(manager: LicenseManager, number: int, sort: str = LICENSE_SORTS.default) -> Page[License]:
    """The licenses under the manager's orders in the sort asked for (``tab_sort``; newest first),
    with product and order.

    A large scope reads newest first down its own licenses (``scope.newest_own_licenses``) or the vendor's
    newest, testing each, and counts order by order.
    """
    large = scope.is_large(manager.id)
    stmt = sa.select(License).join(License.product).join(License.order)
    own = scope.newest_own_licenses(stmt, manager.id) if large and sort == LICENSE_SORTS.default else None
    return paginate(
        own if own is not None else stmt.where(scope.in_scope(manager.id, License.order_id, large=large)),
        number,
        total=(lambda: scope.count_licenses(manager.id, COUNT_CAP)) if large else None,
        order_by=LICENSE_SORTS.order_by(sort) if own is None else (),
        options=(so.contains_eager(License.product), so.contains_eager(License.order)),
        args=tab_args(LICENSE_SORTS, sort),
    )


def user_groups_page(
    manager: LicenseManager, number: int, sort: str = GROUP_SORTS.default
) -> tuple[Page[UserGroup], dict[int, int]]:
    """The groups the manager manages in the sort asked for (by name), and their member counts."""
    stmt = (
        sa.select(UserGroup)
        .join(UserGroupManager, UserGroupManager.user_group_id == UserGroup.id)
        .where(UserGroupManager.manager_id == manager.id)
    )
    page = paginate(stmt, number, order_by=GROUP_SORTS.order_by(sort), args=tab_args(GROUP_SORTS, sort))
    counts = _counts(UserGroupMember.user_group_id, UserGroupMember.user_group_id, [g.id for g in page.items])
    return page, counts


@dataclass(frozen=True)
class OrderCount:
    """How many orders a manager manages, and the first references by name (for an audit event)."""

    count: int
    references: list[str]


def order_count(manager: LicenseManager, keep: int) -> OrderCount:
    total = db.session.scalar(
        sa.select(sa.func.count(OrderManager.order_id)).where(OrderManager.manager_id == manager.id)
    )
    if not total:
        return OrderCount(0, [])
    references = db.session.scalars(
        sa.select(Order.reference)
        .join(OrderManager, OrderManager.order_id == Order.id)
        .where(OrderManager.manager_id == manager.id)
        .order_by(Order.reference)
        .limit(keep)
    ).all()
    return OrderCount(total, list(references))


def managed_order_list(manager: LicenseManager, limit: int) -> list[int]:
    """The ids of the orders a manager manages, at most ``limit`` of them (to offer an Undo)."""
    return list(
        db.session.scalars(
            sa.select(OrderManager.order_id)
            .where(OrderManager.manager_id == manager.id)
            .order_by(OrderManager.order_id)
            .limit(limit)
        )
    )
