from __future__ import annotations

import pytest

from tests.api.management.support import Api, make_key, make_token


@pytest.fixture
def world(app, make):
    """A vendor with a customer, two orders with licenses and devices, a key of each access and a manager's token."""
    w = make.world()
    vendor = w["vendor"]
    w["other_order"] = make.order(vendor, w["customer"])
    w["manager"] = make.manager(
        vendor,
        permissions=["create_order", "issue_license", "edit_license", "reset_license", "reset_device"],
        orders=[w["order"]],
        products=[w["key_product"]],
        policies=[w["key_policy"]],
        caps={w["key_product"].id: 3},
    )
    w["license"] = make.license(w["order"], w["key_policy"])
    w["device"] = make.device(w["license"])
    w["other_license"] = make.license(w["other_order"], w["key_policy"])
    w["other_device"] = make.device(w["other_license"])
    w["rw"] = Api(app.test_client(), make_key(app, vendor, "read_write"))
    w["ro"] = Api(app.test_client(), make_key(app, vendor, "read"))
    w["token"] = Api(app.test_client(), make_token(app, w["manager"]))
    return w
