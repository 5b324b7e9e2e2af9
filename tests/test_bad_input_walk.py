"""Every route, fed junk in every field and query argument it might read, never answers 500.

Ids in the URL are the signed-in person's own objects, so the junk reaches the forms and the
services rather than stopping at the 404 of the scope check.
"""

from __future__ import annotations

import io
import re

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
    # Numbers no id column holds: PostgreSQL's INTEGER ends at 2^31-1, SQLite's at 2^63-1.
    {field: str(2**31) for field in FIELDS},
    {field: str(2**63) for field in FIELDS},
    {field: [str(2**64), "1", str(2**31 + 1)] for field in FIELDS},
    {field: str(-(2**63) - 1) for field in FIELDS},
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
    {name: str(2**31) for name in ("page", "customer_account", "product", "order", "group", "user", "policy")},
    {name: str(2**63) for name in ("page", "customer_account", "product", "order", "group", "user", "devices_page")},
    {name: str(2**64) for name in ("page", "customer_account", "permission", "q", "status", "sort", "after")},
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


def _as_files(fields):
    """Every field as a file part (a filename on the multipart part), as a forged form sends it."""
    return {field: (io.BytesIO(b"1"), f"{field}.txt") for field in fields}


def _every_post(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


@pytest.mark.parametrize("who", ["anonymous", "manager", "staff"])
def test_text_fields_sent_as_files_are_refused_on_every_post(app, client, make, login, who):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    staff, manager, objects = _own_world(make)
    walked = []
    for index, rule in enumerate(_every_post(app)):
        if who != "anonymous":
            login(manager if who == "manager" else staff)
        path = (_fill(rule, objects) if rule.arguments else rule.rule) or re.sub(r"<[^>]+>", "x", rule.rule)
        fields = FIELDS[index % 3 :: 3] + ["email", "password"]
        response = client.post(path, data=_as_files(fields), content_type="multipart/form-data")
        walked.append((path, response.status_code))
        assert response.status_code in (400, 404, 422), (
            path,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
    assert len(walked) >= 25 and any(path == "/portal/login" for path, _ in walked)


def test_anonymous_sign_in_with_file_parts_is_a_clear_400(client):
    for side in ("portal", "vendor"):
        data = {"email": (io.BytesIO(b"lm@customer.test"), "email.txt"), "password": "x" * 12}
        response = client.post(f"/{side}/login", data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert "send its fields as text" in response.get_data(as_text=True)
        data = {"email": "lm@customer.test", "password": (io.BytesIO(b"secret"), "")}
        assert client.post(f"/{side}/login", data=data, content_type="multipart/form-data").status_code == 400


@pytest.mark.parametrize("path", ["/portal/login", "/vendor/login", "/portal/password/forgot"])
def test_anonymous_forms_with_junk_never_answer_500(app, client, path):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    for data in JUNK:
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, data, response.status_code)
    assert client.get(path, query_string=f"next={2**64}&q=%ff%fe").status_code < 500


def test_request_size_limits_answer_413_with_the_error_page(app, client):
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, MAX_FORM_MEMORY_SIZE=16 * 1024, MAX_FORM_PARTS=50)
    too_big = {"email": "a@b.test", "password": "x" * (100 * 1024)}
    cases = [
        (too_big, None),  # the whole body
        (too_big, "multipart/form-data"),
        ({"email": "a@b.test", "password": "x" * (20 * 1024)}, "multipart/form-data"),  # one field in memory
        ({f"field{i}": "x" for i in range(60)}, "multipart/form-data"),  # too many parts
    ]
    for data, content_type in cases:
        for path in ("/portal/login", "/vendor/login", "/portal/password/forgot"):
            response = client.post(path, data=data, content_type=content_type)
            assert response.status_code == 413, (path, content_type, len(data))
            assert "Too large" in response.get_data(as_text=True)
    hx = client.post("/portal/login", data=too_big, headers={"HX-Request": "true"})
    assert hx.status_code == 413 and hx.headers["HX-Retarget"] == "#flash"


def test_the_size_limits_are_on_by_default(app):
    assert app.config["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024
    assert app.config["MAX_FORM_MEMORY_SIZE"] <= app.config["MAX_CONTENT_LENGTH"]
    assert app.config["MAX_FORM_PARTS"] <= 1000


# Raw bytes that are not UTF-8, as gunicorn hands them on (WSGI keeps them as latin-1 text).
RAW_QUERIES = ["q=\xff", "next=/\xfe\xff", "page=%ff\xc3", "\xc3(=1&sort=\x80", "status=\xed\xa0\x80"]


@pytest.mark.parametrize("who", ["anonymous", "manager", "staff"])
def test_raw_non_utf8_bytes_in_the_query_of_every_route_never_answer_500(app, client, make, login, who):
    app.config["PROPAGATE_TEST_ERRORS"] = False
    staff, manager, objects = _own_world(make)
    walked = []
    for index, rule in enumerate(app.url_map.iter_rules()):
        if who != "anonymous":
            login(manager if who == "manager" else staff)
        path = (_fill(rule, objects) if rule.arguments else rule.rule) or re.sub(r"<[^>]+>", "1", rule.rule)
        path = path.replace("<filename>", "css/app.css").replace("<path:filename>", "css/app.css")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            query = RAW_QUERIES[index % len(RAW_QUERIES)]
            response = client.open(path, method=method, environ_overrides={"QUERY_STRING": query})
            response.get_data()
            walked.append((method, path, response.status_code))
            assert response.status_code < 500, (method, path, query, response.get_data(as_text=True)[:300])
    assert len(walked) >= 40
    page = client.get("/portal/login", environ_overrides={"QUERY_STRING": "q=\xff"})
    assert page.status_code == 400 and "not UTF-8" in page.get_data(as_text=True)
