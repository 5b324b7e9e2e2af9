"""How staff work in the overview: its columns (per staff member), saved views (shared), list settings.

A saved view is a named query of the overview (filters and sort, never a page), shared by the
vendor account's staff; creating, renaming and deleting one is audited. The column choice is
one person's display preference, kept on the server so it follows them to any browser; it
changes nothing anyone else sees, so it is not an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.lists import MAX_ID
from portal.models import ColumnChoice, DefaultPermissionSet, SavedView, utcnow
from portal.permissions import FACTORY_DEFAULT_BITS
from portal.services.license_managers.overview import OverviewQuery

LIST_NAME = "license_managers"
# The overview's optional columns, in table order; the name column is always shown.
COLUMNS: dict[str, str] = {
    "email": "Email",
    "customer_account": "Customer account",
    "status": "Status",
    "permissions": "Permissions",
    "vs_default": "vs default",
    "orders": "Orders",
    "licenses": "Licenses",
    "last_login": "Last sign-in",
    "created": "Created",
}
DEFAULT_COLUMNS = tuple(COLUMNS)
MAX_VIEWS = 100
NAME_LENGTH = 80
# Ready-made views everyone has; a query the overview cannot read (yet) is left out.
PRESETS: tuple[tuple[str, dict[str, str]], ...] = (
    ("Invitation expired", {"status": "expired"}),
    ("Never signed in", {"signed_in": "never"}),
    ("Has Manage managers", {"permission": "manage_managers"}),
)


@dataclass(frozen=True)
class ListSettings:
    """What the overview needs besides its rows: the columns shown, the default bits, the views."""

    columns: tuple[str, ...]
    default_bits: int
    views: list[SavedView]


def settings(staff_id: int) -> ListSettings:
    """The staff member's columns and the account's default permission bits (one query), and the saved views."""
    choice = (
        sa.select(ColumnChoice.columns)
        .where(ColumnChoice.staff_user_id == staff_id, ColumnChoice.list_name == LIST_NAME)
        .scalar_subquery()
    )
    default = sa.select(DefaultPermissionSet.permissions).limit(1).scalar_subquery()
    found = db.session.execute(sa.select(choice.label("columns"), default.label("bits"))).one()
    columns = tuple(c for c in COLUMNS if c in found.columns) if found.columns is not None else DEFAULT_COLUMNS
    bits = FACTORY_DEFAULT_BITS if found.bits is None else found.bits
    return ListSettings(columns, bits, saved_views())


def _clean_columns(codes: list[str]) -> list[str]:
    unknown = [c for c in codes if c not in COLUMNS]
    if unknown:
        raise Invalid.at("columns", f"Unknown column: {', '.join(unknown[:5])}.")
    return [c for c in COLUMNS if c in codes]


def save_columns(staff_id: int, codes: list[str]) -> list[str]:
    """Remember the columns this staff member sees in the overview; return them in table order."""
    chosen = _clean_columns(codes)
    row = db.session.get(ColumnChoice, (staff_id, LIST_NAME))
    if row is None:
        db.session.add(ColumnChoice(staff_user_id=staff_id, list_name=LIST_NAME, columns=chosen))
    else:
        row.columns, row.updated_at = chosen, utcnow()
    db.session.flush()
    return chosen


# Saved views


def query_string(args: Mapping[str, str]) -> str:
    """A view's query as the overview writes it: filters and sort only, read leniently."""
    return urlencode(OverviewQuery.from_args(args).params(page=1, after="", before=""))


def presets() -> list[tuple[str, str]]:
    """The ready-made views as (name, query string), those the overview can read."""
    found = []
    for name, args in PRESETS:
        query = query_string(args)
        if query == urlencode(args):
            found.append((name, query))
    return found


def saved_views() -> list[SavedView]:
    """The account's saved views of the overview, by name."""
    stmt = sa.select(SavedView).where(SavedView.list_name == LIST_NAME).order_by(SavedView.name, SavedView.id)
    return list(db.session.scalars(stmt.limit(MAX_VIEWS)))


def saved_view(view_id: int) -> SavedView | None:
    if not 0 < view_id <= MAX_ID:
        return None
    return db.session.scalar(sa.select(SavedView).where(SavedView.id == view_id, SavedView.list_name == LIST_NAME))


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid.at("name", "Give the view a name.")
    if len(name) > NAME_LENGTH:
        raise Invalid.at("name", f"A name has at most {NAME_LENGTH} characters.")
    return name


def _taken(name: str, but: int | None = None) -> None:
    stmt = sa.select(SavedView.id).where(
        SavedView.list_name == LIST_NAME, sa.func.lower(SavedView.name) == name.lower()
    )
    if but is not None:
        stmt = stmt.where(SavedView.id != but)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Invalid.at("name", f"A view named “{name}” exists already.")


def _flush(name: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same name saved twice at once: the unique key holds
        raise Invalid.at("name", f"A view named “{name}” exists already.") from None


def _record(action: str, view: SavedView, actor: Actor, before: dict[str, Any] | None, after: dict[str, Any] | None):
    audit.record(
        action, view, actor=actor, before=before, after=after, object_type="saved_view", object_label=view.name
    )


def create_view(name: str, args: Mapping[str, str], *, staff_id: int | None, actor: Actor) -> SavedView:
    """Save the overview's current query under a name, for every staff member of the account."""
    name = _name(name)
    query = query_string(args)
    if not query:
        raise Invalid.at("name", "Filter or sort the list first: a view of everything is the list itself.")
    _taken(name)
    if len(saved_views()) >= MAX_VIEWS:
        raise Invalid.at("name", f"The account has {MAX_VIEWS} saved views; delete one first.")
    view = SavedView(list_name=LIST_NAME, name=name, query=query, created_by_id=staff_id)
    db.session.add(view)
    _flush(name)
    _record("saved_view.created", view, actor, None, {"name": name, "query": query})
    return view


def rename_view(view: SavedView, name: str, *, actor: Actor) -> bool:
    """Rename a saved view; return whether the name changed."""
    name = _name(name)
    if name == view.name:
        return False
    _taken(name, but=view.id)
    before = view.name
    view.name, view.updated_at = name, utcnow()
    _flush(name)
    _record("saved_view.renamed", view, actor, {"name": before}, {"name": name})
    return True


def delete_view(view: SavedView, *, actor: Actor) -> None:
    _record("saved_view.deleted", view, actor, {"name": view.name, "query": view.query}, None)
    db.session.delete(view)
    db.session.flush()


def view_args(view: SavedView) -> dict[str, str]:
    return dict(parse_qsl(view.query))
