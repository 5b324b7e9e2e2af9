"""A vendor's brand assets, public (the sign-in page shows them): its logo and its accent stylesheet.

Served from the portal itself under the vendor's own address, each with its own type, an
ETag, a short public cache and ``nosniff``. The colour reaches pages as CSS custom properties
in ``brand.css``, never as an inline style (the CSP forbids them).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, request

from portal.security import cacheable
from portal.services.branding import queries as branding

bp = Blueprint("brand", __name__, url_prefix="/portal/<slug>")
MAX_AGE = 300


def _answer(body: bytes, mimetype: str, etag: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.make_conditional(request)
    return response


@bp.get("/logo")
@cacheable
def logo(slug: str) -> Response:
    """Serve the vendor's logo with the type its bytes were checked to be."""
    found = branding.logo_of(slug)
    if found is None:
        abort(404)
    data, mimetype, sha = found
    return _answer(data, mimetype, sha)


@bp.get("/brand.css")
@cacheable
def stylesheet(slug: str) -> Response:
    """Serve the custom properties of the vendor's accent colour (empty when it has none)."""
    found = branding.by_slug(slug)
    if found is None:
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
