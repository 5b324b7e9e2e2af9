"""Each manager's assigned orders with the orders' own creation times, as rows the database keeps:
``manager_order``.

``order_manager`` links a manager to an order, but its time is the link's: a manager of 20,000 orders
at 1,000,000 managers had their newest orders found by reading the vendor's newest, each tested for a
link (~1,300 read for a page of 25, ~250 for the dashboard's five). Kept with the order's time and an index
in that order, a page reads its own entries (``portal.scope.newest_own_orders``).

As ``portal.manager_licenses`` does for licenses, the database writes these in the statement that changes
what they follow: a link brings its order, its going takes it away (an order's or a manager's by their
foreign keys' cascades), and an order's time, if it changes, follows.

Migration ``0024_manager_orders_licenses`` makes the table, fills it and writes these triggers; ``create_all``
writes them too (``portal.db_triggers.install``).
"""

from __future__ import annotations

from portal.db_triggers import PgTrigger, TriggerSet, insert_missing

_COLUMNS = "manager_order (manager_id, order_id, created_at, vendor_account_id)"


def _link_in(row: str, sqlite: bool) -> str:
    select = (
        f'SELECT {row}.manager_id, o.id, o.created_at, o.vendor_account_id FROM "order" o WHERE o.id = {row}.order_id'
    )
    return insert_missing(_COLUMNS, select, sqlite)


def _link_out(row: str) -> str:
    return f"DELETE FROM manager_order WHERE manager_id = {row}.manager_id AND order_id = {row}.order_id;"


_RETIMED = "UPDATE manager_order SET created_at = {row}.created_at WHERE order_id = {row}.id;"
SQLITE_TRIGGERS = {
    "manager_order_link_ai": f"AFTER INSERT ON order_manager BEGIN {_link_in('new', True)} END",
    "manager_order_link_ad": f"AFTER DELETE ON order_manager BEGIN {_link_out('old')} END",
    "manager_order_link_au": (
        f"AFTER UPDATE OF order_id, manager_id ON order_manager BEGIN {_link_out('old')} {_link_in('new', True)} END"
    ),
    "manager_order_order_au": (
        'AFTER UPDATE OF created_at ON "order" WHEN old.created_at IS NOT new.created_at '
        f"BEGIN {_RETIMED.format(row='new')} END"
    ),
}
POSTGRESQL_TRIGGERS = {
    "manager_order_link_ai": PgTrigger("order_manager", "AFTER INSERT", "FOR EACH ROW", _link_in("NEW", False)),
    "manager_order_link_ad": PgTrigger("order_manager", "AFTER DELETE", "FOR EACH ROW", _link_out("OLD")),
    "manager_order_link_au": PgTrigger(
        "order_manager",
        "AFTER UPDATE OF order_id, manager_id",
        "FOR EACH ROW",
        _link_out("OLD") + " " + _link_in("NEW", False),
    ),
    "manager_order_order_au": PgTrigger(
        "order",
        "AFTER UPDATE OF created_at",
        "FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)",
        _RETIMED.format(row="NEW"),
    ),
}
# Every link's order, added where missing (the migration's backfill; after a bulk load).
FILL = f"""
INSERT INTO {_COLUMNS}
SELECT om.manager_id, o.id, o.created_at, o.vendor_account_id FROM order_manager om JOIN "order" o ON o.id = om.order_id
WHERE NOT EXISTS (SELECT 1 FROM manager_order mo WHERE mo.manager_id = om.manager_id AND mo.order_id = o.id)
"""
TRIGGERS = TriggerSet(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, fill=FILL)
