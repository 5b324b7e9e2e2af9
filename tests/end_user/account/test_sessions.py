"""A manager's own sessions: listed with device, address, start and last seen; another one ended
really ends (its next request goes to sign-in); "end all others" keeps only this one."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import UserSession
from portal.tenancy import all_tenants
from tests.auth.helpers import actions, sign_in
from tests.factories import PASSWORD

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def _sessions(app, manager_id):
    with app.app_context(), all_tenants(db.session):
        return list(
            db.session.scalars(
                sa.select(UserSession).where(UserSession.license_manager_id == manager_id).order_by(UserSession.id)
            )
        )


def test_the_account_page_lists_the_sessions_and_the_menu_names_the_person(app, make, client):
    vendor = make.vendor()
    manager = make.manager(vendor, email="me@customer.test")
    sign_in(client, "me@customer.test")
    other = app.test_client()
    sign_in(other, "me@customer.test", user_agent=CHROME)
    page = client.get("/portal/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Firefox on Linux" in html and "Chrome on Windows" in html and "This browser" in html
    assert 'id="account-menu"' in html and "Test User" in html and "me@customer.test" in html
    assert 'href="/portal/password/change"' in html
    assert len(_sessions(app, manager.id)) == 2


def test_ending_another_session_signs_that_browser_out(app, make, client):
    vendor = make.vendor()
    manager = make.manager(vendor, email="two@customer.test")
    sign_in(client, "two@customer.test")
    phone = app.test_client()
    sign_in(phone, "two@customer.test", user_agent=CHROME)
    assert phone.get("/portal/").status_code == 200
    mine, theirs = _sessions(app, manager.id)
    confirm = client.get(f"/portal/account/sessions/{theirs.id}/end")
    assert confirm.status_code == 200 and "Chrome on Windows" in confirm.get_data(as_text=True)
    ended = client.post(f"/portal/account/sessions/{theirs.id}/end")
    assert ended.status_code == 303
    gone = phone.get("/portal/orders")
    assert gone.status_code == 302 and "/portal/login" in gone.headers["Location"]
    assert phone.get("/portal/", headers={"HX-Request": "true"}).headers["HX-Redirect"].startswith("/portal/login")
    assert client.get("/portal/").status_code == 200  # this one stays
    [event] = actions(app, "account.session_ended")
    assert event.before == {"session": "Chrome on Windows from 127.0.0.1"}
    # Ending it again, or this browser's own, is a conflict; someone else's is a 404.
    assert client.post(f"/portal/account/sessions/{theirs.id}/end").status_code == 404
    assert client.post(f"/portal/account/sessions/{mine.id}/end").status_code == 409
    stranger = make.manager(vendor, email="stranger@customer.test")
    stranger_client = app.test_client()
    sign_in(stranger_client, "stranger@customer.test")
    [foreign] = _sessions(app, stranger.id)
    assert client.post(f"/portal/account/sessions/{foreign.id}/end").status_code == 404
    assert stranger_client.get("/portal/").status_code == 200


def test_end_all_others_keeps_only_this_browser(app, make, client, login):
    vendor = make.vendor()
    manager = make.manager(vendor, email="many@customer.test")
    sign_in(client, "many@customer.test")
    others = [app.test_client() for _ in range(2)]
    for browser in others:
        sign_in(browser, "many@customer.test", user_agent=CHROME)
    legacy = login(manager, on=app.test_client())  # a session from before sessions were recorded
    assert legacy.get("/portal/").status_code == 200
    assert client.get("/portal/account/sessions/end-others").status_code == 200
    assert client.post("/portal/account/sessions/end-others").status_code == 303
    for browser in [*others, legacy]:
        assert browser.get("/portal/").status_code == 302
    assert client.get("/portal/").status_code == 200
    [event] = actions(app, "account.other_sessions_ended")
    assert event.after == {"sessions_ended": 2}
    html = client.get("/portal/account").get_data(as_text=True)
    assert len(re.findall(r'<tr id="session-\d+"', html)) == 1


def test_changing_the_password_needs_the_current_one_and_ends_the_others(app, make, client):
    vendor = make.vendor()
    make.manager(vendor, email="pw@customer.test")
    sign_in(client, "pw@customer.test")
    other = app.test_client()
    sign_in(other, "pw@customer.test")
    page = client.get("/portal/password/change")
    assert 'name="current_password"' in page.get_data(as_text=True)
    new = "an entirely new passphrase"
    wrong = client.post("/portal/password/change", data={"current_password": "nope", "password": new, "confirm": new})
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert 'id="current_password-error"' in html and "This is not your current password." in html
    ok = client.post("/portal/password/change", data={"current_password": PASSWORD, "password": new, "confirm": new})
    assert ok.status_code == 303
    assert client.get("/portal/").status_code == 200 and other.get("/portal/").status_code == 302
    assert [e.action for e in actions(app, "manager.password_changed")] == ["manager.password_changed"]


def test_loading_the_person_checks_the_session_in_the_same_query(app, make, client, count_queries):
    """Measured: a signed-in request costs the same number of queries with or without a session record."""
    vendor = make.vendor()
    manager = make.manager(vendor, email="count@customer.test")
    recorded = app.test_client()
    sign_in(recorded, "count@customer.test")
    recorded.get("/portal/account/tokens")
    with count_queries() as with_record:
        assert recorded.get("/portal/account/tokens").status_code == 200
    legacy = app.test_client()
    with legacy.session_transaction() as session:
        session["_user_id"] = f"manager:{manager.id}:{manager.session_version}"
    with count_queries() as without_record:
        assert legacy.get("/portal/account/tokens").status_code == 200
    assert with_record.count == without_record.count
    assert "user_session" in with_record.statements[0]  # joined into the loader's one query
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in with_record.statements)  # last seen is fresh
