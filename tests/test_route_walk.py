"""Walk every route with an id in it: another vendor's or another customer's id is a 404.

The routes are read from the app's URL map, so a route added later is walked too. Each id
argument is filled from the path segment before it (`/orders/<id>` takes an order id).
"""

from __future__ import annotations

import re

import pytest

SEGMENT_KIND = {
    "license-managers": "manager",
    "orders": "order",
    "licenses": "license",
    "devices": "device",
    "users": "license_user",
    "members": "license_user",
    "managers": "manager",
    "user-groups": "user_group",
}


def _world(make):
    """Two vendors; the first with two customers. Returns the signed-in people and the foreign objects."""
    home = make.world()
    vendor = home["vendor"]
    staff = make.staff(vendor)
    mine = make.manager(
        vendor,
        permissions="all",
        account=home["account"],
        orders=[home["order"]],
        products=[home["key_product"], home["user_product"]],
        policies=[home["key_policy"], home["user_policy"]],
    )

    def objects(world, customer_account):
        manager = make.manager(world["vendor"], permissions="all", account=customer_account)
        order = make.order(world["vendor"], managers=[manager])
        key_license = make.license(order, world["key_policy"])
        device = make.device(key_license)
        user = make.license_user(world["vendor"], account=customer_account)
        user_license = make.license(order, world["user_policy"])
        make.assignment(user_license, user)
        group = make.user_group(world["vendor"], members=[user], managers=[manager], account=customer_account)
        return {
            "manager": manager,
            "order": order,
            "license": key_license,
            "device": device,
            "license_user": user,
            "user_group": group,
        }

    other_customer = objects(home, make.customer_account(vendor))
    other_world = make.world()
    other_vendor = objects(other_world, other_world["account"])
    return staff, mine, {"another customer": other_customer, "another vendor": other_vendor}


def _routes(app, prefix):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or not rule.arguments:
            continue
        yield rule


def _fill(rule, objects):
    """The URL for a rule with every id argument taken from `objects`, or None if one is unknown."""
    values = {}
    for argument in rule.arguments:
        match = re.search(r"/([a-z-]+)/<(?:int:)?" + argument + ">", rule.rule)
        kind = SEGMENT_KIND.get(match.group(1)) if match else None
        if kind is None or kind not in objects:
            return None
        values[argument] = objects[kind].id
    path = rule.rule
    for argument, value in values.items():
        path = re.sub(r"<(?:int:)?" + argument + ">", str(value), path)
    return path


def _walk(client, app, prefix, objects):
    walked = []
    for rule in _routes(app, prefix):
        path = _fill(rule, objects)
        if path is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            walked.append((method, path, response.status_code))
    return walked


@pytest.mark.parametrize("whose", ["another customer", "another vendor"])
def test_portal_routes_answer_404_outside_the_managers_orders(app, client, make, login, whose):
    _, mine, foreign = _world(make)
    login(mine)
    walked = _walk(client, app, "/portal/", foreign[whose])
    assert len(walked) >= 10, walked
    wrong = [w for w in walked if w[2] != 404]
    assert wrong == [], wrong


def test_vendor_routes_answer_404_for_another_vendors_ids(app, client, make, login):
    staff, _, foreign = _world(make)
    login(staff)
    walked = _walk(client, app, "/vendor/", foreign["another vendor"])
    assert len(walked) >= 5, walked
    wrong = [w for w in walked if w[2] != 404]
    assert wrong == [], wrong


# Ids the database cannot hold (issue 8, finding 4): INTEGER is 2^31-1 on PostgreSQL, SQLite stops at 2^63-1.
BIG_IDS = [2**31, 2**31 + 12345, 2**32, 2**63 - 1, 2**63, 2**64, 10**40, "0" * 5 + str(2**31)]


def _big(rule, big):
    path = re.sub(r"<int:[a-z_]+>", str(big), rule.rule)
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x", path)


@pytest.mark.parametrize("who", ["manager", "staff", "anonymous"])
def test_big_ids_in_every_url_answer_404(app, client, make, login, who):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    staff, mine, _ = _world(make)
    if who != "anonymous":
        login(mine if who == "manager" else staff)
    walked = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for index, big in enumerate(BIG_IDS):
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            method = methods[index % len(methods)]
            response = client.open(_big(rule, big), method=method, headers={"HX-Request": "true"} if index % 2 else {})
            walked.append((method, _big(rule, big), response.status_code))
    assert len({path for _, path, _ in walked}) >= 20 * len(BIG_IDS) // 2, walked
    wrong = [w for w in walked if w[2] != 404]
    assert wrong == [], wrong


def _own_paths(app, prefix, objects):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and "GET" in rule.methods:
            path = _fill(rule, objects) if rule.arguments else rule.rule
            if path:
                yield path


@pytest.mark.parametrize("side", ["portal", "vendor"])
def test_every_signed_in_page_and_fragment_is_not_stored(app, client, make, login, side):
    from tests.test_bad_input_walk import _own_world

    staff, manager, objects = _own_world(make)
    login(manager if side == "portal" else staff)
    walked = []
    for path in _own_paths(app, f"/{side}/", objects):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            response.get_data()  # streamed answers (CSV) run to the end
            walked.append((path, response.status_code, response.headers.get("Cache-Control")))
    assert len(walked) >= 16, walked
    assert [w for w in walked if "no-store" not in (w[2] or "")] == []
    for path in ("/portal/password/forgot", "/portal/password/reset/some-token", "/portal/login", "/vendor/login"):
        assert "no-store" in app.test_client().get(path).headers["Cache-Control"], path


def test_static_files_may_be_cached(client):
    for path in ("/static/css/app.css", "/static/vendor/htmx.min.js"):
        response = client.get(path)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
