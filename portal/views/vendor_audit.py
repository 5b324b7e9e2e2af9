"""The vendor account's audit log: who changed what, newest first, filtered and paged."""

from __future__ import annotations

from flask import Blueprint, Response, request

from portal.access import require_side
from portal.forms.audit import AuditFilterForm
from portal.htmx import render, retarget, wants_fragment
from portal.identity import STAFF
from portal.services import audit_log

bp = Blueprint("vendor_audit", __name__, url_prefix="/vendor/audit")
require_side(bp, STAFF)

TEMPLATE = "vendor/audit.html"


@bp.get("")
def index() -> Response:
    """List audit events filtered by actor, object and dates; htmx gets the results alone."""
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        # The messages sit at the filter fields, outside the results: swap the whole body.
        response = render(TEMPLATE, "audit_body", status=422, form=form, page=None, log=audit_log, args={})
        return retarget(response, "#audit-body", "outerHTML") if wants_fragment() else response
    page = audit_log.events_page(form.filters(), before=request.args.get("before"), after=request.args.get("after"))
    return render(TEMPLATE, "results", form=form, page=page, log=audit_log, args=form.query_args())
