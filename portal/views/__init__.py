"""Blueprints: the front door, sign-in, and one parent per side (vendor, end_user) and the API."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.views import api, auth, brand, calendar, end_user, home, language, vendor

    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(brand.bp)
    app.register_blueprint(language.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(end_user.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(api.bp)
