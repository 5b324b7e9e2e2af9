"""Keyset pagination: opaque cursors holding a row's sort key, and the WHERE clause after one.

A page that follows a cursor costs the same however deep it is, unlike OFFSET. A cursor is
the sort key of the row at the page's edge (always ending in the row id, so keys are unique),
tagged with the sort it belongs to; one from another sort, or tampered with, decodes to None.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa


def encode(tag: str, values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for these key values (str, int or naive datetime)."""
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    raw = json.dumps([tag, plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, tag: str, kinds: Sequence[type]) -> list[Any] | None:
    """The key values in a cursor of this tag, each of its kind; None when it is not one."""
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
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def beyond(columns: Sequence[Any], values: Sequence[Any], *, descending: bool) -> sa.ColumnElement[bool]:
    """Rows that come after the cursor's row when ordered by these columns, all one direction."""
    key = sa.tuple_(*columns)
    return key < tuple(values) if descending else key > tuple(values)
