"""Bounded pages for lists: one page of rows and a capped count, O(page) whatever the table size."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.extensions import db

PER_PAGE = 25
COUNT_CAP = 10_000


def count_label(total: int, cap: int = COUNT_CAP) -> str:
    """A count as people read it: "1,234", or "10,000+" past the cap."""
    return f"{cap:,}+" if total > cap else f"{total:,}"


def page_number(value: Any, per_page: int = PER_PAGE) -> int:
    """Read a 1-based page number from a query argument; deep pages stop at the count cap."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, math.ceil(COUNT_CAP / per_page)))


def like_pattern(text: str) -> str:
    """A LIKE pattern matching the text anywhere, with the user's own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """Case-insensitive substring match on both SQLite and PostgreSQL."""
    return column.ilike(like_pattern(text), escape="\\")


@dataclass
class Page:
    """One bounded page of a list, with a count that stops just past COUNT_CAP."""

    items: list
    number: int
    per_page: int
    total: int
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def total_label(self) -> str:
        return count_label(self.total)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, COUNT_CAP) / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def paginate(
    stmt: sa.Select,
    number: int,
    per_page: int = PER_PAGE,
    *,
    order_by: Iterable = (),
    options: Iterable = (),
    scalars: bool = True,
    args: Mapping[str, Any] | None = None,
) -> Page:
    """Fetch one page of a statement and count its rows up to the cap: two queries.

    Loader options go in ``options`` (not on the statement), so the count can select the ids alone.
    """
    if order_by:
        stmt = stmt.order_by(*order_by)
    rows = db.session.execute(stmt.options(*options).limit(per_page).offset((number - 1) * per_page))
    items = list(rows.scalars() if scalars else rows)
    return Page(items, number, per_page, count(stmt), args or {})


def count(stmt: sa.Select) -> int:
    """Count a statement's rows, stopping just past the cap (O(cap), never O(rows))."""
    # COUNT over "id IN (capped ids)" rather than over a bare subquery: the count names the
    # entity, so the tenancy hook scopes the outer query as well as the inner one.
    entity = stmt.column_descriptions[0]["entity"]
    ids = stmt.with_only_columns(entity.id).order_by(None).limit(COUNT_CAP + 1)
    return db.session.scalar(sa.select(sa.func.count(entity.id)).where(entity.id.in_(ids))) or 0
