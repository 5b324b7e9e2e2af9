"""Blueprints, one per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.views import auth, end_user, home, vendor

    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(end_user.bp)
    for module in _area_modules():
        app.register_blueprint(module.bp)


def _area_modules() -> list:
    """The vendor platform's and the End User Portal's blueprints."""
    from portal.views import (
        portal_devices,
        portal_groups,
        portal_licenses,
        portal_users,
        vendor_manager_detail,
        vendor_managers,
    )

    return [
        vendor_manager_detail,
        vendor_managers,
        portal_licenses,
        portal_devices,
        portal_users,
        portal_groups,
    ]
