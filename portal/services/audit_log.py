"""Read the audit log: filtered keyset pages, newest first, and changes as a person reads them.

Pages follow (created_at, id) with a cursor instead of an offset, so the thousandth page
costs what the first does; the total is counted only up to COUNT_CAP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal import permissions as perms
from portal.extensions import db
from portal.lists import contains, count, count_label
from portal.models import AuditEvent

PER_PAGE = 50

OBJECT_TYPES = {
    "license_manager": "License manager",
    "license_user": "License user",
    "order": "Order",
    "license": "License",
    "device": "Device",
    "user_group": "User group",
    "customer_account": "Customer account",
    "customer": "Customer",
    "product": "Product",
    "staff": "Staff",
    "default_permission_set": "Default permission set",
    "vendor_account": "Vendor account",
}


def object_type_label(code: str) -> str:
    return OBJECT_TYPES.get(code) or code.replace("_", " ").capitalize()


def action_label(action: str) -> str:
    """'license_manager.permissions_updated' reads 'Permissions updated'."""
    return action.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@dataclass
class Filters:
    actor: str = ""
    object_type: str = ""
    object_label: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def conditions(self) -> list:
        found = []
        if self.actor:
            found.append(contains(AuditEvent.actor_label, self.actor))
        if self.object_type:
            found.append(AuditEvent.object_type == self.object_type)
        if self.object_label:
            found.append(contains(AuditEvent.object_label, self.object_label))
        if self.date_from:
            found.append(AuditEvent.created_at >= dt.datetime.combine(self.date_from, dt.time()))
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time())
            found.append(AuditEvent.created_at < end)
        return found


def encode_cursor(event: AuditEvent) -> str:
    return f"{event.created_at.isoformat()}~{event.id}"


def decode_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    """The (created_at, id) a page starts after; None for a missing or malformed cursor."""
    if not text:
        return None
    try:
        when, _, event_id = text.partition("~")
        return dt.datetime.fromisoformat(when), int(event_id)
    except ValueError:
        return None


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    newer: str | None = None  # cursor of the page before (newer events)
    older: str | None = None  # cursor of the page after (older events)

    @property
    def total_label(self) -> str:
        return count_label(self.total)


def _older_than(cursor: tuple[dt.datetime, int]):
    when, event_id = cursor
    return sa.or_(AuditEvent.created_at < when, sa.and_(AuditEvent.created_at == when, AuditEvent.id < event_id))


def _newer_than(cursor: tuple[dt.datetime, int]):
    when, event_id = cursor
    return sa.or_(AuditEvent.created_at > when, sa.and_(AuditEvent.created_at == when, AuditEvent.id > event_id))


def events_page(filters: Filters, before: str | None = None, after: str | None = None) -> AuditPage:
    """One page of the vendor account's events, newest first: older than ``before``, or
    newer than ``after``."""
    conditions = filters.conditions()
    newest_first = (AuditEvent.created_at.desc(), AuditEvent.id.desc())
    after_cursor, before_cursor = decode_cursor(after), decode_cursor(before)
    stmt = sa.select(AuditEvent).where(*conditions)
    if after_cursor:
        rows = list(
            db.session.scalars(
                stmt.where(_newer_than(after_cursor)).order_by(AuditEvent.created_at, AuditEvent.id).limit(PER_PAGE + 1)
            )
        )
        has_newer, has_older = len(rows) > PER_PAGE, True
        events = list(reversed(rows[:PER_PAGE]))
    else:
        if before_cursor:
            stmt = stmt.where(_older_than(before_cursor))
        rows = list(db.session.scalars(stmt.order_by(*newest_first).limit(PER_PAGE + 1)))
        has_newer, has_older = before_cursor is not None, len(rows) > PER_PAGE
        events = rows[:PER_PAGE]
    total = count(sa.select(AuditEvent.id).where(*conditions))
    return AuditPage(
        events,
        total,
        newer=encode_cursor(events[0]) if events and has_newer else None,
        older=encode_cursor(events[-1]) if events and has_older else None,
    )


# Changes, readable


@dataclass
class Change:
    label: str
    before: str | None = None
    after: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _when(value: str) -> str | None:
    try:
        return dt.datetime.fromisoformat(value).strftime("%d %b %Y %H:%M UTC")
    except ValueError:
        return None


NAME_KEYS = ("label", "product", "name", "reference", "email")


def _identity(item: Any) -> Any:
    """What names a list item across before and after: its id or name when it is a record."""
    if isinstance(item, dict):
        for key in ("id", *NAME_KEYS):
            if key in item:
                return (key, item[key])
    return None


def _text(key: str, value: Any) -> str:
    if value is None:
        return "no cap" if key == "cap" else "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        name_key = next((k for k in NAME_KEYS if k in value), None)
        name = str(value[name_key]) if name_key else str(value.get("id", ""))
        details = ", ".join(
            f"no {k.replace('_', ' ')}" if v is None else f"{k.replace('_', ' ')} {_text(k, v)}"
            for k, v in value.items()
            if k not in ("id", name_key)
        )
        return f"{name} ({details})" if details else name
    if key == "permissions" and value in perms.BY_CODE:
        return perms.label(value)
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        return _when(value) or value
    return str(value)


def _list_change(label: str, key: str, before: list, after: list) -> Change:
    change = Change(label)
    old = {_identity(x): x for x in before if _identity(x) is not None}
    new = {_identity(x): x for x in after if _identity(x) is not None}
    for item in after:
        ident = _identity(item)
        if ident is not None and ident in old:
            if old[ident] != item:
                change.changed.append(f"{_text(key, old[ident])} → {_text(key, item)}")
        elif item not in before:
            change.added.append(_text(key, item))
    for item in before:
        ident = _identity(item)
        if (ident is None or ident not in new) and item not in after:
            change.removed.append(_text(key, item))
    return change


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """What an event changed, key by key: 'Status: active → disabled', lists as added/removed."""
    before, after = before or {}, after or {}
    found = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label = key.replace("_", " ").capitalize()
        if isinstance(old, list) or isinstance(new, list):
            change = _list_change(label, key, old or [], new or [])
            if change.is_list:
                found.append(change)
        else:
            found.append(Change(label, before=_text(key, old), after=_text(key, new)))
    return found
