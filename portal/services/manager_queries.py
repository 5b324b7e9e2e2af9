"""The License Managers overview as queries: filters, sorts, keyset pages, capped counts.

Every list here costs O(page): rows come in keyset (or, for a typed-in page number,
LIMIT/OFFSET) pages, the total is counted only up to COUNT_CAP, and the per-row aggregates
(orders managed, licenses under them) are one GROUP BY over the page's ids. Tenancy is
applied by portal.tenancy; note that a ``select_from(subquery)`` with no entity at its top
level escapes that hook, so counts here use ``id IN (subquery)`` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal import lists as keyset
from portal import permissions as perms
from portal.extensions import db
from portal.lists import count_label, like_pattern
from portal.models import CustomerAccount, License, LicenseManager, LicenseUser, OrderManager
from portal.models.people import last_login_sort
from portal.services.manager_filters import OverviewQuery

PER_PAGE = 25
COUNT_CAP = 10_000
CHOICE_LIMIT = 300
# Never signed in sorts as the oldest sign-in: first ascending, last descending, on both databases.
EPOCH = dt.datetime(1970, 1, 1)
_LAST_LOGIN = last_login_sort()  # served by ix_license_manager_vendor_last_login_sort
SORT_KEYS: dict[str, tuple] = {
    "name": (LicenseUser.first_name, LicenseUser.last_name, LicenseManager.id),
    "email": (LicenseUser.email, LicenseManager.id),
    "created": (LicenseManager.created_at, LicenseManager.id),
    "last_login": (_LAST_LOGIN, LicenseManager.id),
}


@dataclass
class ManagerRow:
    """One overview row: the manager, their user's names, their organisation, aggregates."""

    id: int
    email: str
    first_name: str
    last_name: str
    status: str
    permissions: int
    customer_account_id: int | None
    customer_account_name: str | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    orders: int = 0
    licenses: int = 0

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def permission_codes(self) -> list[str]:
        return perms.to_codes(self.permissions)

    @property
    def permission_labels(self) -> list[str]:
        return [perms.label(code) for code in self.permission_codes]


@dataclass
class OverviewPage:
    query: OverviewQuery
    rows: list[ManagerRow]
    total: int  # capped at COUNT_CAP + 1
    has_next: bool
    next_cursor: str = ""
    prev_cursor: str = ""
    first_index: int = 0
    customer_accounts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def total_label(self) -> str:
        return count_label(self.total, COUNT_CAP)

    @property
    def pages(self) -> int | None:
        """The number of pages, when the count is exact."""
        return None if self.capped else max(1, -(-self.total // PER_PAGE))

    @property
    def has_prev(self) -> bool:
        return self.query.page > 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1

    def next_url(self) -> str:
        return self.query.page_url(self.query.page + 1, after=self.next_cursor)

    def prev_url(self) -> str:
        # Page 1 needs no cursor, and OFFSET 0 costs nothing.
        if self.query.page == 2 or not self.prev_cursor:
            return self.query.page_url(self.query.page - 1)
        return self.query.page_url(self.query.page - 1, before=self.prev_cursor)


def filters(query: OverviewQuery) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses for the query's filters; the search needs the user and customer account joined."""
    clauses: list[sa.ColumnElement[bool]] = []
    if query.status:
        clauses.append(LicenseManager.status == query.status)
    if query.permission:
        bit = perms.BY_CODE[query.permission].bit
        clauses.append(LicenseManager.permissions.bitwise_and(bit) != 0)
    if query.customer_account:
        clauses.append(LicenseManager.customer_account_id == query.customer_account)
    # Each word must match one of name, email or customer account: "ada globex" finds Ada at Globex.
    for term in query.q.split():
        pattern = like_pattern(term)
        clauses.append(
            sa.or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        LicenseUser.first_name,
                        LicenseUser.last_name,
                        LicenseUser.email,
                        CustomerAccount.name,
                    )
                )
            )
        )
    return clauses


def _joined(stmt: sa.Select) -> sa.Select:
    return (
        stmt.select_from(LicenseManager)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .outerjoin(CustomerAccount, CustomerAccount.id == LicenseManager.customer_account_id)
    )


def rows_select(query: OverviewQuery) -> sa.Select:
    """The overview rows under the query's filters, unordered and unlimited."""
    return _joined(
        sa.select(
            LicenseManager.id,
            LicenseUser.email,
            LicenseUser.first_name,
            LicenseUser.last_name,
            LicenseManager.status,
            LicenseManager.permissions,
            LicenseManager.customer_account_id,
            CustomerAccount.name.label("customer_account_name"),
            LicenseManager.last_login_at,
            LicenseManager.created_at,
        )
    ).where(*filters(query))


def ordered(stmt: sa.Select, query: OverviewQuery, *, reverse: bool = False) -> sa.Select:
    descending = query.descending != reverse
    return stmt.order_by(*(c.desc() if descending else c.asc() for c in SORT_KEYS[query.sort_key]))


def count_capped(query: OverviewQuery, cap: int | None = None) -> int:
    """Count matches up to cap + 1, so the answer stays cheap however many there are."""
    cap = COUNT_CAP if cap is None else cap
    ids = _joined(sa.select(LicenseManager.id)).where(*filters(query)).limit(cap + 1)
    return db.session.scalar(sa.select(sa.func.count(LicenseManager.id)).where(LicenseManager.id.in_(ids))) or 0


def aggregates(manager_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Orders managed and licenses under those orders, for these managers only."""
    if not manager_ids:
        return {}
    # The ids come from a tenant-scoped page and order_manager links only the tenant's rows, so
    # the license table is joined as a table: the tenant criterion the ORM would add steers
    # SQLite onto the vendor index (every license of the account) instead of order_id's.
    license_table = License.__table__
    result = db.session.execute(
        sa.select(
            OrderManager.manager_id,
            sa.func.count(sa.distinct(OrderManager.order_id)),
            sa.func.count(license_table.c.id),
        )
        .outerjoin(license_table, license_table.c.order_id == OrderManager.order_id)
        .where(OrderManager.manager_id.in_(manager_ids))
        .group_by(OrderManager.manager_id)
    )
    return {manager_id: (orders, licenses) for manager_id, orders, licenses in result}


def _with_aggregates(result_rows) -> list[ManagerRow]:
    rows = [ManagerRow(**row._mapping) for row in result_rows]
    counts = aggregates([row.id for row in rows])
    for row in rows:
        row.orders, row.licenses = counts.get(row.id, (0, 0))
    return rows


# Keyset cursors hold the sort key of the row at the page's edge; the id makes keys unique.
KEY_KINDS: dict[str, tuple[type, ...]] = {
    "name": (str, str, int),
    "email": (str, int),
    "created": (dt.datetime, int),
    "last_login": (dt.datetime, int),
}


def _key_values(row: ManagerRow, sort_key: str) -> list[Any]:
    return {
        "name": [row.first_name, row.last_name, row.id],
        "email": [row.email, row.id],
        "created": [row.created_at, row.id],
        "last_login": [row.last_login_at or EPOCH, row.id],
    }[sort_key]


def encode_cursor(row: ManagerRow, sort_key: str) -> str:
    return keyset.encode_cursor(sort_key, _key_values(row, sort_key))


def decode_cursor(cursor: str, sort_key: str) -> list[Any] | None:
    """The key values in a cursor, or None when it is not a valid cursor for this sort."""
    return keyset.decode_cursor(cursor, sort_key, KEY_KINDS[sort_key])


def _beyond(query: OverviewQuery, values: list[Any], *, backwards: bool) -> sa.ColumnElement[bool]:
    """Rows after the cursor in the page order (or before it, going backwards)."""
    return keyset.beyond(SORT_KEYS[query.sort_key], values, descending=query.descending != backwards)


def overview_page(query: OverviewQuery) -> OverviewPage:
    """One page of the overview: rows with aggregates, a capped count and pager cursors."""
    stmt = rows_select(query)
    after = decode_cursor(query.after, query.sort_key) if query.after else None
    before = decode_cursor(query.before, query.sort_key) if query.before else None
    if before is not None:
        # Going back: read the page in reverse order from the cursor, then turn it around.
        found = db.session.execute(
            ordered(stmt.where(_beyond(query, before, backwards=True)), query, reverse=True).limit(PER_PAGE)
        ).all()[::-1]
        has_next = True
    else:
        if after is not None:
            stmt = stmt.where(_beyond(query, after, backwards=False))
        else:
            stmt = stmt.offset((query.page - 1) * PER_PAGE)
        found = db.session.execute(ordered(stmt, query).limit(PER_PAGE + 1)).all()
        has_next = len(found) > PER_PAGE
        found = found[:PER_PAGE]
    rows = _with_aggregates(found)
    page = OverviewPage(
        query=query,
        rows=rows,
        total=count_capped(query),
        has_next=has_next,
        first_index=(query.page - 1) * PER_PAGE + 1,
    )
    if rows:
        page.next_cursor = encode_cursor(rows[-1], query.sort_key)
        page.prev_cursor = encode_cursor(rows[0], query.sort_key)
    return page


def export_rows(query: OverviewQuery, batch: int = 1000) -> Iterator[ManagerRow]:
    """Every row under the query, in its order, fetched in keyset batches."""
    cursor: list[Any] | None = None
    while True:
        stmt = rows_select(query)
        if cursor is not None:
            stmt = stmt.where(_beyond(query, cursor, backwards=False))
        rows = _with_aggregates(db.session.execute(ordered(stmt, query).limit(batch)).all())
        yield from rows
        if len(rows) < batch:
            return
        cursor = _key_values(rows[-1], query.sort_key)


def customer_account_choices(
    selected: int | None = None, limit: int = CHOICE_LIMIT
) -> tuple[list[tuple[int, str]], bool]:
    """The account's customer accounts by name, at most limit (plus the selected one); and whether
    there are more."""
    found = db.session.execute(
        sa.select(CustomerAccount.id, CustomerAccount.name).order_by(CustomerAccount.name).limit(limit + 1)
    ).all()
    more = len(found) > limit
    choices = [(row.id, row.name) for row in found[:limit]]
    if selected and selected not in {cid for cid, _ in choices}:
        extra = db.session.execute(
            sa.select(CustomerAccount.id, CustomerAccount.name).where(CustomerAccount.id == selected)
        ).first()
        if extra is not None:
            choices.append((extra.id, extra.name))
    return choices, more
