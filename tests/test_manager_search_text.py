"""Each manager's search text, kept on their row by the database (``portal.manager_search_text``):
their user's names and email and their account's name, whatever changes which."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import (
    account_counts,
    create_app,
    db_triggers,
    manager_counts,
    manager_licenses,
    manager_orders,
    manager_search_text,
)
from portal.extensions import db
from portal.models import CustomerAccount, LicenseManager, LicenseUser
from portal.tenancy import all_tenants
from tests.conftest import BACKEND, BASE_CONFIG
from tests.test_manager_counts import run
from tests.test_migrations import blank_url  # noqa: F401  (a fixture)


def text_of(app, manager_id: int) -> str:
    with app.app_context(), all_tenants(db.session):
        return db.session.scalar(sa.select(LicenseManager.search_text).where(LicenseManager.id == manager_id))


def test_a_new_manager_has_their_names_email_and_account(app, make):
    vendor = make.vendor()
    globex = make.customer_account(vendor, "Globex")
    ada = make.manager(vendor, email="ada@globex.test", account=globex)
    with app.app_context(), all_tenants(db.session):
        user = db.session.get(LicenseUser, ada.license_user_id)
        first, last = user.first_name, user.last_name
    assert text_of(app, ada.id) == f"{first} {last} ada@globex.test globex".lower()  # lowered once, here
    solo = make.manager(vendor, email="solo@example.test")
    assert text_of(app, solo.id).endswith(" solo@example.test ")


def test_renames_moves_and_a_deleted_account_are_followed(app, make):
    vendor = make.vendor()
    globex, initech = make.customer_account(vendor, "Globex"), make.customer_account(vendor, "Initech")
    ada, bo = make.manager(vendor, email="ada@x.test", account=globex), make.manager(vendor, account=globex)
    run(
        app,
        sa.update(LicenseUser).where(LicenseUser.id == ada.license_user_id).values(first_name="Ada", last_name="King"),
    )
    assert text_of(app, ada.id) == "ada king ada@x.test globex"
    run(app, sa.update(LicenseUser).where(LicenseUser.id == ada.license_user_id).values(email="countess@x.test"))
    assert text_of(app, ada.id) == "ada king countess@x.test globex"
    run(app, sa.update(CustomerAccount).where(CustomerAccount.id == globex.id).values(name="Globex Corporation"))
    assert text_of(app, ada.id).endswith(" globex corporation") and text_of(app, bo.id).endswith(" globex corporation")
    run(app, sa.update(LicenseManager).where(LicenseManager.id == ada.id).values(customer_account_id=initech.id))
    assert text_of(app, ada.id) == "ada king countess@x.test initech"
    run(app, sa.delete(CustomerAccount).where(CustomerAccount.id == globex.id))  # bo's account is set to NULL
    assert text_of(app, bo.id).endswith(" ") and "globex" not in text_of(app, bo.id)
    # Changes elsewhere on the rows leave the text alone; the backfill makes the same text again.
    run(app, sa.update(LicenseManager).where(LicenseManager.id == ada.id).values(status="disabled"))
    before = {m: text_of(app, m) for m in (ada.id, bo.id)}
    run(app, sa.text(manager_search_text.REFILL))
    assert {m: text_of(app, m) for m in (ada.id, bo.id)} == before


def _triggers(engine) -> dict[str, str]:
    """Every trigger (and PostgreSQL's functions behind them) as the database holds it."""
    if BACKEND == "postgresql":
        query = (
            "SELECT t.tgname, pg_get_triggerdef(t.oid) || ' ' || p.prosrc FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
        )
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    with engine.connect() as connection:
        return {name: " ".join(sql.split()) for name, sql in connection.exec_driver_sql(query)}


def test_migration_and_create_all_make_the_same_triggers(app, blank_url):  # noqa: F811
    """The triggers that keep values on rows (``manager_counts``, ``manager_search_text``, ``account_counts``,
    ``manager_licenses``, ``manager_orders``)
    and the search indexes': create_all (tests, a new database) writes what the migrations do."""
    with app.app_context():
        made = _triggers(db.engine)
    migrated_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": blank_url})
    with migrated_app.app_context():
        upgrade()
        migrated = _triggers(db.engine)
        db.engine.dispose()
    assert migrated == made
    kept = (
        manager_counts.TRIGGERS,
        manager_search_text.TRIGGERS,
        account_counts.TRIGGERS,
        manager_licenses.TRIGGERS,
        manager_orders.TRIGGERS,
    )
    assert {name for triggers in kept for name in triggers.names(BACKEND)} <= set(made)


def indexed(app, word: str) -> set[int]:
    """SQLite: the managers whose search text the FTS5 index says holds ``word``."""
    with app.app_context(), db.engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT rowid FROM license_manager_search WHERE license_manager_search MATCH ?", (f'"{word}"',)
        )
        return set(found.scalars())


def _check_index(app) -> None:
    with app.app_context(), db.engine.begin() as connection:  # raises when the index is not its content's
        connection.exec_driver_sql(
            "INSERT INTO license_manager_search(license_manager_search) VALUES ('integrity-check')"
        )


def test_sqlite_indexes_the_text_in_the_same_triggers(app, make):
    """SQLite's FTS5 index of the texts follows every change the text does, and stays whole (its own
    integrity check), a manager deleted and an account's deletion setting its managers' to NULL included."""
    if BACKEND != "sqlite":
        pytest.skip("PostgreSQL's search reads the text on the row")
    vendor = make.vendor()
    globex, initech = make.customer_account(vendor, "Globex"), make.customer_account(vendor, "Initech")
    ada, bo = make.manager(vendor, email="ada@x.test", account=globex), make.manager(vendor, account=globex)
    assert indexed(app, "globex") == {ada.id, bo.id} and indexed(app, "ada@x") == {ada.id}
    run(app, sa.update(LicenseUser).where(LicenseUser.id == ada.license_user_id).values(email="countess@x.test"))
    assert indexed(app, "ada@x") == set() and indexed(app, "countess") == {ada.id}
    run(app, sa.update(CustomerAccount).where(CustomerAccount.id == globex.id).values(name="Globex Corporation"))
    assert indexed(app, "corporation") == {ada.id, bo.id}
    run(app, sa.update(LicenseManager).where(LicenseManager.id == ada.id).values(customer_account_id=initech.id))
    assert indexed(app, "corporation") == {bo.id} and indexed(app, "initech") == {ada.id}
    run(app, sa.delete(CustomerAccount).where(CustomerAccount.id == globex.id))
    assert indexed(app, "globex") == set()
    run(app, sa.update(LicenseManager).where(LicenseManager.id == ada.id).values(status="disabled"))
    run(app, sa.delete(LicenseManager).where(LicenseManager.id == ada.id))
    assert indexed(app, "countess") == set()
    _check_index(app)


def test_a_bulk_load_with_the_triggers_set_aside_is_indexed_at_its_end(app, make):
    """``db_triggers.suspended``: the texts filled once, the index made afresh from them, the triggers back."""
    if BACKEND != "sqlite":
        pytest.skip("PostgreSQL's search reads the text on the row")
    vendor = make.vendor()
    with app.app_context(), db.engine.begin() as connection:
        with db_triggers.suspended(connection, db.metadata):
            user = connection.execute(
                sa.insert(LicenseUser).values(
                    vendor_account_id=vendor.id, email="loaded@bulk.test", first_name="Lou", last_name="Ded"
                )
            ).inserted_primary_key[0]
            connection.execute(
                sa.insert(LicenseManager).values(vendor_account_id=vendor.id, license_user_id=user, status="active")
            )
    (loaded,) = indexed(app, "loaded@bulk")
    assert text_of(app, loaded) == "lou ded loaded@bulk.test "
    run(app, sa.update(LicenseUser).where(LicenseUser.id == user).values(email="renamed@bulk.test"))  # kept again
    assert indexed(app, "loaded@bulk") == set() and indexed(app, "renamed@bulk") == {loaded}
    _check_index(app)
