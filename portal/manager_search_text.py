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

The text is also what a search word is looked up in: a trigram index over it (migration
``0023_manager_search_index``: PostgreSQL's GIN index, SQLite's FTS5 table, which these triggers keep
in the same statements) names the managers holding a word, one index for names, emails and accounts.
"""

from __future__ import annotations

from portal import search
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

# SQLite also indexes the text (``search.INDEXES["license_manager"]``: FTS5, trigram, external content), in
# the same triggers: the index's old entry removed with the text it was made of, the text made afresh, its
# new entry added, in that order. Triggers of their own on search_text would fire beside these in an
# order SQLite leaves undefined, and removing an entry the index never held corrupts it.
_INDEX = search.INDEXES["license_manager"]
_TEXT_OF = "SELECT {kind}id, search_text FROM license_manager WHERE {where}"


def _sqlite_triggers(indexed: bool) -> dict[str, str]:
    """SQLite's triggers, keeping the FTS5 index too unless ``indexed`` is False (as migration 0020 wrote them)."""

    def refill(where: str, unindex: bool = True) -> str:
        before = _INDEX.sqlite_delete(_TEXT_OF.format(kind="'delete', ", where=where)) if indexed and unindex else ""
        after = _INDEX.sqlite_insert(_TEXT_OF.format(kind="", where=where)) if indexed else ""
        return f"BEGIN {before}{_REFILL_WHERE.format(where=where)}{after} END"

    triggers = {
        # SQLite's BEFORE triggers cannot set NEW: the row is written, then its text (a new row is not indexed yet).
        "manager_text_ai": f"AFTER INSERT ON license_manager {refill('id = new.id', unindex=False)}",
        "manager_text_au": (
            f"AFTER UPDATE OF license_user_id, customer_account_id ON license_manager {refill('id = new.id')}"
        ),
        "manager_text_user_au": (
            f"AFTER UPDATE OF first_name, last_name, email ON license_user {refill('license_user_id = new.id')}"
        ),
        "manager_text_account_au": (
            f"AFTER UPDATE OF name ON customer_account {refill('customer_account_id = new.id')}"
        ),
    }
    if indexed:
        forget = _INDEX.sqlite_delete("VALUES ('delete', old.id, old.search_text)")
        triggers["manager_text_ad"] = f"AFTER DELETE ON license_manager BEGIN {forget} END"
    return triggers


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
# The index made afresh from the texts, after a fill its triggers did not see (``db_triggers.suspended``).
TRIGGERS = TriggerSet(
    _sqlite_triggers(indexed=True), POSTGRESQL_TRIGGERS, fill=REFILL, sqlite_reindex=(_INDEX.sqlite_rebuild(),)
)
# As migration 0020 wrote them, before migration 0023 indexed the text on SQLite.
UNINDEXED_TRIGGERS = TriggerSet(_sqlite_triggers(indexed=False), POSTGRESQL_TRIGGERS, fill=REFILL)
