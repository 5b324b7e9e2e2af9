"""Webhooks: ``emit`` an event to the vendor's endpoints; a job delivers it, signed, with retries.

``emit(event, payload, vendor_account_id=…)`` writes one ``WebhookDelivery`` per active endpoint
of that vendor subscribed to the event, in the caller's transaction, and enqueues each
delivery's job after the commit (a rolled-back change calls no one).

A delivery is a POST of ``{"id", "event", "created_at", "data"}`` as JSON with the headers
``Portal-Event``, ``Portal-Delivery`` (the delivery's id: the same on every retry, so receivers
can drop duplicates) and ``Portal-Signature: t=<unix time>,v1=<hex>``, where ``<hex>`` is
HMAC-SHA256 over ``"<t>.<raw body>"`` keyed with the endpoint's secret. A receiver recomputes
it over the raw body it got, compares in constant time (``hmac.compare_digest``) and rejects a
``t`` more than five minutes from its own clock (a replayed request); ``verify`` here does
exactly that. A 2xx answer within 10 seconds is delivered; anything else is retried after 1
minute, 5, 30, 2 hours and 8 hours, then the delivery is dead (the endpoint's page shows every
attempt's answer and a Redeliver button).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint, utcnow

log = logging.getLogger("portal.webhooks")

EVENTS = {
    "license.activated": "License activated",
    "license.deactivated": "License deactivated",
    "device.reset": "Device reset",
    "device.revoked": "Device revoked",
    "seat.assigned": "Seat assigned",
    "seat.unassigned": "Seat unassigned",
    "license_manager.invited": "License manager invited",
    "license_manager.disabled": "License manager disabled",
    "order.created": "Order created",
    "licenses.issued": "Licenses issued",
}
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=8))  # fmt: skip
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10
TOLERANCE_SECONDS = 300
BODY_EXCERPT = 500


def emit(event: str, payload: dict[str, Any], *, vendor_account_id: int) -> list[WebhookDelivery]:
    """Write a delivery per subscribed active endpoint of the vendor; each is sent after the commit."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = db.session.scalars(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.vendor_account_id == vendor_account_id, WebhookEndpoint.active)
    ).all()
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            vendor_account_id=vendor_account_id,
            event=event,
            payload=payload,
            next_attempt_at=utcnow(),
        )
        for endpoint in endpoints
        if event in (endpoint.events or [])
    ]
    if deliveries:
        db.session.add_all(deliveries)
        db.session.flush()
    for delivery in deliveries:
        jobs.after_commit(db.session, deliver, vendor_account_id, delivery.id)
    return deliveries


def license_data(license_: Any) -> dict[str, Any]:
    """How an event names a license."""
    return {
        "id": license_.id,
        "license_key": license_.license_key,
        "order_id": license_.order_id,
        "product_id": license_.product_id,
        "status": license_.status,
    }


def device_data(device: Any) -> dict[str, Any]:
    """How an event names a device."""
    return {
        "id": device.id,
        "license_id": device.license_id,
        "hardware_id": device.hardware_id,
        "hostname": device.hostname,
    }


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Portal-Signature`` header's value for a body sent at a time."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """What a receiver does: the signature matches the raw body and the time is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def body_of(delivery: WebhookDelivery) -> bytes:
    document = {
        "id": delivery.id,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat() + "Z",
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (http(s) only, checked)
            return answer.status, answer.read(BODY_EXCERPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(BODY_EXCERPT).decode("utf-8", "replace")
    except (OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:BODY_EXCERPT]


def attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> bool:
    """Send the delivery once and note its answer; schedule the next try or give up."""
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LicensePortal-Webhooks/1",
        "Portal-Event": delivery.event,
        "Portal-Delivery": str(delivery.id),
        "Portal-Signature": sign(endpoint.secret, body, int(time.time())),
    }
    started = time.monotonic()
    code, text = _post(endpoint.url, body, headers)
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.response_code, delivery.response_body = code, text[:BODY_EXCERPT]
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.next_attempt_at = "delivered", None
        return True
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "dead", None
    else:
        delivery.status = "failed"
        delivery.next_attempt_at = utcnow() + BACKOFF[delivery.attempts - 1]
    return False


@jobs.task()
def deliver(vendor_account_id: int, delivery_id: int) -> str:
    """Deliver one webhook; a failure waits for its next try (``enqueue_due``)."""
    jobs.tenant(vendor_account_id)
    row = db.session.execute(
        sa.select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    if row is None:
        return "gone"
    delivery, endpoint = row
    if delivery.status in ("delivered", "dead") or not endpoint.active:
        return delivery.status
    attempt(delivery, endpoint)
    return delivery.status


CLAIM = dt.timedelta(minutes=10)


def enqueue_due(now: dt.datetime | None = None) -> int:
    """Enqueue every delivery whose next try is due (all vendors): the retries, and any lost enqueue.

    Each is claimed first by moving its next try ``CLAIM`` ahead (a conditional UPDATE), so a
    sweep running again before the job does, or on another host, does not send it twice.
    """
    now = now or utcnow()
    due = db.session.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.vendor_account_id, WebhookDelivery.next_attempt_at)
        .where(
            WebhookDelivery.status.in_(("pending", "failed")),
            WebhookDelivery.next_attempt_at <= now,
            # a new delivery's own job is on its way: leave it a while before counting it as lost
            sa.or_(WebhookDelivery.status == "failed", WebhookDelivery.created_at <= now - CLAIM),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(1000)
        .execution_options(all_tenants=True)
    ).all()
    claimed = 0
    for delivery_id, vendor_account_id, next_at in due:
        result = db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.next_attempt_at == next_at)
            .values(next_attempt_at=now + CLAIM)
            .execution_options(all_tenants=True, synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            jobs.after_commit(db.session, deliver, vendor_account_id, delivery_id)
            claimed += 1
    return claimed
