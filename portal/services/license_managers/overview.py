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
    read_in_order,
)
from portal.models import CustomerAccount, LicenseManager, LicenseUser, VendorAccount
from portal.models.people import MANAGER_STATUSES, last_login_sort, shown_status, status_is
from portal.services.license_managers import permission_sets
from portal.tenancy import current_tenant, estimated_rows, plain_rows

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
EXPORT_BATCH = 5000  # rows per keyset batch of the CSV export
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


# How a search is put to SQLite is chosen per request (``searched_total``) by how many managers its
# words' index candidates name: a word naming at most WALK_FROM gives their ids (``Search.FEW``), and
# the page and its count check those rows alone; words naming more are served by walking the sort's
# own index and testing each row (``Search.WALK``), which reads about (managers / matches) x 25 rows
# instead of fetching, checking and sorting every match. Measured at 1,000,000 managers: a common
# first name (50,000 candidates) 414 -> 73 ms a page, one exact email 27 -> 19 ms.
WALK_FROM = 1_000


class Search:
    """How the search words are put to the database (``_filters``)."""

    IDS = "ids"  # the ids of the matching managers, each a checked match: PostgreSQL, and narrow searches
    WALK = "walk"  # each row of the sort's index tested by ``_word`` (the LIKE on the row's own search text)
    FEW = "few"  # the few managers a rare word matches (``_few``), each row tested by ``_word`` for every word
    EXACT = "exact"  # the ids of every match, read through the trigram indexes (``_exact_managers``): none to check


@dataclass(frozen=True)
class Plan:
    """How one request's search is served (``searched_total``): the rows and the count follow it."""

    how: str = Search.IDS
    ids: tuple[int, ...] = ()  # Search.FEW: the managers the rarest word's candidates name; Search.EXACT: the matches


def _filters(query: OverviewQuery, plan: Plan = Plan()) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses for the query's filters, all on license_manager: a checked search's LIKE
    (``Search.WALK``, ``Search.FEW``) tests the row's own search text (``portal.manager_search_text``)."""
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
    if plan.how == Search.FEW:
        clauses.append(_among(LicenseManager.id, plan.ids))
    if plan.how == Search.EXACT:  # the matches themselves: no word is left to test
        return [*clauses, _listed(LicenseManager.id, plan.ids)]
    for term in search.terms(query.q):
        if plan.how == Search.IDS:
            clauses.append(LicenseManager.id.in_(matching_managers(term)))
        else:
            clauses.append(_word(term))
    return clauses


def _routes(term: str, *where: sa.ColumnElement[bool]) -> list[sa.Select[Any]]:
    """The managers a word's index candidates name, by their license user and by their customer
    account: read from the FTS5 tables outwards (each candidate an index look-up on license_manager),
    so an outer LIMIT stops them early."""
    routes = []
    for model, column in (
        (LicenseUser, LicenseManager.license_user_id),
        (CustomerAccount, LicenseManager.customer_account_id),
    ):
        fts, match = search.fts_match(model, term)
        routes.append(
            sa.select(LicenseManager.id)
            .select_from(fts)
            .join(LicenseManager, column == fts.c.rowid)
            .where(match, *where)
        )
    return routes


def _few(term: str, *where: sa.ColumnElement[bool]) -> set[int] | None:
    """The managers under ``where`` that a word matches, read through its index candidates, each checked
    on its row (``_word``), when there are at most WALK_FROM of them; else None.

    A common word stops after WALK_FROM + 1 rows (~3 ms at 1,000,000 managers) instead of listing them all.
    """
    found = db.session.scalars(sa.union_all(*_routes(term, *where, _word(term))).limit(WALK_FROM + 1)).all()
    return set(found) if len(found) <= WALK_FROM else None  # cut short: many (a manager by both routes counts twice)


def _word(term: str) -> sa.ColumnElement[bool]:
    """One word as a test of a manager's row (``Search.WALK``, ``Search.FEW``): the LIKE over the row's
    search text, their name, email and customer account in one (``portal.manager_search_text``).

    On the row itself, so the sort's index drives a walk and each row is tested where it is read: no
    join to its user and account (PostgreSQL, a common word at 1,000,000 managers: 13 ms a page), no
    candidate sets built whole first (SQLite: a common first name's 50,000 ids)."""
    # The text is kept in lower case: LIKE against the lowered word is ILIKE without lowering every row.
    return LicenseManager.search_text.like(sa.func.lower(like_pattern(term)), escape="\\")


def matching_managers(term: str) -> sa.CompoundSelect:
    """The ids of the managers whose name, email or customer account holds the term, by the indexes.

    One id set per word, so the database starts from the few matching rows (or, for a word that
    matches many, from the sort's index) instead of testing an OR across two tables on every row.
    """
    by_user = sa.select(LicenseUser.id).where(search.matches(LicenseUser, term))
    by_account = sa.select(CustomerAccount.id).where(search.matches(CustomerAccount, term))
    return sa.union_all(
        sa.select(LicenseManager.id).where(LicenseManager.license_user_id.in_(by_user)),
        sa.select(LicenseManager.id).where(LicenseManager.customer_account_id.in_(by_account)),
    )


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


def checked_total(query: OverviewQuery) -> int:
    """How many managers match one common word (SQLite), counted up to the cap: the word's index
    candidates read route by route (``_routes``: from the FTS5 table outwards, each route stopping just
    past the cap) and each checked on its manager's row as it is read (``_word``: the row's search text).

    Walking the sort's index instead would read every manager to count a common word's matches; the
    candidates stop at the cap (a common first name at 1,000,000 managers: ~18 ms). The routes' sum
    would count twice a manager found both by name and by customer account: when both routes find
    some, their union is counted instead.
    """
    (term,) = search.terms(query.q)
    routes = _routes(term, *_filters(replace(query, q="")), _word(term))
    counted = [count(route) for route in routes]
    if min(counted) == 0 or max(counted) > COUNT_CAP:
        return sum(counted)
    both = sa.union(*routes).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(both)) or 0


# PostgreSQL: an estimate past this many managers is taken as past the cap (twice it, so a sampled
# statistic's error does not say "10,000+" of fewer).
SURE_PAST_CAP = 2 * COUNT_CAP
# A search read as ids (``_exact_managers``: on PostgreSQL one estimated at up to SURE_PAST_CAP managers,
# on SQLite several common words) is walked past this many: it names more than the cap for sure.
EXACT_UP_TO = SURE_PAST_CAP
# Up to this many users holding the words are read as ids, their managers then by index; more are
# joined to their managers in SQL (each id read out and sent back costs more than the join).
USERS_READ_UP_TO = 5_000


def _among(column: Any, ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL one array parameter, however many ids (a bound value each would
    cost more to compile than to run)."""
    if search.dialect() == "sqlite":
        return column.in_(ids)
    return column == sa.any_(sa.literal(list(ids), type_=ARRAY(sa.Integer)))


def _listed(column: Any, ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """``column IN ids`` for many ids, as rows the planner reads first, fetching each manager by key
    (PostgreSQL: ``unnest`` of one array; SQLite: ``json_each`` of one JSON list). As ``id = ANY(ids)``
    PostgreSQL walks the sort's index testing every row instead, taking the ids to be spread evenly
    (882 managers of 1,000,000: 32,718 rows read for a page, 36 ms)."""
    if search.dialect() == "sqlite":
        return column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(json.dumps(list(ids)))))
    return column.in_(sa.select(sa.func.unnest(sa.literal(list(ids), type_=ARRAY(sa.Integer)))))


def _exact_managers(terms: Sequence[str], *where: sa.ColumnElement[bool], limit: int) -> list[int] | None:
    """The managers every word matches, each by their name or email or by their customer account: up to
    ``limit`` + 1 of them (more than ``limit`` says there are more), or None when a word is in more than
    ``limit`` customer accounts (then the words are matched as a whole).

    Two statements. The first reads from the trigram indexes alone the license users holding every
    word (``search.matches_every``: the index intersects the words' rows, so "uma oliv" names a few
    hundred users however common each word is), up to USERS_READ_UP_TO of them, and each word's
    customer accounts. The second finds the managers of those users, and those of the accounts (with
    their users holding whatever words their account does not), by license_manager's indexes under the
    other filters. Asked as one join, PostgreSQL's planner hashes the matching users and reads every
    manager of the vendor to find theirs: a word of 2,500 managers at 100,000 took 56 ms to count and
    78 ms for its page, two common words at 1,000,000 2.4 s (now 13 and 85 ms of SQL); on SQLite each
    word's candidate set was tested on every manager (1.1 s). More users than USERS_READ_UP_TO are
    joined to their managers in SQL.
    """
    holding_all = search.matches_every(LicenseUser, terms)
    found_by = [sa.select(sa.literal(-1).label("word"), LicenseUser.id).where(holding_all).limit(USERS_READ_UP_TO + 1)]
    for word, term in enumerate(terms):
        matched = search.matches(CustomerAccount, term)
        found_by.append(sa.select(sa.literal(word).label("word"), CustomerAccount.id).where(matched).limit(limit + 1))
    users: list[int] = []
    held: dict[int, set[int]] = {}  # customer account id -> the words (their indexes) it holds
    # Each limited select as a subquery: SQLite takes no parenthesised member in a UNION.
    for word, found in db.session.execute(sa.union_all(*(sa.select(part.subquery()) for part in found_by))).all():
        if word < 0:
            users.append(found)
        else:
            held.setdefault(found, set()).add(word)
    if any(sum(word in words for words in held.values()) > limit for word in range(len(terms))):
        return None
    routes: list[sa.ColumnElement[bool]] = []
    if len(users) > USERS_READ_UP_TO:
        routes.append(LicenseManager.license_user_id.in_(sa.select(LicenseUser.id).where(holding_all)))
    elif users:
        routes.append(_among(LicenseManager.license_user_id, users))
    accounts: dict[frozenset[int], list[int]] = {}
    for account, words in held.items():
        accounts.setdefault(frozenset(words), []).append(account)
    for holds, ids in accounts.items():
        route = _among(LicenseManager.customer_account_id, ids)
        rest = [term for word, term in enumerate(terms) if word not in holds]
        if rest:  # the words this account does not hold, held by the manager's user
            route = sa.and_(
                route,
                LicenseManager.license_user_id.in_(
                    sa.select(LicenseUser.id).where(search.matches_every(LicenseUser, rest))
                ),
            )
        routes.append(route)
    if not routes:
        return []
    return list(db.session.scalars(sa.select(LicenseManager.id).where(sa.or_(*routes), *where).limit(limit + 1)))


def _estimated(query: OverviewQuery) -> int:
    return estimated_rows(db.session, sa.select(LicenseManager.id).where(*_filters(query)))


def _planned_by_statistics(query: OverviewQuery) -> tuple[int, Plan]:
    """PostgreSQL: how many managers match and how to read them, from the planner's estimate.

    Matching every manager through the trigram index is cheap for a rare word and costs the most for
    a common one: at 1,000,000 managers a first name of ~25,000 took 590 ms to count and 1,040 ms for
    the page, which sorted every match. So the statistics are asked first (``estimated_rows``, under a
    millisecond a statement). A search estimated past SURE_PAST_CAP walks the sort's index testing each
    row (``Search.WALK``) and says "10,000+"; any other has its matches read as ids (``Search.EXACT``),
    which are their count too (one that turns out to name more than EXACT_UP_TO is walked after all).
    """
    if _estimated(query) > SURE_PAST_CAP:
        return COUNT_CAP + 1, Plan(Search.WALK)
    return _exactly(query)


def _exactly(query: OverviewQuery) -> tuple[int, Plan]:
    """The matches read as ids (``_exact_managers``), which are their count; past EXACT_UP_TO of them the
    search is walked (past the cap for sure), and where a word names too many accounts matched as a whole."""
    ids = _exact_managers(search.terms(query.q), *_filters(replace(query, q="")), limit=EXACT_UP_TO)
    if ids is None:
        return total(query), Plan()
    if len(ids) > EXACT_UP_TO:
        return (COUNT_CAP + 1 if len(ids) > COUNT_CAP else total(query)), Plan(Search.WALK)
    return min(len(ids), COUNT_CAP + 1), Plan(Search.EXACT, tuple(sorted(ids)))


def searched_total(query: OverviewQuery) -> tuple[int, Plan]:
    """How many managers match (capped) and how the page's rows are best searched for (``Plan``)."""
    terms = search.terms(query.q)
    if not terms:
        return total(query), Plan()
    if search.dialect() != "sqlite":
        return _planned_by_statistics(query)
    # Each word's matches under the filters, when few (``_few``): the rarest word's are the candidates.
    where = _filters(replace(query, q=""))
    few: list[set[int]] = [found for found in (_few(term, *where) for term in terms) if found is not None]
    if few:
        rarest: set[int] = min(few, key=len)
        plan = Plan(Search.FEW, tuple(sorted(rarest)))
        if len(terms) == 1:  # the word's matches themselves: their number is the count
            return len(rarest), plan
        return (total(query, plan) if plan.ids else 0), plan
    if len(terms) > 1:  # every word common; together they may still be narrow ("uma oliv")
        return _exactly(query)
    return checked_total(query), Plan(Search.WALK)


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
    """The export's rows, read through ``plain_rows``: the times come as the driver gives them (text on
    SQLite, datetimes on PostgreSQL), never parsed only to be printed again."""
    return rows_select(query, sort_value=False, accounts=accounts)


def csv_batches(query: OverviewQuery, batch: int = EXPORT_BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The CSV export's rows (under CSV_COLUMNS), a keyset batch at a time, in the query's order.

    Plain tuples of plain values (no ``ManagerRow``, no datetimes), one query per batch: memory
    stays flat whatever the count, and each batch costs what the first does.
    """
    if query.computed_sort:
        query = bounded(query, total(query))
    keyset = query.keyset
    stmt = _export_select(query)
    runs = stretches(query, lambda accounts: _export_select(query, accounts), Plan())
    codes: dict[int, tuple[int, str]] = {}  # a permission mask's count and codes, worked out once
    after: Sequence[Any] | None = None

    def run(batch_stmt: sa.Select[Any]) -> list[Any]:
        # The driver's tuples: SQLAlchemy's rows would cost a third of the export's time.
        return plain_rows(db.session, batch_stmt)

    while True:
        rows = read_in_order(stmt, keyset, batch, run, after=after, stretches=runs)
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
        if out:
            yield out
        if len(rows) < batch:
            return
        # The next batch starts after this one's last row, read again as typed values (one look-up).
        last = db.session.execute(rows_select(query).where(LicenseManager.id == rows[-1][0])).one()
        after = keyset.key_of(last)


def csv_rows(query: OverviewQuery, batch: int = EXPORT_BATCH) -> Iterator[tuple[Any, ...]]:
    """The CSV export's rows one by one (see ``csv_batches``)."""
    for rows in csv_batches(query, batch):
        yield from rows
