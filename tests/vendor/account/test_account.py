"""A staff member's own account on /vendor/account, whatever their role: password, sessions, 2FA."""

from __future__ import annotations

import pytest

from tests.auth.helpers import actions, enrol, sign_in
from tests.factories import PASSWORD

NEW = "a brand new staff passphrase"


@pytest.mark.parametrize("role", ["support", "admin", "owner"])
def test_every_role_changes_its_own_password_and_the_other_sessions_end(app, make, client, role):
    make.staff(make.vendor(), email=f"{role}@vendor.test", role=role)
    sign_in(client, f"{role}@vendor.test", side="vendor")
    other = app.test_client()
    sign_in(other, f"{role}@vendor.test", side="vendor")
    page = client.get("/vendor/license-managers").get_data(as_text=True)
    assert 'href="/vendor/account"' in page and 'href="/vendor/account/password"' in page
    wrong = client.post("/vendor/account/password", data={"current_password": "x", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422 and 'id="current_password-error"' in wrong.get_data(as_text=True)
    done = client.post("/vendor/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"].endswith("/vendor/account")
    assert client.get("/vendor/account").status_code == 200
    assert other.get("/vendor/account").status_code == 302
    assert sign_in(app.test_client(), f"{role}@vendor.test", password=NEW, side="vendor").status_code == 303
    assert [e.action for e in actions(app, "staff.password_changed")] == ["staff.password_changed"]


def test_support_turns_two_factor_on_and_ends_another_session(app, make, client):
    make.staff(make.vendor(), email="help@vendor.test", role="support")
    sign_in(client, "help@vendor.test", side="vendor")
    laptop = app.test_client()
    sign_in(laptop, "help@vendor.test", side="vendor")
    enrol(client, side="vendor")
    assert "Two-factor sign-in" in client.get("/vendor/account").get_data(as_text=True)
    assert client.post("/vendor/account/sessions/end-others").status_code == 303
    assert laptop.get("/vendor/license-managers").status_code == 302
    assert client.get("/vendor/license-managers").status_code == 200
    new_codes = client.post("/vendor/account/two-factor/recovery-codes", data={"password": PASSWORD})
    assert new_codes.status_code == 200 and new_codes.get_data(as_text=True).count("<li><code>") == 10
    assert [e.action for e in actions(app, "account.")] == [
        "account.two_factor_enabled",
        "account.other_sessions_ended",
        "account.recovery_codes_renewed",
    ]


def test_managers_cannot_open_the_staff_account_pages(make, client, login):
    login(make.manager(make.vendor()))
    assert client.get("/vendor/account").status_code == 403
    assert client.get("/vendor/account/two-factor").status_code == 403
