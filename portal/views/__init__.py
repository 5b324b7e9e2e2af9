"""Blueprints, one per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.views import auth, home

    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    for module in _area_modules():
        app.register_blueprint(module.bp)


def _area_modules() -> list:
    """The vendor platform's and the End User Portal's blueprints."""
    from portal.views import portal_account, portal_home, vendor_home

    from portal.views import portal_orders, portal_reports  # noqa: I001  (portalorders: orders, issuing, reports)
    from portal.views import vendor_managers  # noqa: I001  (vendorlist: overview, CSV, invite, default set)
    from portal.views import portal_activity, portal_devices, portal_groups, portal_licenses, portal_users  # noqa: I001,E501  (portallicenses)
    from portal.views import vendor_audit, vendor_manager_detail  # noqa: I001  (vendordetail: detail, tabs, audit)

    return [vendor_manager_detail, vendor_audit, vendor_home, portal_home, portal_account, portal_orders,
            portal_reports, vendor_managers,
            portal_licenses, portal_devices, portal_users, portal_groups, portal_activity]
