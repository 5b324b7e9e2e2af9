"""The vendor account's settings (``/vendor/settings``): what the vendor builds into its software."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from flask_login import current_user

from portal import signing
from portal.extensions import db
from portal.htmx import render

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("")
def index() -> Response:
    """Show the account's name, its public id for the SDK and its Ed25519 public key."""
    vendor = current_user.staff.vendor_account
    if not vendor.signing_public_key:
        signing.ensure_key(vendor)  # made on first use; accounts older than migration 0004 have theirs
        db.session.commit()
    return render(
        "vendor/settings/index.html",
        "content",
        vendor=vendor,
        public_key_pem=signing.public_key_pem(vendor),
        api_url=current_app.config["PORTAL_BASE_URL"] + "/api/v1/license",
    )
