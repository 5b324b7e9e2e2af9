"""Migration 0004 keeps every row of existing accounts and gives each a public id and a key pair."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app, signing
from portal.extensions import db
from tests.conftest import BASE_CONFIG
from tests.test_migrations import blank_url  # noqa: F401  (the fixture)


def test_existing_accounts_keep_their_rows_and_get_keys(blank_url):  # noqa: F811
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": blank_url})
    with app.app_context():
        upgrade(revision="0003_staff_roles")
        with db.engine.begin() as connection:
            for name in ("A", "B"):
                connection.execute(
                    sa.text(f"INSERT INTO vendor_account (name, created_at) VALUES ('{name}', '2026-01-01')")
                )
            connection.execute(
                sa.text(
                    "INSERT INTO staff_user (email, name, password_hash, session_version, is_active, created_at,"
                    " vendor_account_id, role) SELECT name || '@v.test', '', 'x', 1, true, '2026-01-01', id, 'owner'"
                    " FROM vendor_account"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM staff_user")).scalar() == 2
            rows = connection.execute(
                sa.text("SELECT public_id, signing_private_key, signing_public_key FROM vendor_account")
            ).all()
        assert len({row.public_id for row in rows}) == 2 and all(row.public_id.startswith("va_") for row in rows)
        for row in rows:
            account = type("Account", (), {"signing_private_key": row[1], "signing_public_key": row[2]})()
            signed = signing.sign(account, {"n": 1})  # type: ignore[arg-type]
            assert signing.verify(row.signing_public_key, signed["payload"], signed["signature"])
        downgrade(revision="0003_staff_roles")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM staff_user")).scalar() == 2
        downgrade(revision="base")
        db.engine.dispose()
