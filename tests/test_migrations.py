"""Migrations: upgrade and downgrade on a blank database, and no drift from the models."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.db_setup import include_object
from portal.extensions import db
from tests.conftest import BACKEND, BASE_CONFIG, PG_URL


@pytest.fixture
def blank_url(tmp_path):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    name = f"portal_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_check_and_downgrade(blank_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": blank_url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"vendor_account", "license_manager", "license", "device", "audit_event", "outbox_mail"} <= tables
        # SQLAlchemy's inspector leaves expression indexes out on SQLite: ask the catalogue.
        catalogue = (
            "SELECT name FROM sqlite_master WHERE type = 'index'"
            if BACKEND != "postgresql"
            else "SELECT indexname FROM pg_indexes"
        )
        with db.engine.connect() as connection:
            indexes = set(connection.exec_driver_sql(catalogue).scalars())
        assert "ix_license_manager_vendor_last_login_sort" in indexes
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True, "include_object": include_object}
            )
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_database_holds_the_counting_rules(app, make):
    """times_activated <= max_activations is a CHECK, not only a habit of the code."""
    w = make.world()
    lic = make.license(w["order"], w["key_policy"], max_activations=1)
    from portal.models import License
    from portal.tenancy import set_tenant

    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(License).where(License.id == lic.id).values(times_activated=2))
            db.session.flush()
        db.session.rollback()


def test_foreign_keys_are_enforced(app, make):
    w = make.world()
    from portal.models import OrderManager

    with app.app_context():
        db.session.add(OrderManager(order_id=w["order"].id, manager_id=999_999))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_every_revision_id_fits_alembic_version():
    """PostgreSQL's alembic_version.version_num is VARCHAR(32): a longer id fails the upgrade there, not on SQLite."""
    from alembic.script import ScriptDirectory

    app = create_app(BASE_CONFIG)
    with app.app_context():
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        revisions = [script.revision for script in scripts.walk_revisions()]
    assert len(revisions) >= 21 and all(len(revision) <= 32 for revision in revisions), revisions


def test_the_new_created_index_of_an_analysed_sqlite_database_has_statistics(blank_url):  # noqa: F811
    """Without them SQLite plans it as if the vendor named ten managers and reads every one of them (0022)."""
    if BACKEND != "sqlite":
        pytest.skip("PostgreSQL keeps statistics per column")
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": blank_url})
    with app.app_context():
        upgrade(revision="0021_account_manager_count")
        from portal.models import LicenseManager, LicenseUser, VendorAccount
        from portal.tenancy import all_tenants

        with all_tenants(db.session):  # a few managers: ANALYZE records nothing of an empty table
            vendor = VendorAccount(name="V")
            db.session.add(vendor)
            db.session.flush()
            for n in range(3):
                user = LicenseUser(vendor_account_id=vendor.id, email=f"m{n}@v.test")
                db.session.add(user)
                db.session.flush()
                db.session.add(LicenseManager(vendor_account_id=vendor.id, license_user_id=user.id))
            db.session.commit()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        upgrade()
        with db.engine.connect() as connection:
            analysed = connection.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'license_manager'")
            names = set(analysed.scalars())
        db.engine.dispose()
    assert "ix_license_manager_vendor_created_id" in names and "ix_license_manager_vendor_created" not in names
