"""Rendering End User Portal pages (orders, dashboard, reports) for full loads and htmx."""

from __future__ import annotations

from flask import Response, get_flashed_messages, make_response, render_template, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from portal.htmx import render, wants_fragment


def render_page(template: str, region: str, status: int = 200, **context) -> Response:
    """Render a page: whole, its region for an htmx swap, or its content for a move into #main.

    A navigation into #main (HX-Location after a form) replaces the flash area too, so that
    answer carries the flash area itself (not out of band, which the swap would wipe) and the
    page's title.
    """
    if not (wants_fragment() and request.htmx.target == "main"):
        return render(template, region, status=status, **context)
    title = render_block(template, "title", **context) + " · End User Portal"
    flashes = render_template("_flash.html", messages=get_flashed_messages(with_categories=True))
    html = (Markup("<title>%s</title>") % Markup(title).striptags()
            + Markup('<div id="flash" class="flash-area" aria-live="polite">%s</div>') % Markup(flashes)
            + Markup(render_block(template, "content", **context)))
    response = make_response(str(html), status)
    response.vary.add("HX-Request")
    return response


def page_number() -> int:
    return request.args.get("page", 1, type=int) or 1
