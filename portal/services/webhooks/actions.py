"""Register and edit webhook endpoints, rotate their secrets, redeliver: each audited.

Only http(s) URLs with a host are accepted. The secret is made here and returned to the page
once; it stays stored for signing (``portal.webhooks``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from portal import audit, jobs, webhooks
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint, utcnow

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _checked(url: str, events: Sequence[str]) -> tuple[str, list[str]]:
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or len(url) > 2000:
        raise Invalid.at("url", "Enter an http:// or https:// URL with a host.")
    unknown = [e for e in events if e not in webhooks.EVENTS]
    if unknown or not events:
        raise Invalid.at("events", "Choose at least one of the listed events.")
    return url, sorted(set(events))


def _label(endpoint: WebhookEndpoint) -> str:
    return f"webhook {endpoint.url}"[:254]


def _record(
    action: str, endpoint: WebhookEndpoint, actor: Actor, before: dict | None = None, after: dict | None = None
) -> None:
    label = _label(endpoint)
    audit.record(
        action, endpoint, actor=actor, before=before, after=after, object_type="webhook_endpoint", object_label=label
    )


def _state(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "active": endpoint.active,
    }


def create(url: str, description: str, events: Sequence[str], *, actor: Actor) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown once)."""
    url, chosen = _checked(url, events)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, description=description.strip()[:200], events=chosen, secret=secret)
    db.session.add(endpoint)
    db.session.flush()
    _record("webhook_endpoint.created", endpoint, actor, after=_state(endpoint))
    return endpoint, secret


def update(
    endpoint: WebhookEndpoint, url: str, description: str, events: Sequence[str], active: bool, *, actor: Actor
) -> WebhookEndpoint:
    """Change an endpoint's URL, description, events or whether it is active."""
    url, chosen = _checked(url, events)
    before = _state(endpoint)
    endpoint.url, endpoint.description, endpoint.events, endpoint.active = (
        url,
        description.strip()[:200],
        chosen,
        active,
    )
    db.session.flush()
    _record("webhook_endpoint.updated", endpoint, actor, before=before, after=_state(endpoint))
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint, *, actor: Actor) -> str:
    """Replace the endpoint's secret at once; returns the new one (shown once)."""
    endpoint.secret = new_secret()
    db.session.flush()
    _record("webhook_endpoint.secret_rotated", endpoint, actor)
    return endpoint.secret


def delete(endpoint: WebhookEndpoint, *, actor: Actor) -> None:
    """Remove an endpoint and its delivery log."""
    _record("webhook_endpoint.deleted", endpoint, actor, before=_state(endpoint))
    db.session.delete(endpoint)
    db.session.flush()


def redeliver(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, actor: Actor) -> WebhookDelivery:
    """Send a delivery again now, whatever its state; a failure goes on with its backoff."""
    if not endpoint.active:
        raise Conflict("This endpoint is inactive: activate it before redelivering.", code="endpoint_inactive")
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    db.session.flush()
    jobs.after_commit(db.session, webhooks.deliver, endpoint.vendor_account_id, delivery.id)
    _record("webhook_endpoint.redelivered", endpoint, actor, after={"delivery": delivery.id, "event": delivery.event})
    return delivery
