"""Walk every API route (read from the URL map, so later routes are walked too): never a 5xx, always JSON.

For each rule under /api/v1 and each of its methods: no auth, a malformed header, a wrong secret,
a revoked key, a disabled manager's token, another vendor's key, big ids, and junk bodies. Every
answer is JSON ``{"error": {"code", "message"}}`` when it is not a 2xx (the reference page is the
one HTML answer). The database's last net (a value it cannot store) answers JSON under /api/ too.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.audit import Actor
from portal.extensions import db
from portal.services.api_keys import actions as key_actions
from portal.tenancy import set_tenant
from tests.api.management.support import make_key, make_token
from tests.test_route_walk import BIG_IDS

HTML_ROUTES = {"/api/v1/docs"}
PUBLIC_ROUTES = {"/api/v1/docs", "/api/v1/openapi.json"}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]


def _path(rule, value="1"):
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", str(value), rule.rule)


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _is_json_error(response) -> bool:
    body = response.get_json(silent=True)
    return (
        response.mimetype == "application/json"
        and isinstance(body, dict)
        and isinstance(body.get("error"), dict)
        and isinstance(body["error"].get("code"), str)
        and bool(body["error"]["code"])
        and isinstance(body["error"].get("message"), str)
    )


def _walk(client, app, headers, *, value="1", json=None, data=None):
    """(method, path, status) of every answer that is a 5xx or an error that is not JSON."""
    wrong, walked = [], 0
    for rule in _rules(app):
        for method in _methods(rule):
            path = _path(rule, value)
            kwargs = {"json": json} if data is None else {"data": data, "content_type": "application/json"}
            response = client.open(path, method=method, headers=headers, **kwargs)
            walked += 1
            if response.status_code >= 500 or (
                response.status_code >= 400 and rule.rule not in HTML_ROUTES and not _is_json_error(response)
            ):
                wrong.append((method, path, response.status_code, response.get_data(as_text=True)[:120]))
    return walked, wrong


@pytest.fixture
def keys(app, make):
    w = make.world()
    other = make.world()
    manager = make.manager(w["vendor"], permissions="all", orders=[w["order"]])
    disabled = make.manager(w["vendor"], permissions="all", orders=[w["order"]])
    disabled_token = make_token(app, disabled)
    revoked = make_key(app, w["vendor"], "read_write", name="Revoked")
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        from portal.models import ApiKey, LicenseManager

        key = db.session.scalar(sa.select(ApiKey).where(ApiKey.name == "Revoked"))
        key_actions.revoke_key(key, actor=Actor.system())
        db.session.get(LicenseManager, disabled.id).status = "disabled"
        db.session.commit()
    return {
        "world": w,
        "other": other,
        "manager": manager,
        "revoked": revoked,
        "disabled_token": disabled_token,
        "foreign_key": make_key(app, other["vendor"], "read_write"),
    }


@pytest.mark.parametrize(
    "auth",
    [
        "none",
        "basic",
        "empty bearer",
        "wrong secret",
        "key-shaped junk",
        "token-shaped junk",
        "revoked key",
        "disabled token",
    ],
)
def test_every_api_route_refuses_bad_auth_with_json(app, client, keys, auth):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    headers = {
        "none": {},
        "basic": {"Authorization": "Basic YWRtaW46YWRtaW4="},
        "empty bearer": {"Authorization": "Bearer "},
        "wrong secret": {"Authorization": "Bearer not-a-key"},
        "key-shaped junk": {"Authorization": "Bearer lpk_" + "x" * 40},
        "token-shaped junk": {"Authorization": "Bearer lpt_" + "y" * 40},
        "revoked key": {"Authorization": f"Bearer {keys['revoked']}"},
        "disabled token": {"Authorization": f"Bearer {keys['disabled_token']}"},
    }[auth]
    walked, wrong = _walk(client, app, headers, json={})
    assert walked >= 40, walked
    assert wrong == [], wrong


def test_management_routes_answer_401_without_a_valid_secret(app, client, keys):
    for rule in _rules(app):
        if rule.rule in PUBLIC_ROUTES or rule.rule.startswith("/api/v1/license/"):
            continue
        for method in _methods(rule):
            for secret in ("", "Bearer nope", f"Bearer {keys['revoked']}", f"Bearer {keys['disabled_token']}"):
                response = client.open(_path(rule), method=method, headers={"Authorization": secret}, json={})
                assert response.status_code == 401, (method, rule.rule, secret, response.status_code)
                assert response.json["error"]["code"] == "unauthorized"
                assert "Bearer" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("who", ["own key", "foreign key", "token"])
def test_every_api_route_with_big_ids_and_junk_bodies_is_json_and_never_5xx(app, client, keys, who):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    secret = {
        "own key": make_key(app, keys["world"]["vendor"], "read_write"),
        "foreign key": keys["foreign_key"],
        "token": make_token(app, keys["manager"]),
    }[who]
    headers = {"Authorization": f"Bearer {secret}"}
    total = 0
    for big in BIG_IDS:
        walked, wrong = _walk(client, app, headers, value=big, json={})
        assert wrong == [], wrong
        total += walked
    junk = [
        None,
        [],
        "text",
        {"email": "a\x00b", "name": "\x00", "license_key": "\x00", "reference": "\x00"},
        {"product_id": 2**63, "policy_id": -1, "quantity": 10**30, "order_id": 2**64, "customer_id": 2**40},
        {"licenses": [{"product_id": 10**20, "policy_id": 10**20, "quantity": 1}], "manager_ids": [2**70]},
        {"permissions": [None], "products": [{"product_id": 2**40, "cap": 2**70}], "policy_ids": ["x"]},
    ]
    for body in junk:
        walked, wrong = _walk(client, app, headers, json=body)
        assert wrong == [], (body, wrong)
        total += walked
    walked, wrong = _walk(client, app, headers, data=b"{not json")
    assert wrong == [], wrong
    assert total >= 40 * (len(BIG_IDS) + len(junk))


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/customers?customer_account_id={10**40}",
        "/api/v1/customers?customer_account_id=x",
        f"/api/v1/devices?license_id={2**63}",
        "/api/v1/licenses?after=%00",
        "/api/v1/orders?after=bm90LWEtY3Vyc29y",
        "/api/v1/customers?q=%00",
        "/api/v1/license-managers?limit=101",
    ],
)
def test_bad_query_values_are_json_4xx(app, client, keys, url):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    response = client.get(url, headers={"Authorization": f"Bearer {keys['foreign_key']}"})
    assert 400 <= response.status_code < 500 and _is_json_error(response), (url, response.status_code)


@pytest.mark.parametrize("raised", ["overflow", "data error"])
def test_the_databases_last_net_answers_json_under_the_api(app, client, raised):
    """A value the database refuses (an id past its INTEGER, a NUL on PostgreSQL) is a JSON 422 under /api/."""

    def boom():
        if raised == "overflow":
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        raise sa.exc.DataError("SELECT 1", {}, Exception("invalid byte sequence: 0x00"))

    app.add_url_rule("/api/v1/_boom", "api_boom", boom)
    app.add_url_rule("/vendor/_boom", "vendor_boom", boom)
    answer = client.get("/api/v1/_boom")
    assert answer.status_code == 422 and _is_json_error(answer)
    assert answer.json["error"]["code"] == "invalid" and "out of range" in answer.json["error"]["message"]
    page = client.get("/vendor/_boom")
    assert page.status_code == 422 and page.mimetype == "text/html"  # the pages keep their HTML answer
