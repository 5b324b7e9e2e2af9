"""Vendor staff: apply the default permission set to existing managers (``…/default-permissions/apply``).

GET previews who changes and how, for all managers (``scope=all``) or those the overview's
query matches (``scope=query`` with ``q``, ``status``, ``permission``, ``customer_account``);
its form posts the same selection back, and the POST applies the set to each manager on its
own (one audit event each) and reports what was applied and what was skipped, and why.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from portal.access import actor
from portal.extensions import db
from portal.htmx import render
from portal.services.license_managers import apply_default, overview

bp = Blueprint("license_manager_defaults", __name__)

TEMPLATE = "vendor/license_managers/apply_default.html"
FILTERS = ("q", "status", "permission", "customer_account")


def _selection() -> tuple[str, overview.OverviewQuery]:
    args = request.values
    scope = "query" if args.get("scope") == "query" else "all"
    query = overview.OverviewQuery.from_args({k: args.get(k, "") for k in FILTERS} if scope == "query" else {})
    return scope, query


@bp.route("/license-managers/default-permissions/apply", methods=["GET", "POST"])
def apply() -> Response:
    """Preview applying the default set to these managers (GET), then apply it to each (POST)."""
    scope, query = _selection()
    ids = apply_default.manager_ids(query)
    context: dict[str, Any] = dict(scope=scope, query=query, limit=apply_default.LIMIT, filters=query.params(page=1))
    if request.method == "GET":
        return render(TEMPLATE, "preview", preview=apply_default.preview(ids), **context)
    outcome = apply_default.apply(ids, actor=actor())
    db.session.commit()
    return render(TEMPLATE, "preview", outcome=outcome, **context)
