"""The vendor platform's front page."""

from __future__ import annotations

from flask import Blueprint, redirect

from portal.access import require_side
from portal.identity import STAFF

bp = Blueprint("vendor_home", __name__, url_prefix="/vendor")
require_side(bp, STAFF)


@bp.get("/")
def index():
    """Open the License Managers page, the heart of the vendor platform."""
    return redirect("/vendor/license-managers")
