"""How many license managers each vendor account has, kept on its row: ``vendor_account.manager_count``.

The overview's unfiltered list says how many managers there are on every page. Counted, that is
10,001 index entries read for the "10,000+" label (PostgreSQL, 1,000,000 managers: ~1.7 ms of a
~9 ms page); kept, it is one row read by key, and exact ("1–25 of 1,000,000 managers").

The database keeps it in the statement that adds or removes managers, whatever writes them (a view,
the API, a bulk job, a seed): row triggers on SQLite; statement triggers over transition tables on
PostgreSQL, so a bulk insert updates the account once. Migration ``0021_account_manager_count``
fills the count (``RECOUNT``) and writes these triggers; ``create_all`` writes them too
(``portal.db_triggers.install``).
"""

from __future__ import annotations

from portal.db_triggers import PgTrigger, TriggerSet


def _row(row: str, sign: str) -> str:
    return f"UPDATE vendor_account SET manager_count = manager_count {sign} 1 WHERE id = {row}.vendor_account_id;"


def _rows(rows: str, sign: str) -> str:
    return (
        f"UPDATE vendor_account v SET manager_count = v.manager_count {sign} d.managers "
        f"FROM (SELECT vendor_account_id, count(*) AS managers FROM {rows} GROUP BY vendor_account_id) d "
        "WHERE v.id = d.vendor_account_id;"
    )


SQLITE_TRIGGERS = {
    "account_counts_manager_ai": f"AFTER INSERT ON license_manager BEGIN {_row('new', '+')} END",
    "account_counts_manager_ad": f"AFTER DELETE ON license_manager BEGIN {_row('old', '-')} END",
    "account_counts_manager_au": (
        "AFTER UPDATE OF vendor_account_id ON license_manager WHEN old.vendor_account_id IS NOT new.vendor_account_id "
        f"BEGIN {_row('old', '-')} {_row('new', '+')} END"
    ),
}
POSTGRESQL_TRIGGERS = {
    "account_counts_manager_ai": PgTrigger(
        "license_manager",
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
        _rows("new_rows", "+"),
    ),
    "account_counts_manager_ad": PgTrigger(
        "license_manager",
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        _rows("old_rows", "-"),
    ),
    # A manager never moves to another vendor; if one ever did, the row trigger keeps the counts true.
    "account_counts_manager_au": PgTrigger(
        "license_manager",
        "AFTER UPDATE OF vendor_account_id",
        "FOR EACH ROW WHEN (OLD.vendor_account_id IS DISTINCT FROM NEW.vendor_account_id)",
        _row("OLD", "-") + " " + _row("NEW", "+"),
    ),
}
# Every account counted afresh (the migration's backfill).
RECOUNT = (
    "UPDATE vendor_account SET manager_count = "
    "(SELECT count(*) FROM license_manager m WHERE m.vendor_account_id = vendor_account.id)"
)
TRIGGERS = TriggerSet(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, fill=RECOUNT)
