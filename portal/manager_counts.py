"""Each manager's orders and licenses, kept on their row: ``license_manager.order_count`` and ``license_count``.

The overview shows both for every row and sorts by them. Counted when asked, they were a statement
of their own on every page (``count(DISTINCT order_id)``, ``count(license.id)`` over the page's
managers' links), and a manager of 20,000 orders made any page showing them read 60,000 licenses.

The database keeps them itself, in the statement that changes what they count, so nothing that
writes links or licenses (a view, the API, a bulk job, a seed, a cascade from a deleted order) can
forget to: triggers on ``order_manager`` (a link adds its order and the order's licenses to its
manager) and on ``license`` (a license adds one to every manager of its order). A license or a link
counts while both exist, so whichever a cascade removes first takes it away, in either order.

- SQLite: row triggers.
- PostgreSQL: statement triggers over transition tables for inserts and updates, so an insert of 1,000
  licenses updates each manager once, not 1,000 times, and an UPDATE of licenses touches the counts
  only for those whose order changed (transition tables allow no column list on the trigger); row
  triggers for deletes (``_BEFORE_DELETE`` says why).

Migration ``0019_manager_counts`` fills the counts (``RECOUNT``) and writes these triggers;
``create_all`` writes them too (``portal.db_triggers.install``).
"""

from __future__ import annotations

from portal.db_triggers import PgTrigger, TriggerSet

# The licenses of an order: license's (order_id, created_at) index answers it.
_LICENSES_OF = "(SELECT count(*) FROM license WHERE license.order_id = {order})"


def _row_link(row: str, sign: str) -> str:
    """One link's order and licenses, in or out of its manager's counts (a row trigger's statement)."""
    return (
        f"UPDATE license_manager SET order_count = order_count {sign} 1, "
        f"license_count = license_count {sign} {_LICENSES_OF.format(order=f'{row}.order_id')} "
        f"WHERE id = {row}.manager_id;"
    )


def _row_license(row: str, sign: str) -> str:
    """One license, in or out of the counts of every manager of its order (a row trigger's statement)."""
    return (
        f"UPDATE license_manager SET license_count = license_count {sign} 1 "
        f"WHERE id IN (SELECT manager_id FROM order_manager WHERE order_id = {row}.order_id);"
    )


SQLITE_TRIGGERS = {
    "manager_counts_link_ai": f"AFTER INSERT ON order_manager BEGIN {_row_link('new', '+')} END",
    "manager_counts_link_ad": f"AFTER DELETE ON order_manager BEGIN {_row_link('old', '-')} END",
    "manager_counts_link_au": (
        "AFTER UPDATE OF order_id, manager_id ON order_manager "
        f"BEGIN {_row_link('old', '-')} {_row_link('new', '+')} END"
    ),
    "manager_counts_license_ai": f"AFTER INSERT ON license BEGIN {_row_license('new', '+')} END",
    "manager_counts_license_ad": f"AFTER DELETE ON license BEGIN {_row_license('old', '-')} END",
    "manager_counts_license_au": (
        "AFTER UPDATE OF order_id ON license WHEN old.order_id IS NOT new.order_id "
        f"BEGIN {_row_license('old', '-')} {_row_license('new', '+')} END"
    ),
}


def _pg_links(rows: str, sign: str) -> str:
    return f"""
    UPDATE license_manager m
    SET order_count = m.order_count {sign} d.orders, license_count = m.license_count {sign} d.licenses
    FROM (SELECT r.manager_id, count(*) AS orders, sum({_LICENSES_OF.format(order="r.order_id")}) AS licenses
          FROM {rows} r GROUP BY r.manager_id) d
    WHERE m.id = d.manager_id;"""


def _pg_licenses(rows: str, sign: str) -> str:
    return f"""
    UPDATE license_manager m SET license_count = m.license_count {sign} d.licenses
    FROM (SELECT om.manager_id, count(*) AS licenses FROM {rows} r JOIN order_manager om ON om.order_id = r.order_id
          GROUP BY om.manager_id) d
    WHERE m.id = d.manager_id;"""


# order_manager's key is (order_id, manager_id), so its updated rows are each counted out as they were
# and in as they are. A license keeps its id: only those whose order changed are counted again.
_MOVED_LICENSES_OLD = "(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.order_id <> n.order_id)"
_MOVED_LICENSES_NEW = "(SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.order_id <> n.order_id)"
_INSERTED = "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
_UPDATED = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
# A deleted order's cascade removes its links and its licenses in two statements whose AFTER triggers
# only fire once both are gone (neither would find the other to count): deletes are counted row by
# row BEFORE each row goes, when whichever table the cascade reaches second is still whole.
POSTGRESQL_TRIGGERS = {
    "manager_counts_link_ai": PgTrigger("order_manager", "AFTER INSERT", _INSERTED, _pg_links("new_rows", "+")),
    "manager_counts_link_bd": PgTrigger("order_manager", "BEFORE DELETE", "FOR EACH ROW", _row_link("old", "-"), "OLD"),
    "manager_counts_link_au": PgTrigger(
        "order_manager", "AFTER UPDATE", _UPDATED, _pg_links("old_rows", "-") + _pg_links("new_rows", "+")
    ),
    "manager_counts_license_ai": PgTrigger("license", "AFTER INSERT", _INSERTED, _pg_licenses("new_rows", "+")),
    "manager_counts_license_bd": PgTrigger("license", "BEFORE DELETE", "FOR EACH ROW", _row_license("old", "-"), "OLD"),
    "manager_counts_license_au": PgTrigger(
        "license",
        "AFTER UPDATE",
        _UPDATED,
        _pg_licenses(_MOVED_LICENSES_OLD, "-") + _pg_licenses(_MOVED_LICENSES_NEW, "+"),
    ),
}
# Every manager counted afresh (the migration's backfill; a repair if the counts were ever doubted).
RECOUNT = """
UPDATE license_manager SET
  order_count = (SELECT count(*) FROM order_manager om WHERE om.manager_id = license_manager.id),
  license_count = (SELECT count(*) FROM order_manager om JOIN license l ON l.order_id = om.order_id
                   WHERE om.manager_id = license_manager.id)
"""
TRIGGERS = TriggerSet(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, fill=RECOUNT)
