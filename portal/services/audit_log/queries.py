"""Read the vendor account's audit log: filtered keyset pages, newest first.

Pages follow (created_at, id) with ``lists.keyset_page`` cursors instead of an offset, so the
thousandth page costs what the first does; the total is counted only up to the cap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal import search
from portal.lists import Keyset, Page, keyset_page
from portal.models import AuditEvent

EVENTS_SHOWN = 50  # a page of the log: events are short rows, people scan many at once

NEWEST_FIRST = Keyset(
    "audit",
    (AuditEvent.created_at, AuditEvent.id),
    (dt.datetime, int),
    lambda event: (event.created_at, event.id),
    descending=True,
)


@dataclass
class Filters:
    actor: str = ""
    object_type: str = ""
    object_label: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found = []
        # Through the trigram index; a text too short for it is not a filter (the form says so).
        if search.searchable(self.actor):
            found.append(search.matches(AuditEvent, self.actor, [AuditEvent.actor_label]))
        if self.object_type:
            found.append(AuditEvent.object_type == self.object_type)
        if search.searchable(self.object_label):
            found.append(search.matches(AuditEvent, self.object_label, [AuditEvent.object_label]))
        if self.date_from:
            found.append(AuditEvent.created_at >= dt.datetime.combine(self.date_from, dt.time()))
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time())
            found.append(AuditEvent.created_at < end)
        return found


def events_page(filters: Filters, *, after: str | None = None, before: str | None = None) -> Page[AuditEvent]:
    """One page of the vendor account's events, newest first: older than the ``after`` cursor,
    or newer than the ``before`` one."""
    stmt: sa.Select[Any] = sa.select(AuditEvent).where(*filters.conditions())
    return keyset_page(stmt, NEWEST_FIRST, after=after, before=before, per_page=EVENTS_SHOWN)
