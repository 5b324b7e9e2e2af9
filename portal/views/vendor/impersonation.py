"""Vendor staff: view the End User Portal as one of the account's license managers, read-only.

Every staff role may (owner, admin and support): it changes nothing but the audit log, and
seeing what the customer sees is what support is for. Starting keeps the staff member's own
session and names the manager in it; the portal then loads as that manager and refuses every
write (``portal.access.refuse_writes_while_viewing_as``). Ending it, from the banner on every
portal page, returns to the manager's page on the vendor platform.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, session, url_for

from portal.access import actor, end_view_as
from portal.extensions import db
from portal.htmx import render
from portal.identity import VIEW_AS
from portal.services import impersonation
from portal.services.license_managers import queries

bp = Blueprint("impersonation", __name__)


@bp.route("/license-managers/<int:manager_id>/view-as", methods=["GET", "POST"])
def start(manager_id: int) -> Response:
    """Start viewing the End User Portal as this manager (GET: ask first)."""
    manager = queries.manager(manager_id) or abort(404)
    if request.method == "GET":
        question = (
            "You see the End User Portal exactly as they do, read-only: every change is refused. "
            "Starting and ending are written to the audit log."
        )
        return render(
            "vendor/license_managers/confirm.html",
            "confirm",
            manager=manager,
            title=f"View the portal as {manager.license_user.email}?",
            question=question,
            button="View the portal",
            action=request.path,
            cancel_url=url_for("vendor.license_managers.detail", manager_id=manager.id),
        )
    if VIEW_AS in session:
        end_view_as(impersonation.EXIT)
    session[VIEW_AS] = impersonation.start(manager, actor=actor())
    db.session.commit()
    return redirect("/portal/", code=303)  # type: ignore[return-value]


@bp.post("/view-as/end")
def end() -> Response:
    """Stop viewing the portal as a manager; back to their page here."""
    manager_id = end_view_as(impersonation.EXIT)
    db.session.commit()
    if manager_id:
        flash("You stopped viewing the portal as the manager.", "success")
        return redirect(f"/vendor/license-managers/{manager_id}", code=303)  # type: ignore[return-value]
    return redirect("/vendor/license-managers", code=303)  # type: ignore[return-value]
