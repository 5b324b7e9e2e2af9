"""Apply the default set to existing managers: a preview of who changes and how, then one audited change each.

Also: a product allowed with none of its policies is refused at the field, naming the product.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import permissions as perms
from portal.extensions import db
from portal.models import LicenseManager, ManagerPolicy, ManagerProduct
from portal.tenancy import all_tenants
from tests.vendor.license_managers.support import BASE, event_count, events, read, staffed, text

URL = f"{BASE}/default-permissions/apply"
DEFAULT = f"{BASE}/default-permissions"


@pytest.fixture
def w(make, login, client):
    world = staffed(make, login, client)
    # The default: the factory permissions, the key product capped at 5 with its policy.
    response = client.post(
        DEFAULT,
        data={
            "permissions": list(perms.FACTORY_DEFAULT),
            "products": [world["key_product"].id],
            f"cap-{world['key_product'].id}": "5",
            "policies": [world["key_policy"].id],
        },
    )
    assert response.status_code == 200
    world["same"] = make.manager(
        world["vendor"],
        email="same@globex.test",
        permissions=list(perms.FACTORY_DEFAULT),
        products=[world["key_product"]],
        policies=[world["key_policy"]],
        caps={world["key_product"].id: 5},
    )
    world["bare"] = make.manager(world["vendor"], email="bare@globex.test", status="invited", password=None)
    return world


def _set(app, manager_id):
    def load():
        with all_tenants(db.session):
            m = db.session.get(LicenseManager, manager_id)
            caps = {
                r.product_id: r.cap for r in db.session.scalars(sa.select(ManagerProduct).filter_by(manager_id=m.id))
            }
            policies = sorted(db.session.scalars(sa.select(ManagerPolicy.policy_id).filter_by(manager_id=m.id)))
            return perms.to_codes(m.permissions), caps, policies

    return read(app, load)


def test_the_preview_lists_who_changes_and_how_and_writes_nothing(app, client, w):
    before = event_count(app)
    page = client.get(URL, query_string={"scope": "all"})
    body = text(page)
    assert page.status_code == 200
    assert "3 managers selected" in body and "2 would change" in body
    assert "bare@globex.test" in body and w["manager"].license_user.email in body
    assert "same@globex.test" not in body
    # The staffed manager has Issue license and Create order: gains four, and the key product's cap.
    row = body.split(w["manager"].license_user.email, 1)[1]
    assert "Reset license" in row and f"{w['key_product'].name}: no cap → cap 5" in row
    assert "Apply the default set to 2 managers" in body
    assert event_count(app) == before


def test_applying_changes_each_manager_with_its_own_audit_event(app, client, w):
    before = event_count(app)
    response = client.post(URL, data={"scope": "all"})
    assert response.status_code == 200 and "2 managers changed, 1 already had it, 0 skipped" in text(response)
    expected = (
        sorted(perms.FACTORY_DEFAULT, key=list(perms.BY_CODE).index),
        {w["key_product"].id: 5},
        [w["key_policy"].id],
    )
    for m in (w["manager"], w["bare"], w["same"]):
        assert _set(app, m.id) == expected
    changed = events(app, "license_manager.permissions_updated")
    assert sorted(e.object_label for e in changed) == sorted(["bare@globex.test", w["manager"].license_user.email])
    assert event_count(app) == before + 2


def test_by_the_overview_query_only_the_matching_managers(app, client, w):
    page = text(client.get(URL, query_string={"scope": "query", "status": "invited"}))
    assert "1 manager selected" in page and "bare@globex.test" in page
    assert w["manager"].license_user.email not in page
    response = client.post(URL, data={"scope": "query", "status": "invited"})
    assert "1 manager changed" in text(response)
    assert _set(app, w["manager"].id)[0] == ["create_order", "issue_license"]


def test_a_manager_whose_cap_cannot_be_lowered_is_skipped_with_the_reason(app, client, make, w):
    heavy = make.manager(
        w["vendor"], email="heavy@globex.test", products=[w["key_product"]], policies=[w["key_policy"]]
    )
    with app.app_context(), all_tenants(db.session):
        row = db.session.get(ManagerProduct, (heavy.id, w["key_product"].id))
        row.issued = 9
        db.session.commit()
    response = client.post(URL, data={"scope": "all"})
    body = text(response)
    assert response.status_code == 200 and "1 skipped" in body
    assert "heavy@globex.test" in body.split("Skipped", 1)[1] and "cannot be lower" in body
    assert _set(app, heavy.id)[1] == {w["key_product"].id: None}
    assert _set(app, w["bare"].id)[1] == {w["key_product"].id: 5}


def test_support_sees_the_preview_but_cannot_apply(app, client, make, login, w):
    from tests.vendor.license_managers.support import staff

    support = staff(make, w["vendor"])
    with app.app_context(), all_tenants(db.session):
        from portal.models import StaffUser

        db.session.get(StaffUser, support.id).role = "support"
        db.session.commit()
    login(support)
    page = client.get(URL)
    assert page.status_code == 200 and "Apply the default set to 2" not in text(page)
    assert client.post(URL, data={"scope": "all"}).status_code == 403


def test_a_product_allowed_with_no_policy_is_refused_at_the_field(app, client, w):
    m = w["manager"]
    response = client.post(
        f"{BASE}/{m.id}/permissions",
        data={
            "permissions": ["issue_license"],
            "products": [w["key_product"].id, w["user_product"].id],
            "policies": [w["key_policy"].id],
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="products-error"' in html and w["user_product"].name in html.split('id="products-error"', 1)[1][:300]
    assert _set(app, m.id)[1] == {w["key_product"].id: None}
    default = client.post(DEFAULT, data={"products": [w["user_product"].id]})
    assert default.status_code == 422 and "Allow at least one license policy" in text(default)
