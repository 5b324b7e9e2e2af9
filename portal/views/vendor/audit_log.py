"""The vendor account's audit log (``/vendor/audit``): who changed what, newest first, filtered and paged."""

from __future__ import annotations

from flask import Blueprint, Response, request

from portal import audit
from portal.forms.audit_log import AuditFilterForm
from portal.htmx import render, retarget, wants_fragment
from portal.services.audit_log import queries

bp = Blueprint("audit_log", __name__, url_prefix="/audit")

TEMPLATE = "vendor/audit_log/index.html"


@bp.get("")
def index() -> Response:
    """List audit events filtered by actor, object and dates; htmx gets the results alone."""
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        # The messages sit at the filter fields, outside the results: swap the whole body.
        response = render(TEMPLATE, "audit_body", status=422, form=form, page=None, audit=audit, args={})
        return retarget(response, "#audit-body", "outerHTML") if wants_fragment() else response
    page = queries.events_page(form.filters(), after=request.args.get("after"), before=request.args.get("before"))
    return render(TEMPLATE, "results", form=form, page=page, audit=audit, args=form.query_args())
