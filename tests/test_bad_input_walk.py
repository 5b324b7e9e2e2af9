"""Every route, fed junk in every field and query argument it might read, never answers 500.

Ids in the URL are the signed-in person's own objects, so the junk reaches the forms and the
services rather than stopping at the 404 of the scope check.
"""

from __future__ import annotations

import pytest

from tests.test_route_walk import _fill

FIELDS = [
    "email",
    "first_name",
    "last_name",
    "customer_account",
    "orders",
    "order",
    "permissions",
    "product",
    "policy",
    "quantity",
    "note",
    "until",
    "password",
    "confirm",
    "name",
    "code",
    "description",
    "reference",
    "customer",
    "is_trial",
    "is_test",
    "generate",
    "search",
    "q",
]
JUNK = [
    {},
    {field: "" for field in FIELDS},
    {field: "x" * 5000 for field in FIELDS},
    {field: "-1" for field in FIELDS},
    {field: "99999999999999999999" for field in FIELDS},
    {field: "' OR 1=1 --" for field in FIELDS},
    {field: "\x00\u202e<script>" for field in FIELDS},
]


def _own_world(make):
    w = make.world()
    vendor = w["vendor"]
    staff = make.staff(vendor)
    floating_product = make.product(vendor, "key", floating=True)
    floating_policy = make.policy(floating_product, is_floating=True, floating_seats=2, max_borrow_hours=24)
    manager = make.manager(
        vendor,
        permissions="all",
        account=w["account"],
        orders=[w["order"]],
        products=[w["key_product"], w["user_product"], floating_product],
        policies=[w["key_policy"], w["user_policy"], floating_policy],
        caps={},
    )
    other = make.manager(vendor, permissions="all", account=w["account"], orders=[w["order"]])
    key_license = make.license(w["order"], floating_policy)
    device = make.device(key_license)
    user = make.license_user(vendor, account=w["account"])
    user_license = make.license(w["order"], w["user_policy"])
    make.assignment(user_license, user)
    group = make.user_group(vendor, members=[user], managers=[manager], account=w["account"])
    objects = {
        "manager": other,
        "order": w["order"],
        "license": key_license,
        "device": device,
        "license_user": user,
        "user_group": group,
    }
    return staff, manager, objects


def _posts(app, prefix):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and "POST" in rule.methods and "login" not in rule.rule:
            yield rule


@pytest.mark.parametrize("side", ["portal", "vendor"])
def test_junk_in_every_post_field_never_answers_500(app, client, make, login, side):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    staff, manager, objects = _own_world(make)
    login(manager if side == "portal" else staff)
    walked = []
    for rule in _posts(app, f"/{side}/"):
        path = _fill(rule, objects) if rule.arguments else rule.rule
        if path is None:
            continue
        for data in JUNK:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.post(path, data=data, headers=headers)
                walked.append((path, response.status_code))
                assert response.status_code < 500, (path, data, response.get_data(as_text=True)[:500])
        login(manager if side == "portal" else staff)  # a sign-out or disable on the way
    assert len({p for p, _ in walked}) >= (15 if side == "portal" else 8)


QUERIES = [
    {},
    {
        "q": "x" * 3000,
        "page": "-5",
        "sort": "nope",
        "status": "zzz",
        "permission": "root",
        "customer_account": "abc",
        "product": "x",
        "type": "y",
        "expiring": "-1",
        "after": "!!",
        "before": "%%",
        "date_from": "yesterday",
        "date_to": "2026-13-45",
        "search": "\x00",
    },
    {"page": "99999999999999999999999", "devices_page": "x", "lines": "1000"},
]


@pytest.mark.parametrize("side", ["portal", "vendor"])
def test_every_page_and_fragment_with_junk_queries_never_answers_500(app, client, make, login, side):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    staff, manager, objects = _own_world(make)
    login(manager if side == "portal" else staff)
    walked = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"/{side}/") or "GET" not in rule.methods or "login" in rule.rule:
            continue
        path = _fill(rule, objects) if rule.arguments else rule.rule
        if path is None:
            continue
        for query in QUERIES:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(path, query_string=query, headers=headers)
                body = response.get_data(as_text=True)  # streamed answers (CSV) run to the end too
                walked.add(path)
                assert response.status_code < 500, (path, headers, body[:300])
    assert len(walked) >= (15 if side == "portal" else 8)
