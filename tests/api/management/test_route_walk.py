"""Walk every management API route with another vendor's ids (vendor key) and outside-orders ids (token): 404."""

from __future__ import annotations

import re

from tests.api.management.support import Api, make_key, make_token
from tests.test_route_walk import _world

SEGMENT_KIND = {
    "license-managers": "manager",
    "orders": "order",
    "licenses": "license",
    "devices": "device",
    "customers": "customer",
    "customer-accounts": "customer_account",
}


class _Vendor:
    def __init__(self, vendor_id):
        self.id = vendor_id


def _management_rules(app):
    for rule in app.url_map.iter_rules():
        if (
            rule.rule.startswith("/api/v1/")
            and rule.arguments
            and rule.endpoint.split(".")[1]
            in {"orders", "licenses", "devices", "customers", "customer_accounts", "license_managers"}
        ):
            yield rule


def _fill(rule, objects):
    path = rule.rule
    for argument in rule.arguments:
        match = re.search(r"/([a-z-]+)/<(?:int:)?" + argument + ">", rule.rule)
        kind = SEGMENT_KIND.get(match.group(1)) if match else None
        if kind is None or kind not in objects:
            return None
        path = re.sub(r"<(?:int:)?" + argument + ">", str(objects[kind].id), path)
    return path


def _walk(api, app, objects):
    walked = []
    for rule in _management_rules(app):
        path = _fill(rule, objects)
        if path is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = api.call(method, path.removeprefix("/api/v1"), json={})
            walked.append((method, path, response.status_code))
    return walked


def test_a_vendor_key_gets_404_for_every_route_with_another_vendors_ids(app, client, make):
    staff, _, foreign = _world(make)
    other = foreign["another vendor"]
    other["customer"] = make.customer(make.world()["vendor"])
    other["customer_account"] = make.customer_account(make.world()["vendor"])
    api = Api(client, make_key(app, _Vendor(staff.vendor_account_id)))
    walked = _walk(api, app, other)
    assert len(walked) >= 15, walked
    assert [w for w in walked if w[2] != 404] == []


def test_a_token_gets_404_for_every_route_outside_its_orders(app, client, make):
    _, mine, foreign = _world(make)
    api = Api(client, make_token(app, mine))
    walked = _walk(api, app, foreign["another customer"])
    # Vendor-only areas refuse a token before any id is read (403), revealing nothing either.
    assert len(walked) >= 8, walked
    assert [w for w in walked if w[2] not in (404,) and "license-managers" not in w[1]] == []
    assert all(w[2] == 403 for w in walked if "license-managers" in w[1])


def test_big_ids_answer_404(app, client, make):
    staff, _, _ = _world(make)
    api = Api(client, make_key(app, _Vendor(staff.vendor_account_id)))
    for rule in _management_rules(app):
        for big in (2**31, 2**63, 10**40):
            path = re.sub(r"<int:[a-z_]+>", str(big), rule.rule).removeprefix("/api/v1")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                assert api.call(method, path, json={}, check=False).status_code == 404, (method, path)
