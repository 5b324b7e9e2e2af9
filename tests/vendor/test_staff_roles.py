"""Staff roles (issue 8, finding 10): owner, admin, support, checked once for every /vendor URL.

The walks read the app's URL map, so a vendor route added later (whatever its module or
blueprint) is walked too: support may open every page and change nothing, admin may change
everything but what is owner-only, owner everything.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Blueprint, Response, redirect, render_template_string
from flask_login import current_user
from flask_migrate import downgrade, upgrade

from portal import access, audit, create_app
from portal.extensions import db
from portal.identity import STAFF
from portal.models import AuditEvent, DefaultPermissionSet, LicenseManager, OrderManager, StaffUser
from portal.tenancy import all_tenants
from tests.conftest import BASE_CONFIG, HX
from tests.test_migrations import blank_url  # noqa: F401  (the blank database fixture)

READ = {"GET"}
SIGN_IN_PATHS = {"/vendor/login", "/vendor/logout"}
SEGMENT_KIND = {"license-managers": "manager", "orders": "order"}
TEST_ROUTE = "/vendor/test-owner-only"


@pytest.fixture
def owner_only_route(app):
    """A write only an owner may make (no real one exists yet): it renames the signed-in staff member."""
    bp = Blueprint("vendor_test_owner_only", __name__, url_prefix=TEST_ROUTE)
    access.require_side(bp, STAFF)

    @bp.route("", methods=["GET", "POST"])
    @access.owner_only
    def rename() -> Response:
        from flask import request

        if request.method == "POST":
            staff = db.session.get(StaffUser, current_user.staff.id)
            staff.name = "Renamed"
            audit.record("staff.renamed", staff, actor=access.actor())
            db.session.commit()
        return redirect("/vendor/", 303)  # type: ignore[return-value]

    app.register_blueprint(bp)
    return TEST_ROUTE


def _world(make):
    w = make.world()
    vendor = w["vendor"]
    manager = make.manager(vendor, account=w["account"], orders=[w["order"]])
    staff = {role: make.staff(vendor, role=role) for role in ("owner", "admin", "support")}
    return w, manager, staff


def _vendor_rules(app):
    for rule in app.url_map.iter_rules():
        # Viewing the portal as a manager is for every role; tests/vendor/test_impersonation.py covers it.
        if rule.endpoint in access.VIEW_AS_ENDPOINTS or rule.endpoint in access.ANY_ROLE_ENDPOINTS:
            continue
        if (rule.rule == "/vendor" or rule.rule.startswith("/vendor/")) and rule.rule not in SIGN_IN_PATHS:
            # A person's own account (password, second factor, sessions) is theirs whatever the role:
            # tests/vendor/account/ checks support changes it.
            if rule.endpoint not in access.ANY_ROLE_ENDPOINTS:
                yield rule


def _path(rule, objects) -> tuple[str, bool]:
    """The rule's URL with its ids from `objects` (an unknown kind gets 1); and whether every id was known."""
    path, known = rule.rule, True
    for argument in rule.arguments:
        match = re.search(r"/([a-z-]+)/<(?:int:)?" + argument + ">", rule.rule)
        kind = SEGMENT_KIND.get(match.group(1)) if match else None
        known = known and kind in objects
        value = objects[kind].id if kind in objects else 1
        path = re.sub(r"<(?:int:)?" + argument + ">", str(value), path)
    return path, known


def _walk(app, client, objects):
    """Every method of every /vendor rule: (method, path, all ids known, endpoint, response)."""
    walked = []
    for rule in sorted(_vendor_rules(app), key=lambda r: r.rule):
        path, known = _path(rule, objects)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            walked.append((method, path, known, rule.endpoint, client.open(path, method=method)))
    return walked


def _snapshot(app, manager_id: int) -> dict:
    """What the vendor writes would change: the audit log, the manager, their orders, the default set."""
    with app.app_context(), all_tenants(db.session):
        manager = db.session.get(LicenseManager, manager_id)
        return {
            "audit events": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
            "manager": (manager.status, manager.permissions, manager.session_version),
            "orders": sorted(
                db.session.scalars(sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager_id))
            ),
            "default set": db.session.scalars(sa.select(DefaultPermissionSet.permissions)).all(),
            "staff": sorted(db.session.execute(sa.select(StaffUser.id, StaffUser.name, StaffUser.role)).tuples()),
        }


def test_support_opens_every_vendor_page_and_changes_nothing(app, client, make, login, owner_only_route):
    w, manager, staff = _world(make)
    login(staff["support"])
    before = _snapshot(app, manager.id)
    walked = _walk(app, client, {"manager": manager, "order": w["order"]})
    writes = [x for x in walked if x[0] not in READ]
    reads = [x for x in walked if x[0] in READ]
    assert len(writes) >= 10 and len(reads) >= 10, [x[:2] for x in walked]
    # An id this walk cannot fill (1) names nothing of the account: scope comes first, so 404.
    wrong_writes = [
        (m, p, r.status_code)
        for m, p, known, _, r in writes
        if r.status_code != (403 if known else 404) and r.status_code != 403
    ]
    assert wrong_writes == []
    writes = [x for x in writes if x[4].status_code == 403]
    vendor = w["vendor"].name
    messages = {
        f"Your role (support) is read-only: ask {who} of {vendor} to make this change."
        for who in ("an owner", "an owner or admin")
    }
    unexplained = [(m, p) for m, p, *_, r in writes if not any(x in r.get_data(as_text=True) for x in messages)]
    assert unexplained == []
    wrong_reads = [
        (m, p, r.status_code) for m, p, known, _, r in reads if not (200 <= r.status_code < 400 if known else 1)
    ]
    assert wrong_reads == []
    assert [(m, p) for m, p, _, _, r in reads if r.status_code in (403, 500)] == []
    assert _snapshot(app, manager.id) == before


def test_support_refused_over_htmx_in_the_flash_area(app, client, make, login):
    w, manager, staff = _world(make)
    login(staff["support"])
    before = _snapshot(app, manager.id)
    response = client.post(f"/vendor/license-managers/{manager.id}/disable", headers=HX)
    assert response.status_code == 403
    assert "is read-only" in response.get_data(as_text=True)
    assert response.headers.get("HX-Retarget") == "#flash"
    assert _snapshot(app, manager.id) == before


def test_support_writing_to_another_vendors_ids_gets_404_scope_before_role(app, client, make, login):
    w, manager, staff = _world(make)
    other = make.world()
    foreign = make.manager(other["vendor"], account=other["account"], orders=[other["order"]])
    login(staff["support"])
    before = _snapshot(app, manager.id)
    mine = client.post(f"/vendor/license-managers/{manager.id}/enable")
    assert mine.status_code == 403
    assert "is read-only" in mine.get_data(as_text=True)
    for path in (
        f"/vendor/license-managers/{foreign.id}/enable",
        f"/vendor/license-managers/{foreign.id}/disable",
        f"/vendor/license-managers/{foreign.id}/permissions",
        f"/vendor/license-managers/{foreign.id}/orders/{other['order'].id}/remove",
        f"/vendor/license-managers/{manager.id}/orders/{other['order'].id}/remove",  # their order, my manager
        "/vendor/license-managers/999999/enable",
        f"/vendor/license-managers/{2**31}/enable",
        f"/vendor/license-managers/{2**64}/enable",
    ):
        theirs = client.post(path)
        assert theirs.status_code == 404, path
        assert "read-only" not in theirs.get_data(as_text=True)
    assert client.post(f"/vendor/license-managers/{foreign.id}/enable", headers=HX).status_code == 404
    assert client.post(f"/vendor/license-managers/{manager.id}/orders/{w['order'].id}/remove").status_code == 403
    assert _snapshot(app, manager.id) == before


def test_admin_gets_404_for_another_vendors_ids_as_before(app, client, make, login):
    _, manager, staff = _world(make)
    foreign = make.manager(make.vendor())
    login(staff["admin"])
    assert client.post(f"/vendor/license-managers/{foreign.id}/enable").status_code == 404
    assert client.post(f"/vendor/license-managers/{manager.id}/disable").status_code in (200, 303)


def test_every_vendor_id_argument_is_scope_checked_before_the_role(app):
    arguments = {a for rule in _vendor_rules(app) for a in rule.arguments}
    assert arguments <= set(access.SCOPED_ARGUMENTS), arguments - set(access.SCOPED_ARGUMENTS)


def test_admin_makes_every_write_but_the_owner_only_ones(app, client, make, login, owner_only_route):
    w, manager, staff = _world(make)
    login(staff["admin"])
    walked = _walk(app, client, {"manager": manager, "order": w["order"]})
    writes = [x for x in walked if x[0] not in READ]
    owner_only = {e for _, _, _, e, _ in writes if access.role_needed(e, "POST") == "owner"}
    assert owner_only >= {"vendor_test_owner_only.rename"}
    refused = sorted(p for m, p, _, e, r in writes if r.status_code == 403)
    # Exactly the owner-only writes are refused (the test route, the API keys page's writes).
    assert TEST_ROUTE in refused
    # (an id the walk cannot fill names nothing of the account: 404 before the role is looked at)
    owner_writes = [(p, known, r.status_code) for m, p, known, e, r in writes if access.role_needed(e, m) == "owner"]
    assert refused == sorted(p for p, known, _ in owner_writes if known)
    assert all(status == 404 for _, known, status in owner_writes if not known)
    assert [(m, p, r.status_code) for m, p, _, _, r in walked if r.status_code >= 500] == []


def test_admin_write_goes_through_and_is_audited(app, client, make, login):
    _, manager, staff = _world(make)
    login(staff["admin"])
    before = _snapshot(app, manager.id)
    response = client.post(f"/vendor/license-managers/{manager.id}/disable")
    assert response.status_code in (200, 303)
    after = _snapshot(app, manager.id)
    assert after["manager"][0] == "disabled"
    assert after["audit events"] == before["audit events"] + 1


def test_owner_only_view_refuses_admin_and_support_and_lets_the_owner(app, client, make, login, owner_only_route):
    w, manager, staff = _world(make)
    before = _snapshot(app, manager.id)
    for role, message in (
        ("admin", f"Your role (admin) cannot do this: ask an owner of {w['vendor'].name} to make this change."),
        ("support", f"Your role (support) is read-only: ask an owner of {w['vendor'].name} to make this change."),
    ):
        login(staff[role])
        assert client.get(owner_only_route).status_code == 303  # reading stays open
        response = client.post(owner_only_route)
        assert response.status_code == 403, role
        assert message in response.get_data(as_text=True)
    assert _snapshot(app, manager.id) == before
    login(staff["owner"])
    assert client.post(owner_only_route).status_code == 303
    after = _snapshot(app, manager.id)
    assert after["audit events"] == before["audit events"] + 1
    assert (staff["owner"].id, "Renamed", "owner") in after["staff"]


def test_an_endpoint_listed_in_the_policy_is_owner_only(app, client, make, login, monkeypatch):
    _, manager, staff = _world(make)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/vendor/license-managers/default-permissions")
    monkeypatch.setattr(access, "OWNER_ONLY_ENDPOINTS", {rule.endpoint})
    before = _snapshot(app, manager.id)
    login(staff["admin"])
    assert client.get(rule.rule).status_code == 200
    assert client.post(rule.rule, data={"permissions": ["issue_license"]}).status_code == 403
    assert _snapshot(app, manager.id) == before
    login(staff["owner"])
    assert client.post(rule.rule, data={"permissions": ["issue_license"]}).status_code in (200, 303)
    assert _snapshot(app, manager.id)["default set"] != before["default set"]


def test_every_role_signs_out_and_anonymous_still_goes_to_sign_in(app, client, make, login):
    _, manager, staff = _world(make)
    assert client.post(f"/vendor/license-managers/{manager.id}/disable").status_code == 302
    login(staff["support"])
    assert client.post("/vendor/logout").status_code in (302, 303)
    assert client.get("/vendor/license-managers").status_code == 302


def test_staff_can_hides_what_the_role_may_not_do(app, make, login):
    _, _, staff = _world(make)
    template = " ".join(f"{{{{ staff_can('{what}') }}}}" for what in ("view", "write", "manage_staff", "admin"))
    expected = {
        "owner": "True True True True",
        "admin": "True True False True",
        "support": "True False False False",
    }
    for role, answer in expected.items():
        client = app.test_client()
        login(staff[role], on=client)
        with client:
            client.get("/vendor/license-managers")
            assert render_template_string(template) == answer, role
    with app.test_request_context():
        assert render_template_string("{{ staff_can('write') }}") == "False"
        with pytest.raises(ValueError):
            access.staff_can("wirte")


def test_every_role_has_a_rank():
    from portal.models.account import STAFF_ROLES

    assert set(access.ROLE_RANK) == set(STAFF_ROLES)
    assert set(access.STAFF_ACTIONS.values()) <= set(STAFF_ROLES)


def _role(app, email):
    with app.app_context(), all_tenants(db.session):
        return db.session.scalar(sa.select(StaffUser.role).where(StaffUser.email == email))


def test_create_staff_role(app):
    runner = app.test_cli_runner()
    pw = "a long password\na long password\n"
    first = runner.invoke(args=["create-staff", "first@new.test", "--account", "New Vendor"], input=pw)
    assert first.exit_code == 0, first.output
    assert "as owner" in first.output
    second = runner.invoke(args=["create-staff", "second@new.test", "--account", "New Vendor"], input=pw)
    assert second.exit_code == 0, second.output
    third = runner.invoke(
        args=["create-staff", "third@new.test", "--account", "New Vendor", "--role", "support"], input=pw
    )
    assert third.exit_code == 0, third.output
    fourth = runner.invoke(
        args=["create-staff", "fourth@other.test", "--account", "Other Vendor", "--role", "admin"], input=pw
    )
    assert fourth.exit_code == 0, fourth.output
    wrong = runner.invoke(args=["create-staff", "x@new.test", "--account", "New Vendor", "--role", "boss"], input=pw)
    assert wrong.exit_code != 0
    assert [_role(app, e) for e in ("first@new.test", "second@new.test", "third@new.test", "fourth@other.test")] == [
        "owner",
        "admin",
        "support",
        "admin",
    ]
    assert _role(app, "x@new.test") is None


def test_migration_makes_existing_staff_owners_and_checks_the_role(blank_url):  # noqa: F811
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": blank_url})
    with app.app_context():
        upgrade(revision="0002_last_login_sort_index")
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO vendor_account (name, created_at) VALUES ('V', '2026-01-01')"))
            connection.execute(
                sa.text(
                    "INSERT INTO staff_user (email, name, password_hash, session_version, is_active, created_at,"
                    " vendor_account_id) SELECT 'old@v.test', '', 'x', 1, true, '2026-01-01', id FROM vendor_account"
                )
            )
        upgrade()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("staff_user")}
        assert "role" in columns
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT role FROM staff_user")).scalars().all() == ["owner"]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE staff_user SET role = 'boss'"))
        downgrade(revision="0002_last_login_sort_index")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("staff_user")}
        assert "role" not in columns
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT email FROM staff_user")).scalars().all() == ["old@v.test"]
        upgrade()
        downgrade(revision="base")
        db.engine.dispose()


def test_demo_staff_roles_and_sign_ins(app, client):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    roles = {
        "admin@acme.test": "owner",
        "admin@initech.test": "owner",
        "staffadmin@acme.test": "admin",
        "support@acme.test": "support",
    }
    assert {email: _role(app, email) for email in roles} == roles
    for email in roles:
        assert email in result.output
        response = client.post("/vendor/login", data={"email": email, "password": "demo-password"})
        assert response.status_code == 303, email
        assert response.headers["Location"].endswith("/vendor/")
        assert client.post("/vendor/logout").status_code in (302, 303)
