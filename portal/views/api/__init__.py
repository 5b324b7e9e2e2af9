"""The API (``/api/v1``): JSON for the vendor's software, its back office and managers' tokens.

One child blueprint per area, as on the two sides. Nothing here uses the session or CSRF:
each area authenticates its own way (a license key or user credentials for the License API,
an API key or a manager's token for the management API). Every error is JSON with a stable
``code`` and a human ``message`` (``portal.views.api.errors``), never an HTML page.
"""

from __future__ import annotations

from flask import Blueprint

from portal.extensions import csrf
from portal.views.api import errors, license

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
errors.register(bp)

# Each area module defines ``bp``; add new areas here.
AREAS: list[Blueprint] = [license.bp]
for _area in AREAS:
    csrf.exempt(_area)  # Flask-WTF exempts by the request's own blueprint name, not its parents'
    bp.register_blueprint(_area)
