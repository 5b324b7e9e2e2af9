"""Vendor staff: webhooks (``/vendor/webhooks``): endpoints, their secrets and their delivery logs.

Owners and admins register, edit, rotate and redeliver; support staff read (the role check of
``/vendor`` refuses their writes). A secret is shown once, in the answer that made it.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for

from portal.access import actor
from portal.extensions import db
from portal.forms import submit
from portal.forms.webhooks import EndpointForm
from portal.htmx import redirect_to, render
from portal.lists import positive_id
from portal.models import WebhookEndpoint
from portal.services.webhooks import actions, queries
from portal.webhooks import EVENTS

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
T = "vendor/webhooks/"


def _load(endpoint_id: int) -> WebhookEndpoint:
    found = queries.endpoint(endpoint_id) if positive_id(endpoint_id) else None
    if found is None:
        abort(404)
    return found


@bp.get("")
def index() -> Response:
    """List the account's webhook endpoints."""
    return render(f"{T}index.html", endpoints=queries.endpoints(), events=EVENTS)


@bp.route("/new", methods=["GET", "POST"])
def new() -> Response:
    """Register an endpoint; the answer shows its secret, once."""
    form = EndpointForm()
    if not form.is_submitted():
        return render(f"{T}form.html", "form", form=form, endpoint=None)
    url, description, events = form.url.data or "", form.description.data or "", form.events.data or []
    made = submit(form, lambda: actions.create(url, description, events, actor=actor()))
    if made is None:
        return render(f"{T}form.html", "form", status=422, form=form, endpoint=None)
    db.session.commit()
    return render(f"{T}secret.html", status=201, endpoint=made[0], secret=made[1], new=True)


@bp.get("/<int:endpoint_id>")
def detail(endpoint_id: int) -> Response:
    """One endpoint: its settings and its deliveries, newest first, with their answers."""
    endpoint = _load(endpoint_id)
    page = queries.deliveries(endpoint, after=request.args.get("after"), before=request.args.get("before"))
    return render(f"{T}detail.html", "deliveries", endpoint=endpoint, page=page, events=EVENTS)


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
def edit(endpoint_id: int) -> Response:
    """Change an endpoint's URL, description, events, or pause it."""
    endpoint = _load(endpoint_id)
    form = EndpointForm(obj=endpoint)
    if not form.is_submitted():
        return render(f"{T}form.html", "form", form=form, endpoint=endpoint)
    url, description, events = form.url.data or "", form.description.data or "", form.events.data or []
    done = submit(
        form, lambda: actions.update(endpoint, url, description, events, bool(form.active.data), actor=actor())
    )
    if done is None:
        return render(f"{T}form.html", "form", status=422, form=form, endpoint=endpoint)
    db.session.commit()
    flash("Webhook endpoint saved.", "success")
    return redirect_to(url_for(".detail", endpoint_id=endpoint.id))


@bp.route("/<int:endpoint_id>/rotate-secret", methods=["GET", "POST"])
def rotate_secret(endpoint_id: int) -> Response:
    """Replace the endpoint's secret (GET asks first); the answer shows the new one, once."""
    endpoint = _load(endpoint_id)
    if request.method == "GET":
        return _confirm(endpoint, "Rotate the secret", "Rotate", "The old secret stops working at once: "
                        "deliveries from now on are signed with the new one.")  # fmt: skip
    secret = actions.rotate_secret(endpoint, actor=actor())
    db.session.commit()
    return render(f"{T}secret.html", endpoint=endpoint, secret=secret, new=False)


@bp.route("/<int:endpoint_id>/delete", methods=["GET", "POST"])
def delete(endpoint_id: int) -> Response:
    """Remove the endpoint and its delivery log (GET asks first)."""
    endpoint = _load(endpoint_id)
    if request.method == "GET":
        return _confirm(endpoint, "Delete the endpoint", "Delete", "Its delivery log goes with it.")
    actions.delete(endpoint, actor=actor())
    db.session.commit()
    flash("Webhook endpoint deleted.", "success")
    return redirect_to(url_for(".index"))


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(endpoint_id: int, delivery_id: int) -> Response:
    """Send one delivery again now."""
    endpoint = _load(endpoint_id)
    delivery = queries.delivery(endpoint, delivery_id) if positive_id(delivery_id) else None
    if delivery is None:
        abort(404)
    actions.redeliver(endpoint, delivery, actor=actor())
    db.session.commit()
    flash(f"Delivery #{delivery.id} queued again.", "success")
    return redirect_to(url_for(".detail", endpoint_id=endpoint.id))


def _confirm(endpoint: WebhookEndpoint, title: str, button: str, question: str) -> Response:
    return render(f"{T}confirm.html", endpoint=endpoint, title=title, button=button, question=question,
                  action=request.path, cancel_url=url_for(".detail", endpoint_id=endpoint.id))  # fmt: skip
