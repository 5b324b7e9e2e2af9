"""Rendering End User Portal pages (orders, dashboard, reports) for full loads and htmx."""

from __future__ import annotations

from flask import Response, request

from portal.htmx import render, wants_fragment


def render_page(template: str, region: str, status: int = 200, **context) -> Response:
    """Render a page whole, or its region for an htmx swap."""
    return render(template, region, status=status, **context)


def page_number() -> int:
    return request.args.get("page", 1, type=int) or 1
