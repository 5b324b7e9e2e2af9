"""The License Managers overview: its state as the URL holds it, its rows, pages and CSV rows.

Reading the URL is lenient (a value that makes no sense is dropped, never an error page) and
every link the overview renders is built by ``OverviewQuery``, so the state survives sorting,
paging and export. Every page costs O(page): keyset pages (``portal.lists``), a capped count,
and the per-row aggregates (orders managed, licenses under them) in one GROUP BY over the
page's ids. Tenancy is applied by ``portal.tenancy``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from portal import permissions as perms
from portal import search
from portal.extensions import db
from portal.lists import (
    COUNT_CAP,
    Keyset,
    Page,
    Stretch,
    at_most_cap,
    count,
    keyset_page,
    like_pattern,
    positive_id,
)
from portal.models import CustomerAccount, LicenseManager, LicenseUser, VendorAccount
from portal.models.people import MANAGER_STATUSES, last_login_sort, shown_status, status_is
from portal.services.license_managers import permission_sets
from portal.tenancy import current_tenant, estimated_rows, plain_batches

BASE_URL = "/vendor/license-managers"
MAX_PAGE = 100_000
# Sorts by a value worked out per row (how many permissions, how far from the default set) or kept on it
# (orders and licenses under them): no index holds them, so they are offered while the query matches at most
# COUNT_CAP managers (a bounded sort, ~10,000 rows); past that the list keeps its default order and
# says why (``refused_sort``, see ``bounded``).
COMPUTED_SORTS = ("permissions", "vs_default", "orders", "licenses")
SORT_NAMES = ("name", "email", "created", "last_login", "customer_account", "status", *COMPUTED_SORTS)
SORTS = [*SORT_NAMES, *(f"-{key}" for key in SORT_NAMES)]
DEFAULT_SORT = "-created"
EXPORT_BATCH = 5000  # rows per batch the CSV export reads from its one statement and writes
EXPORT_RATE = 50_000  # rows per second the export writes: ~60,000 measured at 100,000 managers (SQLite, 2 cores)
# Never signed in sorts as the oldest sign-in: first ascending, last descending, on both databases.
EPOCH = dt.datetime(1970, 1, 1)
_LAST_LOGIN = last_login_sort()  # served by ix_license_manager_vendor_last_login_sort
SORT_KEYS: dict[str, tuple[Any, ...]] = {
    # The license user's id, not the manager's, breaks ties: ix_license_user_vendor_name_id holds it.
    "name": (LicenseUser.first_name, LicenseUser.last_name, LicenseUser.id),
    "email": (LicenseUser.email, LicenseManager.id),
    "created": (LicenseManager.created_at, LicenseManager.id),
    "last_login": (_LAST_LOGIN, LicenseManager.id),
    # No customer account sorts as "" (first ascending): a keyset key must never be NULL.
    "customer_account": (sa.func.coalesce(CustomerAccount.name, ""), LicenseManager.id),
    # The stored status (an expired invitation is "invited"), then the default order's columns:
    # ix_license_manager_vendor_status_created holds all three, so no sort step at any size.
    "status": (LicenseManager.status, LicenseManager.created_at, LicenseManager.id),
}
KEY_KINDS: dict[str, tuple[type, ...]] = {
    "name": (str, str, int),
    "email": (str, int),
    "created": (dt.datetime, int),
    "last_login": (dt.datetime, int),
    "customer_account": (str, int),
    "status": (str, dt.datetime, int),
    **{key: (int, int) for key in COMPUTED_SORTS},
}


def _bit_count(bits: Any) -> Any:
    """How many permission bits an integer expression has set (SQLite has no popcount)."""
    return sum(sa.case((bits.op("&")(p.bit) != 0, 1), else_=0) for p in perms.PERMISSIONS)


def _differences(default: int) -> Any:
    """How many permissions differ from the default set's bits: |bits XOR default|, XOR as (a|b) - (a&b)."""
    bits = LicenseManager.permissions
    return _bit_count(bits.op("|")(default) - bits.op("&")(default))


def _computed(key: str, default: int) -> Any:
    if key == "permissions":
        return _bit_count(LicenseManager.permissions)
    if key == "vs_default":
        return _differences(default)
    # Kept on the row by the database (``portal.manager_counts``).
    return LicenseManager.order_count if key == "orders" else LicenseManager.license_count


KEY_OF = {
    "name": lambda row: [row.first_name, row.last_name, row.license_user_id],
    "email": lambda row: [row.email, row.id],
    "created": lambda row: [row.created_at, row.id],
    "last_login": lambda row: [row.last_login_at or EPOCH, row.id],
    "customer_account": lambda row: [row.customer_account_name or "", row.id],
    "status": lambda row: [row.stored_status, row.created_at, row.id],
    **{key: (lambda row: [row.sort_value, row.id]) for key in COMPUTED_SORTS},
}
# Sign-in filter values: never signed in, or signed in at least once.
SIGNED_IN = {"never": "Never signed in", "ever": "Signed in"}


@dataclass(frozen=True)
class OverviewQuery:
    """The overview's whole state, as the URL holds it."""

    q: str = ""
    status: str = ""
    permission: str = ""
    customer_account: int | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    # Keyset cursors from the pager links; a page number alone falls back to OFFSET.
    after: str = ""
    before: str = ""
    signed_in: str = ""  # "never" or "ever" (SIGNED_IN); blank: either
    # Exactly these managers (a bulk selection's export); never read from or written to the URL.
    ids: tuple[int, ...] = ()
    # The default set's bits, for the "vs default" sort; set by ``bounded``, never in the URL.
    default_bits: int = perms.FACTORY_DEFAULT_BITS
    refused_sort: str = ""  # a computed sort set aside by ``bounded``: too many managers match

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OverviewQuery:
        """Read the query string leniently: a value that makes no sense is dropped."""
        status = args.get("status", "")
        permission = args.get("permission", "")
        sort = args.get("sort", "") or DEFAULT_SORT
        return cls(
            q=" ".join((args.get("q") or "").split())[:200],
            status=status if status in MANAGER_STATUSES else "",
            permission=permission if permission in perms.BY_CODE else "",
            customer_account=positive_id(args.get("customer_account")),
            sort=sort if sort in SORTS else DEFAULT_SORT,
            page=min(positive_id(args.get("page")) or 1, MAX_PAGE),
            after=(args.get("after") or "")[:500],
            before=(args.get("before") or "")[:500],
            signed_in=args.get("signed_in", "") if args.get("signed_in", "") in SIGNED_IN else "",
        )

    @property
    def short_terms(self) -> list[str]:
        """The words of the search too short to be searched (``portal.search.MIN_CHARS``)."""
        return search.short_terms(self.q)

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.status or self.permission or self.customer_account or self.signed_in)

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def computed_sort(self) -> bool:
        return self.sort_key in COMPUTED_SORTS

    @property
    def computed_sort_cap(self) -> int:
        """How many matching managers a computed sort may order (``bounded``)."""
        return COUNT_CAP

    @property
    def sort_value(self) -> Any:
        """The computed sort's per-row value (``COMPUTED_SORTS``), or None."""
        return _computed(self.sort_key, self.default_bits) if self.computed_sort else None

    @property
    def keyset(self) -> Keyset:
        key = self.sort_key
        columns = (self.sort_value, LicenseManager.id) if self.computed_sort else SORT_KEYS[key]
        return Keyset(key, columns, KEY_KINDS[key], KEY_OF[key], self.descending)

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query-string parameters with changes applied; defaults and blanks left out."""
        state = replace(self, **changes) if changes else self
        values = {
            "q": state.q,
            "status": state.status,
            "permission": state.permission,
            "customer_account": state.customer_account or "",
            "signed_in": state.signed_in,
            "sort": "" if state.sort == DEFAULT_SORT else state.sort,
            "page": "" if state.page == 1 else state.page,
            "after": state.after,
            "before": state.before,
        }
        return {key: value for key, value in values.items() if value}

    def url(self, path: str = BASE_URL, **changes: Any) -> str:
        encoded = urlencode(self.params(**changes)) if changes else self._encoded
        return f"{path}?{encoded}" if encoded else path

    @cached_property
    def _encoded(self) -> str:
        """The query string as it stands: every row's link carries it, so it is encoded once."""
        return urlencode(self.params())

    def page_url(self, page: int, *, after: str | None = "", before: str | None = "") -> str:
        return self.url(page=page, after=after or "", before=before or "")

    def next_url(self, page: Page[Any]) -> str:
        return self.page_url(self.page + 1, after=page.next_cursor)

    def prev_url(self, page: Page[Any]) -> str:
        # Page 1 needs no cursor, and OFFSET 0 costs nothing.
        if self.page == 2 or not page.prev_cursor:
            return self.page_url(self.page - 1)
        return self.page_url(self.page - 1, before=page.prev_cursor)

    def sort_url(self, key: str) -> str:
        """Sort by a column; a second click on the current column turns the order around."""
        sort = f"-{key}" if self.sort == key else key
        return self.url(sort=sort, page=1, after="", before="")

    def csv_url(self) -> str:
        return self.url(path=f"{BASE_URL}.csv", page=1, after="", before="")

    def export_url(self) -> str:
        """The page that announces the export (how many rows, how long) and starts the download."""
        return self.url(path=f"{BASE_URL}/export", page=1, after="", before="")


@dataclass
class ManagerRow:
    """One overview row: the manager, their user's names, their organisation, aggregates."""

    id: int
    license_user_id: int
    email: str
    first_name: str
    last_name: str
    status: str
    permissions: int
    customer_account_id: int | None
    customer_account_name: str | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    stored_status: str = ""  # as stored: "invited" for an invitation shown as "expired"
    orders: int = 0  # kept on the row (``portal.manager_counts``)
    licenses: int = 0
    sort_value: int | None = None  # a computed sort's value (``COMPUTED_SORTS``)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def permission_codes(self) -> list[str]:
        return perms.to_codes(self.permissions)

    @property
    def permission_labels(self) -> list[str]:
        return [perms.label(code) for code in self.permission_codes]


# How a search is put to the database is chosen per request (``searched_total``) by how many managers
# its words name, read through the trigram index of their search texts: at most EXACT_FROM_INDEX are read as ids
# (``Search.EXACT``), which are the page's rows and their count; more are served by walking the sort's
# own index and testing each row (``Search.WALK``), which reads about (managers / matches) x 25 rows
# instead of fetching and sorting every match.
EXACT_FROM_INDEX = 1_000
# A search counts its matches up to here ("1,000+"), read as the ids the index gives first: counting a
# common first name up to COUNT_CAP verified 10,001 candidates (1,000,000 managers, SQLite: ~14 ms of a
# page's SQL) to tell people a number past what they will page through. A computed sort, offered up to
# COUNT_CAP matches (``bounded``), still counts that far.
SEARCH_CAP = 1_000


class Search:
    """How the search words are put to the database (``_filters``)."""

    IDS = "ids"  # each word's matches through the index (``search.matches``): counts and exports of a search
    WALK = "walk"  # each row of the sort's index tested by ``_word`` (the LIKE on the row's own search text)
    EXACT = "exact"  # the ids of every match, read through the trigram indexes: none to check


@dataclass(frozen=True)
class Plan:
    """How one request's search is served (``searched_total``): the rows and the count follow it."""

    how: str = Search.IDS
    ids: tuple[int, ...] = ()  # Search.EXACT: the matches
    cap: int | None = None  # where the count stopped, if not at COUNT_CAP (SEARCH_CAP for a search)


def _filters(query: OverviewQuery, plan: Plan = Plan()) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses for the query's filters, all on license_manager: a walked search's LIKE
    (``Search.WALK``) tests the row's own search text (``portal.manager_search_text``)."""
    clauses: list[sa.ColumnElement[bool]] = []
    if query.status:
        clauses.append(status_is(query.status))  # "expired": an invitation whose link lapsed
    if query.permission:
        clauses.append(LicenseManager.permissions.bitwise_and(perms.BY_CODE[query.permission].bit) != 0)
    if query.customer_account:
        clauses.append(LicenseManager.customer_account_id == query.customer_account)
    if query.signed_in:
        signed_in = LicenseManager.last_login_at
        clauses.append(signed_in.is_(None) if query.signed_in == "never" else signed_in.is_not(None))
    if query.ids:
        clauses.append(LicenseManager.id.in_(query.ids))
    # Each word must match one of name, email or customer account: "ada globex" finds Ada at Globex.
    if plan.how == Search.EXACT:  # the matches themselves: no word is left to test
        return [*clauses, _listed(LicenseManager.id, plan.ids)]
    for term in search.terms(query.q):
        if plan.how == Search.IDS:
            clauses.append(search.matches(LicenseManager, term))
        else:
            clauses.append(_word(term))
    return clauses


def _indexed(terms: Sequence[str], *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """The managers under ``where`` whose search text holds every word, read through its trigram index.

    SQLite: from the FTS5 table outwards (``search.fts_match``: the index intersects the words' rows),
    each candidate fetched by key and checked on its row (``_word``), so an outer LIMIT stops them
    early. PostgreSQL: the GIN index over the text serves each word's ``search.matches`` as it is."""
    if search.dialect() != "sqlite":
        return sa.select(LicenseManager.id).where(*where, *(search.matches(LicenseManager, term) for term in terms))
    fts, match = search.fts_match(LicenseManager, *terms)
    return (
        sa.select(LicenseManager.id)
        .select_from(fts)
        .join(LicenseManager, LicenseManager.id == fts.c.rowid)
        .where(match, *where, *(_word(term) for term in terms))
    )


def _word(term: str) -> sa.ColumnElement[bool]:
    """One word as a test of a manager's row (``Search.WALK``, ``_indexed``): the LIKE over the row's
    search text, their name, email and customer account in one (``portal.manager_search_text``).

    On the row itself, so the sort's index drives a walk and each row is tested where it is read: no
    join to its user and account (PostgreSQL, a common word at 1,000,000 managers: 13 ms a page), no
    candidate sets built whole first (SQLite: a common first name's 50,000 ids). On SQLite it is also the
    recheck of ``_indexed``'s candidates: FTS5 folds case beyond ASCII, LIKE does not."""
    # The text is kept in lower case: LIKE against the lowered word is ILIKE without lowering every row.
    return LicenseManager.search_text.like(sa.func.lower(like_pattern(term)), escape="\\")


_OF_USER = LicenseUser.id == LicenseManager.license_user_id
_OF_ACCOUNT = CustomerAccount.id == LicenseManager.customer_account_id


def _joined_account(stmt: sa.Select[Any], accounts: bool | None) -> sa.Select[Any]:
    """Every manager with their customer account if any (``accounts`` None), only those in one (True,
    an inner join the planners may drive from customer_account), or only those in none (False)."""
    if accounts:
        return stmt.join(CustomerAccount, _OF_ACCOUNT)
    stmt = stmt.outerjoin(CustomerAccount, _OF_ACCOUNT)
    return stmt if accounts is None else stmt.where(LicenseManager.customer_account_id.is_(None))


def rows_select(
    query: OverviewQuery, *, sort_value: bool = True, plan: Plan = Plan(), accounts: bool | None = None
) -> sa.Select[Any]:
    """The overview rows under the query's filters, unordered and unlimited (with a computed sort's
    value as ``sort_value``, which the keyset reads, unless told not to); ``accounts`` as in
    ``_joined_account``."""
    stmt = (
        sa.select(
            LicenseManager.id,
            LicenseManager.license_user_id,
            LicenseUser.email,
            LicenseUser.first_name,
            LicenseUser.last_name,
            shown_status().label("status"),
            LicenseManager.permissions,
            LicenseManager.customer_account_id,
            CustomerAccount.name.label("customer_account_name"),
            LicenseManager.last_login_at,
            LicenseManager.created_at,
            LicenseManager.status.label("stored_status"),  # what the status sort's key reads
            LicenseManager.order_count.label("orders"),  # both kept by the database (``portal.manager_counts``)
            LicenseManager.license_count.label("licenses"),
        )
        .select_from(LicenseManager)
        .join(LicenseUser, _OF_USER)
        .where(*_filters(query, plan))
    )
    stmt = _joined_account(stmt, accounts)
    return stmt.add_columns(query.sort_value.label("sort_value")) if sort_value and query.computed_sort else stmt


def total(query: OverviewQuery, plan: Plan = Plan()) -> int:
    """How many managers match, counted up to the cap: over license_manager alone; all of the account's
    as the database keeps their number (``portal.account_counts``: one row by key, not 10,001 index entries)."""
    if not (query.is_filtered or query.ids):
        kept = sa.select(VendorAccount.manager_count).where(VendorAccount.id == current_tenant(db.session))
        return at_most_cap(db.session.scalar(kept) or 0)
    return count(sa.select(LicenseManager.id).where(*_filters(query, plan)))


# PostgreSQL: an estimate past this many managers is taken as past the cap (twice it, so a sampled
# statistic's error does not say "10,000+" of fewer).
SURE_PAST_CAP = 2 * COUNT_CAP


def _listed(column: Any, ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """``column IN ids`` for many ids, as rows the planner reads first, fetching each manager by key
    (PostgreSQL: ``unnest`` of one array; SQLite: ``json_each`` of one JSON list). As ``id = ANY(ids)``
    PostgreSQL walks the sort's index testing every row instead, taking the ids to be spread evenly
    (882 managers of 1,000,000: 32,718 rows read for a page, 36 ms)."""
    if search.dialect() == "sqlite":
        return column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(json.dumps(list(ids)))))
    return column.in_(sa.select(sa.func.unnest(sa.literal(list(ids), type_=ARRAY(sa.Integer)))))


def _estimated(query: OverviewQuery) -> int:
    return estimated_rows(db.session, sa.select(LicenseManager.id).where(*_filters(query)))


def searched_total(query: OverviewQuery) -> tuple[int, Plan]:
    """How many managers match (capped) and how the page's rows are best searched for (``Plan``)."""
    terms = search.terms(query.q)
    if not terms:
        return total(query), Plan()
    if search.dialect() != "sqlite" and _estimated(query) > SURE_PAST_CAP:
        # PostgreSQL's statistics say the words name more than twice the cap: "10,000+" without counting
        # them (a first name of ~25,000 at 1,000,000 managers: 10,001 rows fetched to say so).
        return COUNT_CAP + 1, Plan(Search.WALK, cap=None if query.computed_sort else SEARCH_CAP)
    return _indexed_total(query, terms)


def _indexed_total(query: OverviewQuery, terms: Sequence[str]) -> tuple[int, Plan]:
    """The matches read through the search texts' index (``_indexed``) up to SEARCH_CAP + 1: at most
    EXACT_FROM_INDEX of them are the page's rows as ids (their number is the count); more are walked, their
    count the ids read ("1,000+"), or, for a computed sort (``bounded``), counted on up to COUNT_CAP.

    A common first name at 1,000,000 managers (SQLite): counted up to COUNT_CAP, 10,001 index entries were
    read, each a manager fetched by key. Through the users' and accounts' indexes instead, each candidate was
    a user to be joined to their manager, and "ada globex" a union of the two; on PostgreSQL the ids
    of every match were read out and sent back (2,500 of 100,000 managers: 67 ms of SQL)."""
    where = _filters(replace(query, q=""))
    found = db.session.scalars(_indexed(terms, *where).limit(max(EXACT_FROM_INDEX, SEARCH_CAP) + 1)).all()
    if len(found) <= EXACT_FROM_INDEX:
        return len(found), Plan(Search.EXACT, tuple(sorted(found)), cap=SEARCH_CAP)
    if not query.computed_sort or len(found) <= SEARCH_CAP:
        return min(len(found), SEARCH_CAP + 1), Plan(Search.WALK, cap=SEARCH_CAP)
    return count(_indexed(terms, *where)), Plan(Search.WALK)


def export_count(query: OverviewQuery) -> int:
    """How many managers the export will write: counted in full (once, for the export's page)."""
    matching = sa.select(LicenseManager.id).where(*_filters(query)).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0


def export_seconds(rows: int) -> int:
    """About how long the export of so many rows takes, in whole seconds."""
    return max(1, round(rows / EXPORT_RATE))


def _hydrated(result_rows: Sequence[Any]) -> list[ManagerRow]:
    return [ManagerRow(**row._mapping) for row in result_rows]


def bounded(query: OverviewQuery, matching: int) -> OverviewQuery:
    """The query as it can be served: a computed sort over more than COUNT_CAP managers falls back
    to the default order (``refused_sort`` names the one set aside); "vs default" learns the default
    set's bits."""
    if not query.computed_sort:
        return query
    if matching > COUNT_CAP:
        return replace(query, sort=DEFAULT_SORT, after="", before="", refused_sort=query.sort_key)
    if query.sort_key == "vs_default":
        return replace(query, default_bits=permission_sets.default_bits())
    return query


def narrow(query: OverviewQuery, plan: Plan, accounts: bool | None = None) -> sa.Select[Any]:
    """The query's rows as their sort key alone, joined only to what the key needs, for a numbered page
    to skip rows over (``keyset_page``): an OFFSET over the joined rows reads each skipped manager's user
    and account (page 200 at 100,000 managers: 16-22 ms of SQL; over the sort's index alone, under 1 ms)."""
    stmt = sa.select(*query.keyset.columns).select_from(LicenseManager).where(*_filters(query, plan))
    if query.sort_key in ("name", "email"):
        stmt = stmt.join(LicenseUser, _OF_USER)
    elif query.sort_key == "customer_account":
        stmt = _joined_account(stmt, accounts)
    return stmt


def stretches(query: OverviewQuery, rows: Callable[[bool], sa.Select[Any]], plan: Plan) -> tuple[Stretch, ...]:
    """The customer account sort as two runs an index serves each (``lists.Stretch``): the managers in
    no account (keyed "", by id: ix_license_manager_vendor_no_account), then those in one by the account's
    name and id over an inner join, driven by customer_account's (vendor, name) index and the managers
    of each account by theirs. Read across the outer join, every page sorted every manager (100,000
    managers: 163 ms a page). ``rows(accounts)`` is the statement of each run's rows."""
    if query.sort_key != "customer_account":
        return ()

    return (
        Stretch(rows(False), (LicenseManager.id,), narrow(query, plan, False), fixed=("",)),
        Stretch(rows(True), (CustomerAccount.name, LicenseManager.id), narrow(query, plan, True)),
    )


def listing(query: OverviewQuery) -> tuple[OverviewQuery, Page[ManagerRow]]:
    """One page of the overview (rows with aggregates, a capped count, pager cursors) and the query
    it was served by (``bounded``): the one its links and headers are built from."""
    matching, plan = searched_total(query)
    served = bounded(query, matching)
    if matching == 0:  # counted: no row to read (a search that names no one)
        return served, Page([], 0, number=served.page, has_more=False)
    plan = plan if plan.how != Search.WALK or not served.computed_sort else Plan()
    found = keyset_page(
        rows_select(served, plan=plan),
        served.keyset,
        after=served.after,
        before=served.before,
        number=served.page,
        scalars=False,
        total=matching,
        narrow=narrow(served, plan) if served.page > 1 else None,
        stretches=stretches(served, lambda accounts: rows_select(served, plan=plan, accounts=accounts), plan),
        cap=plan.cap,
    )
    return served, found.map(_hydrated)


def page(query: OverviewQuery) -> Page[ManagerRow]:
    """One page of the overview, however it was served (``listing``)."""
    return listing(query)[1]


def export_rows(query: OverviewQuery, batch: int = 1000) -> Iterator[ManagerRow]:
    """Every row under the query, in its order, fetched in keyset batches."""
    cursor: str | None = None
    while True:
        found = keyset_page(
            rows_select(query),
            query.keyset,
            after=cursor,
            per_page=batch,
            scalars=False,
            total=0,
            stretches=stretches(query, lambda accounts: rows_select(query, accounts=accounts), Plan()),
        )
        yield from _hydrated(found.items)
        if not found.has_more:
            return
        cursor = found.next_cursor


CSV_COLUMNS = [
    "Name",
    "Email",
    "Customer account",
    "Status",
    "Permissions",
    "Permission codes",
    "Orders managed",
    "Licenses",
    "Last sign-in (UTC)",
    "Created (UTC)",
]


# Columns of the CSV that hold text people typed: only these can start like a formula.
CSV_TEXT_COLUMNS = (0, 1, 2)


def _export_select(query: OverviewQuery, accounts: bool | None = None) -> sa.Select[Any]:
    """The export's rows, read through ``plain_batches``: the times come as the driver gives them (text on
    SQLite, datetimes on PostgreSQL), never parsed only to be printed again."""
    return rows_select(query, sort_value=False, accounts=accounts)


def csv_batches(query: OverviewQuery, batch: int = EXPORT_BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The CSV export's rows (under CSV_COLUMNS), ``batch`` at a time, in the query's order.

    Plain tuples of plain values (no ``ManagerRow``, no datetimes), read from one statement as it
    goes (``plain_batches``), or from each of the order's stretches in turn: memory stays flat
    whatever the count, and the database plans for every row at once.
    """
    if query.computed_sort:
        query = bounded(query, total(query))
    runs = stretches(query, lambda accounts: _export_select(query, accounts), Plan())
    down = query.keyset.descending
    if runs:
        ordered = [run.rows.order_by(*run.order_by(down)) for run in (reversed(runs) if down else runs)]
    else:
        ordered = [_export_select(query).order_by(*query.keyset.order_by())]
    codes: dict[int, tuple[int, str]] = {}  # a permission mask's count and codes, worked out once
    for stmt in ordered:
        for rows in plain_batches(db.session, stmt, batch):
            out: list[tuple[Any, ...]] = []
            append = out.append
            # Unpacked by position: named access on a million rows costs more than the SQL does.
            for _, _, email, first, last, status, bits, _, account, login, created, _, orders, licenses in rows:
                if bits not in codes:
                    found = perms.to_codes(bits)
                    codes[bits] = (len(found), " ".join(found))
                count_, names = codes[bits]
                name = f"{first} {last}".strip()
                append(
                    (
                        name,
                        email,
                        account,
                        status,
                        count_,
                        names,
                        orders,
                        licenses,
                        login and str(login)[:19],
                        str(created)[:19],
                    )
                )
            yield out


def csv_rows(query: OverviewQuery, batch: int = EXPORT_BATCH) -> Iterator[tuple[Any, ...]]:
    """The CSV export's rows one by one (see ``csv_batches``)."""
    for rows in csv_batches(query, batch):
        yield from rows
