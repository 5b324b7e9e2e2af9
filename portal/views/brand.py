"""A vendor's brand assets, public (the sign-in page shows them): its logo and its accent stylesheet.

Served from the portal itself under the vendor's own address, each with its own type, an
ETag, a short public cache and ``nosniff``. The colour reaches pages as CSS custom properties
in ``brand.css``, never as an inline style (the CSP forbids them).

One vendor's brand is never served on another vendor's portal: to a person signed in at another
vendor (a manager or staff), or to a page of another vendor's sign-in address (the ``Referer``,
which ``Referrer-Policy: same-origin`` sends), the assets of this one answer 404, as if it had none.
The answer depends on the cookie and the referring page: it varies by both, for any cache on the way.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from portal.models.branding import RESERVED_SLUGS
from portal.security import cacheable
from portal.services.branding import queries as branding

bp = Blueprint("brand", __name__, url_prefix="/portal/<slug>")
MAX_AGE = 300


def _elsewhere(slug: str, vendor_account_id: int) -> bool:
    """Whether the request comes from another vendor's portal: signed in there, or from its sign-in pages."""
    if current_user.is_authenticated and current_user.vendor_account_id != vendor_account_id:
        return True
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return False  # another site's page: Referrer-Policy sends none, so this is no portal page
    parts = referrer.path.split("/")
    # /portal/<slug>/…: a vendor's own address (the portal's own paths are reserved slugs).
    return len(parts) > 3 and parts[1] == "portal" and parts[2] not in RESERVED_SLUGS and parts[2] != slug


def _answer(body: bytes, mimetype: str, etag: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.update(("Cookie", "Referer"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.make_conditional(request)
    return response


@bp.get("/logo")
@cacheable
def logo(slug: str) -> Response:
    """Serve the vendor's logo with the type its bytes were checked to be."""
    found = branding.logo_of(slug)
    if found is None or _elsewhere(slug, found[0]):
        abort(404)
    _, data, mimetype, sha = found
    return _answer(data, mimetype, sha)


@bp.get("/brand.css")
@cacheable
def stylesheet(slug: str) -> Response:
    """Serve the custom properties of the vendor's accent colour (empty when it has none)."""
    found = branding.by_slug(slug)
    if found is None or _elsewhere(slug, found[0].vendor_account_id):
        abort(404)
    colour = found[0].accent_color
    css = (
        f":root {{ --accent: {colour}; --accent-text: #fff; "
        f"--accent-soft: color-mix(in srgb, {colour} 14%, var(--surface)); --chart-1: {colour}; }}\n"
        if colour
        else "/* this vendor uses the portal's own colours */\n"
    )
    body = css.encode()
    return _answer(body, "text/css", hashlib.sha256(body).hexdigest()[:32])
