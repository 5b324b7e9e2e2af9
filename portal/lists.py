"""Lists that cost O(page) whatever the table size: one page type, one cursor format.

Every list in the portal is a ``Page``: a page of rows, a count that stops just past
``COUNT_CAP`` ("10,000+"), and either a page number (bounded OFFSET pages) or keyset cursors
(pages that follow a row's sort key, so the thousandth page costs what the first does).
A cursor is opaque and URL-safe: the sort key of the row at the page's edge, always ending
in the row id so keys are unique, tagged with the sort it belongs to. One from another sort,
or tampered with, decodes to None and the list starts from its first page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from portal.extensions import db

T = TypeVar("T")
U = TypeVar("U")

PER_PAGE = 25
COUNT_CAP = 10_000
MAX_ID = 2**31 - 1  # ids are INTEGER columns on PostgreSQL; bigger ones cannot exist


def count_label(total: int, cap: int | None = None) -> str:
    """A count as people read it: "1,234", or "10,000+" past the cap (``COUNT_CAP`` as it is now)."""
    cap = COUNT_CAP if cap is None else cap
    return f"{cap:,}+" if total > cap else f"{total:,}"


def offset_pages(per_page: int = PER_PAGE) -> int:
    """How deep a page number alone (an OFFSET) may go: as far as the capped count (400 pages of 25)."""
    return math.ceil(COUNT_CAP / per_page)


def page_number(value: Any, per_page: int = PER_PAGE) -> int:
    """Read a 1-based page number from a query argument; deep pages stop at the count cap."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, offset_pages(per_page)))


def positive_id(value: Any) -> int | None:
    """An id from a query argument or form field, or None when it cannot be a row id."""
    try:
        number = int(value or "")
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def like_pattern(text: str) -> str:
    """A LIKE pattern matching the text anywhere, with the user's own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match on both SQLite and PostgreSQL."""
    return column.ilike(like_pattern(text), escape="\\")


@dataclass
class Page(Generic[T]):
    """One page of a list with a capped count.

    ``number`` is the 1-based page number where the list knows it; cursor pages carry
    ``next_cursor`` / ``prev_cursor`` for their pager links instead of (or beside) it.
    """

    items: list[T]
    total: int  # counted up to COUNT_CAP + 1
    per_page: int = PER_PAGE
    number: int = 1
    has_more: bool | None = None  # known from fetching one row more; None: from the count
    next_cursor: str | None = None
    prev_cursor: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    # A page number past ``offset_pages`` with no cursor: not read (it would cost a scan of
    # every row before it); the page says how to get there instead.
    too_deep: bool = False
    cap: int | None = None  # where ``total`` stopped counting, if not at COUNT_CAP (a search's, sooner)

    @property
    def offset_pages(self) -> int:
        return offset_pages(self.per_page)

    @property
    def capped(self) -> bool:
        return self.total > (COUNT_CAP if self.cap is None else self.cap)

    @property
    def total_label(self) -> str:
        return count_label(self.total, self.cap)

    @property
    def pages(self) -> int | None:
        """The number of pages, when the count is exact."""
        return None if self.capped else max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1 or self.prev_cursor is not None

    @property
    def has_next(self) -> bool:
        if self.has_more is not None:
            return self.has_more
        pages = self.pages if self.pages is not None else math.ceil(COUNT_CAP / self.per_page)
        return self.number < pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    def map(self, convert: Callable[[list[T]], list[U]]) -> Page[U]:
        """The same page with its items converted (hydrated rows, aggregates added)."""
        return Page(
            convert(self.items),
            self.total,
            self.per_page,
            self.number,
            self.has_more,
            self.next_cursor,
            self.prev_cursor,
            self.args,
            self.too_deep,
            self.cap,
        )


def at_most_cap(total: int) -> int:
    """An exact number as a count of the lists reads it: at most COUNT_CAP + 1 ("10,000+")."""
    return min(total, COUNT_CAP + 1)


def count(stmt: sa.Select[Any]) -> int:
    """Count a statement's rows, stopping just past the cap (O(cap), never O(rows)).

    ``count(*)`` over the statement limited to ``COUNT_CAP + 1`` rows of a constant: a shape every
    database stops at the limit (PostgreSQL plans ``count(id) WHERE id IN (capped ids)`` as a scan
    of the whole table). The tenancy hook scopes the inner statement, where the entities are.
    """
    capped: sa.Select[Any] = stmt.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    capped = capped.order_by(None).limit(COUNT_CAP + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped.subquery())) or 0


def paginate(
    stmt: sa.Select[Any],
    number: int,
    per_page: int = PER_PAGE,
    *,
    order_by: Iterable[Any] = (),
    options: Iterable[Any] = (),
    scalars: bool = True,
    args: Mapping[str, Any] | None = None,
    total: Callable[[], int] | None = None,
) -> Page[Any]:
    """Fetch one numbered page of a statement and count its rows up to the cap: two queries.

    Loader options go in ``options`` (not on the statement), so the count can select the ids alone.
    ``total`` counts instead, where the caller has a cheaper count of the same rows.
    """
    if order_by:
        stmt = stmt.order_by(*order_by)
    rows = db.session.execute(stmt.options(*options).limit(per_page).offset((number - 1) * per_page))
    items = list(rows.scalars() if scalars else rows)
    return Page(items, total() if total else count(stmt), per_page, number, args=args or {})


# Keyset cursors


def encode_cursor(tag: str, values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for these key values (str, int or naive datetime)."""
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps([tag, plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, tag: str, kinds: Sequence[type]) -> list[Any] | None:
    """The key values in a cursor of this tag, each of its kind; None when it is not one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_tag, values = json.loads(raw)
        if found_tag != tag or not isinstance(values, list) or len(values) != len(kinds):
            return None
        decoded = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is dt.datetime:
                value = dt.datetime.fromisoformat(value)
            elif type(value) is not kind:
                return None
            elif isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
                return None
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def beyond(columns: Sequence[Any], values: Sequence[Any], *, descending: bool) -> sa.ColumnElement[bool]:
    """Rows that come after the cursor's row when ordered by these columns, all one direction."""
    key = sa.tuple_(*columns)
    return key < tuple(values) if descending else key > tuple(values)


@dataclass(frozen=True)
class Keyset:
    """How a list is ordered for keyset pages: its columns (ending in the id), all one direction.

    ``key_of`` reads a fetched row's key values; ``tag`` names the sort in its cursors.
    """

    tag: str
    columns: Sequence[Any]
    kinds: Sequence[type]
    key_of: Callable[[Any], Sequence[Any]]
    descending: bool = False

    def order_by(self, *, reverse: bool = False) -> list[Any]:
        down = self.descending != reverse
        return [c.desc() if down else c.asc() for c in self.columns]


@dataclass(frozen=True)
class Stretch:
    """A run of a keyset's order that an index serves where the whole order cannot be (a sort across
    an outer join): the run's own statement of rows, each keyed ``fixed`` then its ``columns``' values,
    and the same rows as the keyset's columns alone (``narrow``) for numbered pages. A list's stretches
    follow each other in its ascending order and share no rows; ``fixed`` values must compare in
    Python as in the database (the empty string: first everywhere)."""

    rows: sa.Select[Any]
    columns: Sequence[Any]
    narrow: sa.Select[Any]
    fixed: tuple[Any, ...] = ()

    def order_by(self, down: bool) -> list[Any]:
        return [c.desc() if down else c.asc() for c in self.columns]

    def after(self, key: Sequence[Any] | None, down: bool) -> sa.ColumnElement[bool] | None:
        """The stretch's rows past ``key``: all of them (``true``), or None when it lies behind the key."""
        if key is None:
            return sa.true()
        head, rest = tuple(key[: len(self.fixed)]), key[len(self.fixed) :]
        if head == self.fixed:
            return beyond(self.columns, rest, descending=down)
        return sa.true() if (head > self.fixed) == down else None


def read_in_order(
    stmt: sa.Select[Any],
    keyset: Keyset,
    limit: int,
    run: Callable[[sa.Select[Any]], list[Any]],
    *,
    after: Sequence[Any] | None = None,
    reverse: bool = False,
    stretches: Sequence[Stretch] = (),
) -> list[Any]:
    """Up to ``limit`` rows in the keyset's order (turned around with ``reverse``) past the key ``after``,
    each statement run by ``run``: ``stmt`` at once, or its ``stretches`` one after another until full."""
    down = keyset.descending != reverse
    if not stretches:
        if after is not None:
            stmt = stmt.where(beyond(keyset.columns, after, descending=down))
        return run(stmt.order_by(*keyset.order_by(reverse=reverse)).limit(limit))
    found: list[Any] = []
    for stretch in reversed(stretches) if down else stretches:
        past = stretch.after(after, down)
        if past is not None:
            found += run(stretch.rows.where(past).order_by(*stretch.order_by(down)).limit(limit - len(found)))
        if len(found) >= limit:
            break
    return found


def _key_at(offset: int, keyset: Keyset, narrow: sa.Select[Any] | None, stretches: Sequence[Stretch]) -> Any:
    """The key of the row ``offset`` rows in (over the keyset's columns alone), or None past the end."""
    if not stretches:
        assert narrow is not None
        return db.session.execute(narrow.order_by(*keyset.order_by()).offset(offset).limit(1)).first()
    for stretch in reversed(stretches) if keyset.descending else stretches:
        edge = db.session.execute(stretch.narrow.order_by(*stretch.order_by(keyset.descending)).offset(offset).limit(1))
        found = edge.first()
        if found is not None:
            return found
        offset -= count(stretch.narrow)  # the whole stretch lies before the row (fewer than the cap)
    return None


def keyset_page(
    stmt: sa.Select[Any],
    keyset: Keyset,
    *,
    after: str | None = None,
    before: str | None = None,
    number: int = 1,
    per_page: int = PER_PAGE,
    scalars: bool = True,
    total: int | None = None,
    args: Mapping[str, Any] | None = None,
    narrow: sa.Select[Any] | None = None,
    stretches: Sequence[Stretch] = (),
    cap: int | None = None,
) -> Page[Any]:
    """One page after the ``after`` cursor, before the ``before`` one, or at a page number.

    A page number without a cursor (typed in, or page 1) falls back to an OFFSET, bounded by
    ``offset_pages``: past it nothing is read and the page is ``too_deep``. Pages after a cursor
    have no bound, since each costs what the first does.
    ``narrow`` is the same rows selecting the keyset's columns alone, from the fewest tables they
    need: an OFFSET then skips over it (index entries, not joined rows) to the key before the page,
    and the page is read after that key as after a cursor. With ``stretches`` the rows are read
    from those (``read_in_order``), numbered pages skip over theirs.
    The count is the capped count of ``stmt`` unless the caller has it (``total``, counted up to ``cap``).
    """
    after_key = decode_cursor(after, keyset.tag, keyset.kinds)
    before_key = decode_cursor(before, keyset.tag, keyset.kinds)

    def fetch(query: sa.Select[Any]) -> list[Any]:
        result = db.session.execute(query)
        return list(result.scalars() if scalars else result)

    def read(limit: int, key: Sequence[Any] | None, reverse: bool = False, query: sa.Select[Any] = stmt) -> list[Any]:
        return read_in_order(query, keyset, limit, fetch, after=key, reverse=reverse, stretches=stretches)

    if before_key is not None:
        # Going back: read the page in reverse order from the cursor, then turn it around.
        items = read(per_page, before_key, reverse=True)[::-1]
        has_more = True
    else:
        if after_key is None and number > offset_pages(per_page):
            found = count(stmt) if total is None else total
            return Page([], found, per_page, number, False, args=args or {}, too_deep=True, cap=cap)
        if after_key is None and number > 1 and (narrow is not None or stretches):
            edge = _key_at((number - 1) * per_page - 1, keyset, narrow, stretches)
            # Past the last row: nothing is read, and the page says so.
            items = read(per_page + 1, tuple(edge)) if edge is not None else []
        elif after_key is None and number > 1:
            items = read(per_page + 1, None, query=stmt.offset((number - 1) * per_page))
        else:
            items = read(per_page + 1, after_key)
        has_more = len(items) > per_page
        items = items[:per_page]
    page: Page[Any] = Page(
        items,
        count(stmt) if total is None else total,
        per_page,
        number,
        has_more=has_more,
        args=args or {},
        cap=cap,
    )
    if items:
        page.next_cursor = encode_cursor(keyset.tag, keyset.key_of(items[-1])) if has_more else None
        first_page = number <= 1 and after_key is None and before_key is None
        page.prev_cursor = None if first_page else encode_cursor(keyset.tag, keyset.key_of(items[0]))
    return page


# Sorting by a column: the URL holds it (``sort=name``, ``sort=-name`` descending)


@dataclass(frozen=True)
class Sorts:
    """The columns a list may be sorted by, each a name for the URL and its SQL ordering.

    Each ordering is a tuple of columns, the last a unique one (the id), so pages never
    overlap; descending turns every column around. A ``sort`` argument that names no column
    is ignored: the list keeps its default order.
    """

    columns: Mapping[str, Sequence[Any]]
    default: str
    # Where empty values of nullable columns go: SQLite puts NULL first ascending and last descending,
    # PostgreSQL the other way round. With ``nulls_low`` both read "never" as the oldest, so a list
    # sorted by its last sign-in shows the same rows first on either database.
    nulls_low: bool = False

    def parse(self, value: Any) -> str:
        """The sort a query argument asks for, or the default when it names no column."""
        text = str(value or "")
        return text if text.lstrip("-") in self.columns else self.default

    def order_by(self, sort: str) -> list[Any]:
        """The ORDER BY clauses of a sort that ``parse`` returned."""
        name = sort.lstrip("-")
        descending = sort.startswith("-")
        clauses = []
        for column in self.columns[name]:
            clause = column.desc() if descending else column.asc()
            if self.nulls_low and getattr(column, "nullable", False):
                clause = clause.nulls_last() if descending else clause.nulls_first()
            clauses.append(clause)
        return clauses

    def apply(self, stmt: sa.Select[Any], sort: str) -> sa.Select[Any]:
        """The statement ordered by this sort, in place of any order it had."""
        return stmt.order_by(None).order_by(*self.order_by(sort))

    def args(self, sort: str) -> dict[str, str]:
        """The query argument to keep in links: none for the default order."""
        return {} if sort == self.default else {"sort": sort}
