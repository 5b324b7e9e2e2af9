"""Bounded pages for lists: one page of rows and a capped count, O(page) whatever the table size."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.extensions import db

PER_PAGE = 25
COUNT_CAP = 10_000


def page_number(value: Any, per_page: int = PER_PAGE) -> int:
    """Read a 1-based page number from a query argument; deep pages stop at the count cap."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, COUNT_CAP // per_page + 1))


def like_pattern(text: str) -> str:
    """A LIKE pattern matching the text anywhere, with the user's own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """Case-insensitive substring match on both SQLite and PostgreSQL."""
    return column.ilike(like_pattern(text), escape="\\")


@dataclass
class Page:
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
        return f"{COUNT_CAP:,}+" if self.capped else f"{self.total:,}"

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.per_page < min(self.total, COUNT_CAP + 1)

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def paginate(stmt: sa.Select, number: int, per_page: int = PER_PAGE, options: Iterable = (),
             scalars: bool = True, args: Mapping[str, Any] | None = None) -> Page:
    """Fetch one page of a statement and count its rows up to the cap: two queries."""
    rows = db.session.execute(
        stmt.options(*options).limit(per_page).offset((number - 1) * per_page)
    )
    items = list(rows.scalars() if scalars else rows)
    return Page(items, number, per_page, count(stmt), args or {})


def count(stmt: sa.Select) -> int:
    """Count a statement's rows, stopping just past the cap (O(cap), never O(rows))."""
    # The ids are counted here rather than by COUNT(*) over a subquery: the tenancy hook
    # scopes this top-level query, and would not reach into a bare subquery.
    entity = stmt.column_descriptions[0]["entity"]
    ids = stmt.with_only_columns(entity.id).order_by(None).limit(COUNT_CAP + 1)
    return len(db.session.scalars(ids).all())
