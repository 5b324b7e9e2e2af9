"""Another customer's or another vendor's license, device, license user or user group: 404 at every URL.

The signed-in manager holds every permission: scope is checked before permission, so the
answer is the same 404 as for an id that does not exist, and nothing is written.
"""

from __future__ import annotations

import pytest

from portal import scope
from portal.models import ManagerCustomerAccount, utcnow
from tests.end_user.licenses.support import snapshot


def foreign_objects(make, world):
    """A manager of another organisation with a license, a floating device, a user and a group."""
    vendor = world["vendor"]
    account = make.customer_account(vendor)
    owner = make.manager(vendor, permissions="all", account=account)
    order = make.order(vendor, customer=make.customer(vendor, account), managers=[owner])
    floating = make.policy(
        make.product(vendor, floating=True), is_floating=True, floating_seats=2, max_activations=4, max_borrow_hours=24
    )
    license_ = make.license(order, floating)
    device = make.device(license_, hostname="their-host", floating_in_use=True, floating_since=utcnow())
    user = make.license_user(vendor, email=f"theirs{account.id}@elsewhere.test", account=account)
    seat_license = make.license(order, world["user_policy"])
    make.assignment(seat_license, user)
    group = make.user_group(vendor, members=[user], managers=[owner], account=account, name="Their group")
    return {"license": license_, "device": device, "license_user": user, "user_group": group}


@pytest.fixture(params=["collected scope", "large scope", "large scope with an account"])
def shape(request, monkeypatch):
    """Both shapes of a scope: collected first (small), or probed row by row with kept figures (large);
    a large scope probes one route a row (assigned) or, scoped to a customer account, two."""
    if request.param != "collected scope":
        monkeypatch.setattr(scope, "LARGE_SCOPE", 0)
    return request.param


@pytest.fixture
def setting(make, login, shape):
    home = make.world()
    me = make.manager(home["vendor"], permissions="all", account=home["account"], orders=[home["order"]])
    mine = {
        "license": make.license(home["order"], home["user_policy"]),
        "license_user": make.license_user(home["vendor"], account=home["account"]),
        "user_group": make.user_group(home["vendor"], managers=[me]),
    }
    make.assignment(mine["license"], mine["license_user"])
    if shape == "large scope with an account":  # an account of no order: the second route finds nothing more
        scoped = make.customer_account(home["vendor"])
        make._save(home["vendor"].id, ManagerCustomerAccount(manager_id=me.id, customer_account_id=scoped.id))
    others = {"another customer": foreign_objects(make, home), "another vendor": foreign_objects(make, make.world())}
    login(me)
    return mine, others


# (kind, method, path template); {id} is the foreign object, {license}/{user}/{group} mine.
URLS = [
    ("license", "GET", "/portal/licenses/{id}"),
    ("license", "POST", "/portal/licenses/{id}/enable"),
    ("license", "GET", "/portal/licenses/{id}/disable"),
    ("license", "POST", "/portal/licenses/{id}/disable"),
    ("license", "POST", "/portal/licenses/{id}/note"),
    ("license", "GET", "/portal/licenses/{id}/reset"),
    ("license", "POST", "/portal/licenses/{id}/reset"),
    ("license", "POST", "/portal/licenses/{id}/users"),
    ("license", "GET", "/portal/licenses/{id}/users/{user}/unassign"),
    ("license", "POST", "/portal/licenses/{id}/users/{user}/unassign"),
    ("device", "GET", "/portal/devices/{id}/reset"),
    ("device", "POST", "/portal/devices/{id}/reset"),
    ("device", "GET", "/portal/devices/{id}/release"),
    ("device", "POST", "/portal/devices/{id}/release"),
    ("device", "GET", "/portal/devices/{id}/revoke"),
    ("device", "POST", "/portal/devices/{id}/revoke"),
    ("device", "POST", "/portal/devices/{id}/unrevoke"),
    ("device", "GET", "/portal/devices/{id}/borrow"),
    ("device", "POST", "/portal/devices/{id}/borrow"),
    ("license_user", "GET", "/portal/users/{id}"),
    ("license_user", "GET", "/portal/users/{id}/password"),
    ("license_user", "POST", "/portal/users/{id}/password"),
    ("license_user", "GET", "/portal/licenses/{license}/users/{id}/unassign"),
    ("license_user", "POST", "/portal/licenses/{license}/users/{id}/unassign"),
    ("license_user", "GET", "/portal/user-groups/{group}/members/{id}/remove"),
    ("license_user", "POST", "/portal/user-groups/{group}/members/{id}/remove"),
    ("user_group", "GET", "/portal/user-groups/{id}"),
    ("user_group", "POST", "/portal/user-groups/{id}"),
    ("user_group", "POST", "/portal/user-groups/{id}/members"),
    ("user_group", "GET", "/portal/user-groups/{id}/members/{user}/remove"),
    ("user_group", "POST", "/portal/user-groups/{id}/members/{user}/remove"),
]
FORM = {
    "note": "mine now",
    "email": "x@customer.test",
    "password": "a fine password",
    "name": "Taken",
    "until": "2099-01-01T00:00",
}


@pytest.mark.parametrize("whose", ["another customer", "another vendor"])
def test_every_url_answers_404(app, client, setting, whose):
    mine, others = setting
    foreign = others[whose]
    before = snapshot(app)
    for kind, method, template in URLS:
        path = template.format(
            id=foreign[kind].id, license=mine["license"].id, user=mine["license_user"].id, group=mine["user_group"].id
        )
        response = client.open(path, method=method, data=FORM if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "not yours to see" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_an_id_that_does_not_exist_answers_the_same(client, setting):
    for path in [
        "/portal/licenses/999999",
        "/portal/devices/999999/reset",
        "/portal/users/999999",
        "/portal/user-groups/999999",
    ]:
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("whose", ["another customer", "another vendor"])
def test_lists_do_not_show_them(client, setting, whose):
    _, others = setting
    foreign = others[whose]
    pages = "".join(
        client.get(path).get_data(as_text=True)
        for path in [
            "/portal/",  # for a large scope: asks for its figures to be counted (at once, in tests)
            "/portal/",
            "/portal/reports",
            "/portal/notices",
            "/portal/licenses",
            "/portal/floating",
            "/portal/users",
            "/portal/user-groups",
            "/portal/activity",
        ]
    )
    assert foreign["license"].license_key not in pages
    assert "their-host" not in pages
    assert foreign["license_user"].email not in pages
    assert "Their group" not in pages
