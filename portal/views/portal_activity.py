"""End User Portal: what happened in the manager's organisation, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, request

from portal import access
from portal.access import require_side
from portal.htmx import render
from portal.identity import MANAGER
from portal.lists import page_number, paginate
from portal.models import AuditEvent

bp = Blueprint("portal_activity", __name__, url_prefix="/portal")
require_side(bp, MANAGER)

ACTION_LABELS = {
    "license.disabled": "Disabled a license",
    "license.enabled": "Enabled a license",
    "license.note_changed": "Edited a license's note",
    "license.reset": "Reset a license and all its devices",
    "license.user_assigned": "Assigned a license",
    "license.user_unassigned": "Unassigned a license",
    "device.reset": "Reset a device",
    "device.seat_released": "Released a floating seat",
    "device.revoked": "Blacklisted a device",
    "device.unrevoked": "Lifted a device's block",
    "device.borrowed": "Borrowed a floating seat",
    "license_user.created": "Added a license user",
    "license_user.password_set": "Set a license user's password",
    "user_group.created": "Created a user group",
    "user_group.renamed": "Renamed a user group",
    "user_group.member_added": "Added a group member",
    "user_group.member_removed": "Removed a group member",
    "order.created": "Created an order",
    "order.manager_added": "Added a manager to an order",
    "order.manager_removed": "Removed a manager from an order",
    "licenses.issued": "Issued licenses",
    "license_manager.created": "Added a license manager",
    "license_manager.permissions_updated": "Changed a manager's permissions",
    "license_manager.order_added": "Gave a manager an order",
    "license_manager.order_removed": "Took an order from a manager",
    "license_manager.removed_from_all_orders": "Took every order from a manager",
    "license_manager.disabled": "Disabled a license manager",
    "license_manager.enabled": "Enabled a license manager",
    "license_manager.invitation_resent": "Sent an invitation again",
    "staff.signed_in": "Signed in",
    "manager.signed_in": "Signed in",
    "manager.password_set": "Set their password",
    "manager.password_changed": "Changed their password",
}


def action_label(action: str) -> str:
    """A readable label for an audit action, also for actions other areas write."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    subject, _, verb = action.partition(".")
    words = f"{verb or subject} {subject if verb else ''}".replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _readable(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


def change_summary(event: AuditEvent) -> list[tuple[str, str | None, str | None]]:
    """The fields an event changed, as (field, before, after), for people to read."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    pairs = [(key.replace("_", " "), _readable(before.get(key)), _readable(after.get(key))) for key in keys]
    return [(key, old, new) for key, old, new in pairs if old != new]


@bp.get("/activity")
def index() -> Response:
    """List the audit events of the manager's organisation and of the manager, newest first."""
    me = access.manager()
    mine = sa.and_(AuditEvent.actor_type == MANAGER, AuditEvent.actor_id == me.id)
    scope = (
        mine
        if me.customer_account_id is None
        else sa.or_(AuditEvent.customer_account_id == me.customer_account_id, mine)
    )
    stmt = sa.select(AuditEvent).where(scope).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    page = paginate(stmt, page_number(request.args.get("page")))
    return render(
        "portal/activity.html", "results", page=page, action_label=action_label, change_summary=change_summary
    )
