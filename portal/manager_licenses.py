"""The licenses under each manager's assigned orders, as rows the database keeps: ``manager_license``.

A manager of 20,000 orders at 1,000,000 managers holds 2 % of the vendor's licenses; their newest,
read down the vendor's licenses and tested against their orders, cost ~1,300 rows a page (SQLite:
~6 ms, growing with the vendor). Kept as (manager, license, the license's issue time) rows with an index
in that order, a page reads its 25 entries.

The database writes them, in the statement that changes what they follow, so no writer (a view, the
API, a bulk job, a seed) can forget to: a link (``order_manager``) brings its order's licenses to its
manager, a license comes to every manager of its order, and either going takes the pair away (a
license's or a manager's by their foreign keys' cascades). A pair already there is left as it is,
so a fill after a bulk load (``db_triggers.suspended``) and the triggers never collide.

Orders a manager reaches through a customer account they are scoped to are not here: such a scope
is read as before (``portal.scope``).

Migration ``0024_manager_orders_licenses`` makes the table, fills it and writes these triggers; ``create_all``
writes them too (``portal.db_triggers.install``).
"""

from __future__ import annotations

from portal.db_triggers import PgTrigger, TriggerSet, insert_missing

_COLUMNS = "manager_license (manager_id, license_id, created_at, vendor_account_id)"


def _link_in(row: str, sqlite: bool) -> str:
    """A link's order's licenses, in its manager's rows."""
    select = (
        f"SELECT {row}.manager_id, l.id, l.created_at, l.vendor_account_id "
        f"FROM license l WHERE l.order_id = {row}.order_id"
    )
    return insert_missing(_COLUMNS, select, sqlite)


def _link_out(row: str) -> str:
    return (
        f"DELETE FROM manager_license WHERE manager_id = {row}.manager_id "
        f"AND license_id IN (SELECT id FROM license WHERE order_id = {row}.order_id);"
    )


def _license_in(row: str, sqlite: bool) -> str:
    """A license, in the rows of every manager of its order."""
    select = (
        f"SELECT om.manager_id, {row}.id, {row}.created_at, {row}.vendor_account_id "
        f"FROM order_manager om WHERE om.order_id = {row}.order_id"
    )
    return insert_missing(_COLUMNS, select, sqlite)


def _license_out(row: str) -> str:
    return f"DELETE FROM manager_license WHERE license_id = {row}.id;"


_LICENSE_MOVED = "old.order_id IS NOT new.order_id OR old.created_at IS NOT new.created_at"
SQLITE_TRIGGERS = {
    "manager_license_link_ai": f"AFTER INSERT ON order_manager BEGIN {_link_in('new', True)} END",
    "manager_license_link_ad": f"AFTER DELETE ON order_manager BEGIN {_link_out('old')} END",
    "manager_license_link_au": (
        f"AFTER UPDATE OF order_id, manager_id ON order_manager BEGIN {_link_out('old')} {_link_in('new', True)} END"
    ),
    "manager_license_license_ai": f"AFTER INSERT ON license BEGIN {_license_in('new', True)} END",
    "manager_license_license_au": (
        f"AFTER UPDATE OF order_id, created_at ON license WHEN {_LICENSE_MOVED} "
        f"BEGIN {_license_out('old')} {_license_in('new', True)} END"
    ),
}
_EACH_MOVED = (
    "FOR EACH ROW WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id OR OLD.created_at IS DISTINCT FROM NEW.created_at)"
)
POSTGRESQL_TRIGGERS = {
    "manager_license_link_ai": PgTrigger("order_manager", "AFTER INSERT", "FOR EACH ROW", _link_in("NEW", False)),
    "manager_license_link_ad": PgTrigger("order_manager", "AFTER DELETE", "FOR EACH ROW", _link_out("OLD")),
    "manager_license_link_au": PgTrigger(
        "order_manager",
        "AFTER UPDATE OF order_id, manager_id",
        "FOR EACH ROW",
        _link_out("OLD") + " " + _link_in("NEW", False),
    ),
    "manager_license_license_ai": PgTrigger("license", "AFTER INSERT", "FOR EACH ROW", _license_in("NEW", False)),
    "manager_license_license_au": PgTrigger(
        "license",
        "AFTER UPDATE OF order_id, created_at",
        _EACH_MOVED,
        _license_out("OLD") + " " + _license_in("NEW", False),
    ),
}
# Every pair of the links and licenses there, added where missing (the migration's backfill; after a bulk load).
FILL = f"""
INSERT INTO {_COLUMNS}
SELECT om.manager_id, l.id, l.created_at, l.vendor_account_id
FROM order_manager om JOIN license l ON l.order_id = om.order_id
WHERE NOT EXISTS (SELECT 1 FROM manager_license ml WHERE ml.manager_id = om.manager_id AND ml.license_id = l.id)
"""
TRIGGERS = TriggerSet(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, fill=FILL)
