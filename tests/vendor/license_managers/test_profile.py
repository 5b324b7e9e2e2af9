"""A manager's life cycle: edit details, scope to customer accounts and user groups, take the role away,
an invitation that expired (status everywhere) and resending it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    LicenseAssignment,
    LicenseManager,
    LicenseUser,
    ManagerCustomerAccount,
    OutboxMail,
    SignInToken,
    UserGroupManager,
    utcnow,
)
from portal.tenancy import all_tenants
from tests.vendor.license_managers.support import (
    BASE,
    event_count,
    events,
    is_fragment,
    read,
    row_emails,
    scalar,
    staffed,
    text,
)


@pytest.fixture
def w(make, login, client):
    return staffed(make, login, client)


def _user(app, manager_id: int) -> LicenseUser:
    def load():
        with all_tenants(db.session):
            manager = db.session.get(LicenseManager, manager_id)
            return db.session.get(LicenseUser, manager.license_user_id)

    return read(app, load)


# Details


def test_edit_page_shows_the_form_in_the_pane_and_as_a_page(client, hx, w):
    m = w["manager"]
    page = client.get(f"{BASE}/{m.id}/edit")
    assert page.status_code == 200 and not is_fragment(page)
    html = page.get_data(as_text=True)
    assert f'value="{m.license_user.email}"' in html and "Customer accounts they manage" in html
    pane = client.get(f"{BASE}/{m.id}/edit", headers=hx)
    assert pane.status_code == 200 and is_fragment(pane) and "Save details" in text(pane)
    assert 'aria-invalid="None"' not in html and 'aria-describedby="None"' not in html


def test_editing_name_email_and_account_is_saved_and_audited(app, client, hx, make, w):
    m = w["manager"]
    other = make.customer_account(w["vendor"], name="Initrode")
    data = {
        "email": "  New.Address@Globex.test ",
        "first_name": "Ada",
        "last_name": "Byron",
        "customer_account": other.id,
    }
    response = client.post(f"{BASE}/{m.id}/edit", data=data, headers=hx)
    assert response.status_code == 200 and "Details of new.address@globex.test saved." in text(response)
    assert response.headers["HX-Trigger"] and "licenseManagerChanged" in response.headers["HX-Trigger"]
    user = _user(app, m.id)
    assert (user.email, user.first_name, user.last_name, user.customer_account_id) == (
        "new.address@globex.test",
        "Ada",
        "Byron",
        other.id,
    )
    assert read(app, lambda: db.session.get(LicenseManager, m.id).customer_account_id) == other.id
    [event] = events(app)
    assert event.action == "license_manager.updated" and event.object_id == m.id
    assert event.before["email"] == m.license_user.email and event.after["email"] == "new.address@globex.test"
    assert event.after["customer_account"] == "Initrode"
    # The same again changes nothing and writes nothing.
    again = client.post(f"{BASE}/{m.id}/edit", data=data)
    assert again.status_code == 303 and event_count(app) == 1


def test_an_email_of_another_license_user_is_refused_at_the_field(app, client, make, w):
    m = w["manager"]
    taken = make.license_user(w["vendor"], email="taken@globex.test")
    response = client.post(f"{BASE}/{m.id}/edit", data={"email": taken.email, "first_name": "X", "last_name": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "already belongs to another license user" in html
    assert 'aria-invalid="true"' in html
    assert _user(app, m.id).email == m.license_user.email and event_count(app) == 0


def test_another_vendors_email_is_free_and_a_bad_account_is_refused(app, client, make, w):
    other = make.world()
    make.license_user(other["vendor"], email="shared@else.test")
    m = w["manager"]
    bad = client.post(
        f"{BASE}/{m.id}/edit", data={"email": "shared@else.test", "customer_account": other["account"].id}
    )
    assert bad.status_code == 422 and "Choose a customer account of this vendor account." in text(bad)
    ok = client.post(f"{BASE}/{m.id}/edit", data={"email": "shared@else.test", "customer_account": ""})
    assert ok.status_code == 303 and _user(app, m.id).email == "shared@else.test"


# Scope: customer accounts and user groups


def _scoped(app, manager_id):
    stmt = sa.select(ManagerCustomerAccount.customer_account_id).where(ManagerCustomerAccount.manager_id == manager_id)
    return sorted(read(app, lambda: list(db.session.scalars(stmt))))


def test_scope_to_several_customer_accounts_and_back(app, client, make, w):
    m = w["manager"]
    a, b = make.customer_account(w["vendor"], name="Acme East"), make.customer_account(w["vendor"], name="Acme West")
    response = client.post(f"{BASE}/{m.id}/scope", data={"accounts": [a.id, b.id]})
    assert response.status_code == 303 and _scoped(app, m.id) == sorted([a.id, b.id])
    [event] = events(app)
    assert event.action == "license_manager.scope_updated"
    assert event.before == {"customer_accounts": []} and event.after == {
        "customer_accounts": ["Acme East", "Acme West"]
    }
    page = client.get(f"{BASE}/{m.id}/edit").get_data(as_text=True)
    assert f'value="{a.id}" checked' in page and f'value="{b.id}" checked' in page
    assert client.post(f"{BASE}/{m.id}/scope", data={}).status_code == 303 and _scoped(app, m.id) == []
    assert events(app)[-1].after == {"customer_accounts": []}


def test_scope_refuses_another_vendors_account(app, client, make, w):
    other = make.world()
    response = client.post(f"{BASE}/{w['manager'].id}/scope", data={"accounts": [other["account"].id]})
    assert response.status_code == 422 and "Unknown customer account" in text(response)
    assert _scoped(app, w["manager"].id) == [] and event_count(app) == 0


def test_add_and_remove_a_user_group(app, client, hx, make, w):
    m = w["manager"]
    group = make.user_group(w["vendor"], name="Field engineers")
    tab = text(client.get(f"{BASE}/{m.id}/user-groups"))
    assert "Field engineers" in tab.split("Add group")[0]  # offered in the select
    added = client.post(f"{BASE}/{m.id}/user-groups", data={"user_group": group.id}, headers=hx)
    assert added.status_code == 200 and "now manages the group Field engineers" in text(added)
    link = sa.select(sa.func.count()).select_from(UserGroupManager).where(UserGroupManager.manager_id == m.id)
    assert scalar(app, link) == 1
    twice = client.post(f"{BASE}/{m.id}/user-groups", data={"user_group": group.id})
    assert twice.status_code == 422 and "already manages" in text(twice)
    confirm = client.get(f"{BASE}/{m.id}/user-groups/{group.id}/remove")
    assert confirm.status_code == 200 and "Remove the group Field engineers" in text(confirm)
    removed = client.post(f"{BASE}/{m.id}/user-groups/{group.id}/remove")
    assert removed.status_code == 303 and scalar(app, link) == 0
    assert [e.action for e in events(app)] == ["license_manager.user_group_added", "license_manager.user_group_removed"]
    assert client.post(f"{BASE}/{m.id}/user-groups/{group.id}/remove").status_code == 404
    other = make.world()
    theirs = make.user_group(other["vendor"])
    assert client.post(f"{BASE}/{m.id}/user-groups", data={"user_group": theirs.id}).status_code == 422


# Taking the role away


def test_removing_the_role_keeps_the_license_user_and_seats(app, client, make, login, w):
    m = w["manager"]
    seat = make.license(w["order"], w["user_policy"])
    make.assignment(seat, m.license_user)
    confirm = client.get(f"{BASE}/{m.id}/remove-role")
    assert confirm.status_code == 200 and "Take the manager role from" in text(confirm)
    response = client.post(f"{BASE}/{m.id}/remove-role")
    assert response.status_code == 303
    assert read(app, lambda: db.session.get(LicenseManager, m.id)) is None
    assert _user_exists(app, m.license_user.id)
    seats = sa.select(sa.func.count()).select_from(LicenseAssignment).where(LicenseAssignment.license_id == seat.id)
    assert scalar(app, seats) == 1
    [event] = events(app)
    assert event.action == "license_manager.role_removed" and event.object_id == m.id
    assert event.object_label == m.license_user.email and event.before["order_count"] == 1
    # The list no longer shows them; their page is gone.
    assert m.license_user.email not in row_emails(client.get(BASE).get_data(as_text=True))
    assert client.get(f"{BASE}/{m.id}").status_code == 404
    # They can no longer sign in (an old session ends too).
    portal = app.test_client()
    login(m, on=portal)
    assert portal.get("/portal/").status_code == 302


def _user_exists(app, user_id):
    return read(app, lambda: db.session.get(LicenseUser, user_id)) is not None


def test_removing_the_role_ends_an_unused_invitation_link(app, client, make, w):
    invited = make.manager(w["vendor"], status="invited", password=None)
    client.post(f"{BASE}/{invited.id}/resend-invitation")
    client.post(f"{BASE}/{invited.id}/remove-role")
    unused = sa.select(sa.func.count()).select_from(SignInToken).where(SignInToken.used_at.is_(None))
    assert scalar(app, unused) == 0


# An invitation that expired


def _expire(app, manager_id: int, hours_ago: int = 1) -> None:
    with app.app_context(), all_tenants(db.session):
        manager = db.session.get(LicenseManager, manager_id)
        manager.invited_at = utcnow() - dt.timedelta(hours=72 + hours_ago)
        manager.invitation_expires_at = utcnow() - dt.timedelta(hours=hours_ago)
        db.session.commit()


def test_an_expired_invitation_shows_everywhere_and_is_resent_with_one_click(app, client, hx, make, w):
    fresh = make.manager(w["vendor"], email="fresh@globex.test", status="invited", password=None)
    lapsed = make.manager(w["vendor"], email="lapsed@globex.test", status="invited", password=None)
    client.post(f"{BASE}/{fresh.id}/resend-invitation")
    client.post(f"{BASE}/{lapsed.id}/resend-invitation")
    _expire(app, lapsed.id)
    # The list, the filter, the pane and the CSV agree.
    client.get(BASE)  # shows the resends' flashes
    listed = client.get(BASE, query_string={"status": "expired"}).get_data(as_text=True)
    assert row_emails(listed) == ["lapsed@globex.test"] and "Invitation expired" in listed
    assert row_emails(client.get(BASE, query_string={"status": "invited"}).get_data(as_text=True)) == [
        "fresh@globex.test"
    ]
    pane = text(client.get(f"{BASE}/{lapsed.id}", headers=hx))
    assert "Invitation expired" in pane and "Resend invitation" in pane
    csv = client.get(f"{BASE}.csv").get_data(as_text=True)
    [lapsed_row] = [line for line in csv.splitlines() if "lapsed@globex.test" in line]
    assert ",expired," in lapsed_row
    # One click: a new link, the old one ends, audited, mailed.
    old_token = read(
        app, lambda: db.session.scalars(sa.select(SignInToken.id).where(SignInToken.used_at.is_(None))).all()
    )
    before_mails = scalar(app, sa.select(sa.func.count()).select_from(OutboxMail))
    response = client.post(f"{BASE}/{lapsed.id}/resend-invitation", headers=hx)
    assert response.status_code == 200 and "invitation is on its way" in text(response)
    assert "Invitation expired" not in text(response).split("Permissions vs default")[0]
    assert scalar(app, sa.select(sa.func.count()).select_from(OutboxMail)) == before_mails + 1
    live = read(app, lambda: db.session.scalars(sa.select(SignInToken.id).where(SignInToken.used_at.is_(None))).all())
    assert len(live) == 2 and set(live) != set(old_token)
    event = events(app, "license_manager.invitation_resent")[-1]
    assert event.before["status"] == "expired" and event.after["status"] == "invited"
    invited = client.get(BASE, query_string={"status": "invited"}).get_data(as_text=True)
    assert sorted(row_emails(invited)) == ["fresh@globex.test", "lapsed@globex.test"]


def test_the_pane_names_how_permissions_differ_from_the_default(client, hx, w):
    # The manager has Issue license and Create order; the factory default has six.
    pane = text(client.get(f"{BASE}/{w['manager'].id}", headers=hx))
    assert "Permissions vs default" in pane and "−4" in pane
    assert "Lacks Reset license, Reset device, Manage license users" in pane
