"""Read webhook endpoints and their deliveries (the session's tenant scopes every statement)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.lists import Keyset, Page, keyset_page
from portal.models import WebhookDelivery, WebhookEndpoint

DELIVERIES_SHOWN = 25
ENDPOINTS_SHOWN = 100  # a vendor registers a handful

NEWEST_FIRST = Keyset("deliveries", (WebhookDelivery.id,), (int,), lambda d: (d.id,), descending=True)


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id).limit(ENDPOINTS_SHOWN)))


def endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.scalar(sa.select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))


def delivery(endpoint_: WebhookEndpoint, delivery_id: int) -> WebhookDelivery | None:
    return db.session.scalar(
        sa.select(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_.id)
    )


def deliveries(endpoint_: WebhookEndpoint, *, after: str | None = None, before: str | None = None) -> Page:
    """The endpoint's deliveries, newest first, in keyset pages."""
    stmt = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_.id)
    return keyset_page(stmt, NEWEST_FIRST, after=after, before=before, per_page=DELIVERIES_SHOWN)
