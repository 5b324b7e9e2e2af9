"""What the overview's search reads on each manager's own row: ``license_manager.search_text``.

A word of the overview's search must match the manager's first name, last name or email (their
license user's) or their customer account's name. A common word ("uma") is served by walking the
sort's index and testing each row until a page is full (``Search.WALK``); tested across the joins,
each row cost a look-up of its user and its account (PostgreSQL, 1,000,000 managers: ~960 rows
read for a page, 13 ms), and SQLite tested membership of the word's candidate sets, built whole
first (50,000 ids for a common first name). The four texts on the manager's row, one space apart,
are tested with one LIKE and no join: a search word holds no whitespace, so it matches the joined
text exactly where it matches one of the four.

The database keeps the text itself, in the statement that changes what it is made of: a manager
written or moved to another user or account, a user renamed or given another email, an account
renamed (or deleted: its managers' ``customer_account_id`` is set to NULL by the foreign key).
Migration ``0020_manager_search_text`` fills the text (``REFILL``) and writes these triggers;
``create_all`` writes them too (``portal.db_triggers.install``).
"""

from __future__ import annotations

from portal.db_triggers import PgTrigger, TriggerSet

# The text of the manager row ``m`` (a table name or a trigger's NEW), in lower case: PostgreSQL's ILIKE
# lowers the text of every row it tests and then compares as LIKE does, so the text is lowered once, here,
# and tested with LIKE against the lowered word (``overview._word``). SQLite lowers ASCII only, as its LIKE folds.
_TEXT = (
    "lower((SELECT coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '') || ' ' || u.email "
    "FROM license_user u WHERE u.id = {m}.license_user_id) || ' ' || "
    "coalesce((SELECT a.name FROM customer_account a WHERE a.id = {m}.customer_account_id), ''))"
)
_REFILL_WHERE = "UPDATE license_manager SET search_text = " + _TEXT.format(m="license_manager") + " WHERE {where};"

# Every manager's text made afresh (the migration's backfill).
REFILL = "UPDATE license_manager SET search_text = " + _TEXT.format(m="license_manager")

SQLITE_TRIGGERS = {
    # SQLite's BEFORE triggers cannot set NEW: the row is written, then its text.
    "manager_text_ai": (f"AFTER INSERT ON license_manager BEGIN {_REFILL_WHERE.format(where='id = new.id')} END"),
    "manager_text_au": (
        "AFTER UPDATE OF license_user_id, customer_account_id ON license_manager "
        f"BEGIN {_REFILL_WHERE.format(where='id = new.id')} END"
    ),
    "manager_text_user_au": (
        "AFTER UPDATE OF first_name, last_name, email ON license_user "
        f"BEGIN {_REFILL_WHERE.format(where='license_user_id = new.id')} END"
    ),
    "manager_text_account_au": (
        "AFTER UPDATE OF name ON customer_account "
        f"BEGIN {_REFILL_WHERE.format(where='customer_account_id = new.id')} END"
    ),
}

_CHANGED_USER = (
    "OLD.first_name IS DISTINCT FROM NEW.first_name OR OLD.last_name IS DISTINCT FROM NEW.last_name "
    "OR OLD.email IS DISTINCT FROM NEW.email"
)
POSTGRESQL_TRIGGERS = {
    "manager_text_biu": PgTrigger(
        "license_manager",
        "BEFORE INSERT OR UPDATE OF license_user_id, customer_account_id",
        "FOR EACH ROW",
        f"NEW.search_text := {_TEXT.format(m='NEW')};",
        "NEW",
    ),
    "manager_text_user_au": PgTrigger(
        "license_user",
        "AFTER UPDATE OF first_name, last_name, email",
        f"FOR EACH ROW WHEN ({_CHANGED_USER})",
        _REFILL_WHERE.format(where="license_user_id = NEW.id"),
    ),
    "manager_text_account_au": PgTrigger(
        "customer_account",
        "AFTER UPDATE OF name",
        "FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)",
        _REFILL_WHERE.format(where="customer_account_id = NEW.id"),
    ),
}
TRIGGERS = TriggerSet(SQLITE_TRIGGERS, POSTGRESQL_TRIGGERS, fill=REFILL)
