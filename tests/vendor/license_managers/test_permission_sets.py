"""The one permission-set editor: the new-manager form, the default set and the Permissions tab
read the same fields, refuse with the same messages, and write through one service that runs
without a request and records the actor it is given."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import permissions as perms
from portal.audit import Actor
from portal.errors import Invalid
from portal.extensions import db
from portal.models import AuditEvent, LicenseManager, OutboxMail
from portal.services.license_managers import actions, permission_sets
from portal.services.license_managers.permission_sets import PermissionSet
from portal.tenancy import set_tenant
from tests.vendor.license_managers.support import BASE, field_error, read, staffed


@pytest.fixture
def w(make, login, client):
    return staffed(make, login, client)


def _editors(w) -> dict[str, dict]:
    """Each editor's URL and the fields it needs besides the permission set."""
    return {
        "new manager": {"url": f"{BASE}/new", "email": "fresh@globex.test"},
        "default set": {"url": f"{BASE}/default-permissions"},
        "permissions tab": {"url": f"{BASE}/{w['manager'].id}/permissions"},
    }


CASES = {
    "negative cap": ("-1", "A cap must be 0 or more."),
    "cap not a number": ("ten", "Enter a whole number, or leave it empty for no cap."),
    "cap too big": ("99999999999", "A cap must be at most 1,000,000."),
}


@pytest.mark.parametrize("editor", ["new manager", "default set", "permissions tab"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_editor_refuses_a_bad_cap_with_the_same_message_at_the_cap(app, client, w, editor, case):
    raw, message = CASES[case]
    fields = dict(_editors(w)[editor])
    url = fields.pop("url")
    key = w["key_product"].id
    data = {"permissions": ["issue_license"], "products": [str(key)], f"cap-{key}": raw, **fields}
    events = read(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)))
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert field_error(response, f"cap-{key}") == message
    assert read(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))) == events


@pytest.mark.parametrize("editor", ["new manager", "default set", "permissions tab"])
def test_every_editor_calls_a_product_id_that_is_not_a_number_unknown(client, w, editor):
    fields = dict(_editors(w)[editor])
    url = fields.pop("url")
    response = client.post(url, data={"permissions": ["issue_license"], "products": ["x1"], **fields})
    assert response.status_code == 422
    assert field_error(response, "products") == "Unknown product: x1."


def test_the_writer_runs_without_a_request_and_records_the_actor_given(app, w):
    actor = Actor.system(ip="10.0.0.9")
    key, policy = w["key_product"], w["key_policy"]
    chosen = PermissionSet.of(["issue_license", "reset_device"], {key.id: 3}, [policy.id])
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        manager, promoted = actions.create_manager(
            email="script@globex.test", permission_set=chosen, vendor_name="Acme Labs", actor=actor
        )
        assert permission_sets.save_default(chosen, actor=actor)
        db.session.commit()
        manager_id = manager.id
        assert not promoted
    made = read(app, lambda: db.session.get(LicenseManager, manager_id))
    assert perms.to_codes(made.permissions) == ["issue_license", "reset_device"]
    events = read(app, lambda: list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))))
    assert [(e.action, e.actor_type, e.ip) for e in events] == [
        ("license_manager.created", "system", "10.0.0.9"),
        ("default_permissions.updated", "system", "10.0.0.9"),
    ]
    # One audit shape for every permission set.
    assert events[0].after["products"] == events[1].after["products"] == [{"product": key.name, "cap": 3}]
    assert events[0].after["policies"] == events[1].after["policies"] == [policy.name]
    [mail] = read(
        app, lambda: list(db.session.scalars(sa.select(OutboxMail).where(OutboxMail.to == "script@globex.test")))
    )
    assert mail.subject == "Acme Labs invites you to manage your licenses"


def test_the_writer_refuses_a_cap_below_what_the_manager_issued(app, w):
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        manager = db.session.get(LicenseManager, w["manager"].id)
        key = w["key_product"].id
        db.session.execute(sa.text("UPDATE manager_product SET issued = 4 WHERE manager_id = :m"), {"m": manager.id})
        with pytest.raises(Invalid) as refused:
            permission_sets.save_for_manager(manager, PermissionSet.of([], {key: 3}, []), actor=Actor.system())
        assert refused.value.errors == {
            f"cap-{key}": [f"4 licenses of {w['key_product'].name} are already issued; the cap cannot be lower."]
        }
