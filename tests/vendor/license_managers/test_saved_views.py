"""Saved views of the managers list: named queries shared in the vendor account; created, renamed, deleted, audited."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from portal.models import SavedView, StaffUser
from tests.vendor.license_managers.support import BASE, events, row_emails, scalar, staff, text

VIEWS = f"{BASE}/views"


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = staff(make, w["vendor"])
    return w


@pytest.fixture
def signed_in(client, login, world):
    login(world["staff"])
    return client


def _view_links(html: str) -> dict[str, str]:
    """The saved-view bar above the rows: name -> href."""
    bar = html.split('aria-label="Saved views"', 1)[1].split("</nav>", 1)[0]
    return {
        unescape(name): unescape(href)
        for href, name in re.findall(r'<a class="view-link[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', bar)
    }


def test_save_the_current_query_as_a_view_everyone_in_the_account_sees(app, signed_in, client, login, make, world):
    response = signed_in.post(
        VIEWS, data={"name": "  Invited at Globex ", "status": "invited", "sort": "email", "page": "3"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}?status=invited&sort=email"  # never a page
    view = scalar(app, sa.select(SavedView))
    assert (view.name, view.query, view.created_by_id) == (
        "Invited at Globex",
        "status=invited&sort=email",
        world["staff"].id,
    )
    [event] = events(app, "saved_view.created")
    assert (event.object_type, event.object_label, event.actor_label) == (
        "saved_view",
        "Invited at Globex",
        world["staff"].email,
    )
    assert event.after == {"name": "Invited at Globex", "query": "status=invited&sort=email"}
    colleague = staff(make, world["vendor"])
    login(colleague)
    html = client.get(f"{BASE}?status=invited&sort=email").get_data(as_text=True)
    links = _view_links(html)
    assert links["Invited at Globex"] == f"{BASE}?status=invited&sort=email"
    assert re.search(r'aria-current="page">Invited at Globex<', html)  # the view the list shows now
    login(staff(make, make.vendor()))  # another vendor's staff never sees it
    assert "Invited at Globex" not in client.get(BASE).get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "status": "invited"}, "Give the view a name."),
        ({"name": "x" * 81, "status": "invited"}, "at most 80 characters"),
        ({"name": "Everything"}, "Filter or sort the list first"),
    ],
)
def test_a_view_needs_a_name_and_a_query(app, signed_in, data, message):
    response = signed_in.post(VIEWS, data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert scalar(app, sa.select(sa.func.count()).select_from(SavedView)) == 0 and not events(app)


def test_names_are_unique_in_the_account_whatever_the_case(app, signed_in):
    signed_in.post(VIEWS, data={"name": "Dormant", "signed_in": "never"})
    again = signed_in.post(VIEWS, data={"name": "dormant", "status": "active"})
    assert again.status_code == 422 and "A view named “dormant” exists already." in text(again)
    assert scalar(app, sa.select(sa.func.count()).select_from(SavedView)) == 1


def test_rename_and_delete_are_audited(app, signed_in, world):
    signed_in.post(VIEWS, data={"name": "Old", "status": "disabled"})
    view = scalar(app, sa.select(SavedView))
    form = signed_in.get(f"{VIEWS}/{view.id}/rename")
    assert form.status_code == 200 and 'value="Old"' in form.get_data(as_text=True)
    taken = signed_in.post(VIEWS, data={"name": "Other", "status": "active"})
    assert taken.status_code == 303
    clash = signed_in.post(f"{VIEWS}/{view.id}/rename", data={"name": "Other"})
    assert clash.status_code == 422
    assert re.search(r'aria-invalid="true" aria-describedby="name-error"', clash.get_data(as_text=True))
    assert signed_in.post(f"{VIEWS}/{view.id}/rename", data={"name": "Switched off"}).status_code == 303
    assert scalar(app, sa.select(SavedView.name).where(SavedView.id == view.id)) == "Switched off"
    [renamed] = events(app, "saved_view.renamed")
    assert (renamed.before, renamed.after) == ({"name": "Old"}, {"name": "Switched off"})
    confirm = signed_in.get(f"{VIEWS}/{view.id}/delete")
    assert confirm.status_code == 200 and "Delete the view “Switched off”?" in text(confirm)
    assert scalar(app, sa.select(SavedView.id).where(SavedView.id == view.id)) is not None  # asking deletes nothing
    assert signed_in.post(f"{VIEWS}/{view.id}/delete").status_code == 303
    assert scalar(app, sa.select(SavedView.id).where(SavedView.id == view.id)) is None
    [deleted] = events(app, "saved_view.deleted")
    assert deleted.before == {"name": "Switched off", "query": "status=disabled"}


def test_views_of_another_vendor_are_404_and_support_cannot_change_views(app, client, login, make, world):
    login(world["staff"])
    client.post(VIEWS, data={"name": "Mine", "status": "invited"})
    view = scalar(app, sa.select(SavedView))
    login(staff(make, make.vendor()))
    assert client.get(f"{VIEWS}/{view.id}/rename").status_code == 404
    assert client.post(f"{VIEWS}/{view.id}/delete").status_code == 404
    support = make._save(
        world["vendor"].id,
        StaffUser(
            vendor_account_id=world["vendor"].id, email="sup@v.test", name="S", password_hash="!", role="support"
        ),
    )
    login(support)
    assert client.get(VIEWS).status_code == 200
    assert client.post(VIEWS, data={"name": "Theirs", "status": "active"}).status_code == 403
    assert client.post(f"{VIEWS}/{view.id}/delete").status_code == 403
    assert scalar(app, sa.select(sa.func.count()).select_from(SavedView)) == 1


def test_ready_made_views_and_the_never_signed_in_filter(app, signed_in, make, world):
    import datetime as dt

    make.manager(world["vendor"], email="fresh@globex.test", status="invited", password=None)
    seen = make.manager(world["vendor"], email="seen@globex.test", permissions=["manage_managers"])
    from portal.extensions import db
    from portal.models import LicenseManager
    from tests.vendor.license_managers.support import read

    def sign_in_once() -> None:
        db.session.get(LicenseManager, seen.id).last_login_at = dt.datetime(2026, 1, 1)
        db.session.commit()

    read(app, sign_in_once)
    links = _view_links(signed_in.get(BASE).get_data(as_text=True))
    assert links["Never signed in"] == f"{BASE}?signed_in=never"
    assert links["Has Manage managers"] == f"{BASE}?permission=manage_managers"
    never = signed_in.get(links["Never signed in"]).get_data(as_text=True)
    assert row_emails(never) == ["fresh@globex.test"]
    # A search from the filter form keeps the filter the view set (it rides along as a hidden field).
    assert '<input type="hidden" name="signed_in" value="never" form="filters">' in never
    assert row_emails(signed_in.get(links["Has Manage managers"]).get_data(as_text=True)) == ["seen@globex.test"]
