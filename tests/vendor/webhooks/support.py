"""A webhook receiver on loopback (``http.server`` in a thread) that verifies what it gets."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.audit import Actor
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.services.webhooks import actions
from portal.tenancy import all_tenants, set_tenant
from portal.webhooks import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` requests, then 200 when the signature holds, else 401."""

    secret: str = ""
    fail_first: int = 0
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    def handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        ok = verify(self.secret, body, handler.headers.get("Portal-Signature", ""))
        self.requests.append(Received(dict(handler.headers.items()), body, ok))
        if len(self.requests) <= self.fail_first:
            status, text = 500, b"try later"
        else:
            status, text = (200, b"thanks") if ok else (401, b"bad signature")
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(text)))
        handler.end_headers()
        handler.wfile.write(text)


@contextlib.contextmanager
def receiver(**options) -> Iterator[Receiver]:
    spec = Receiver(**options)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            spec.handle(self)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    spec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield spec
    finally:
        server.shutdown()
        server.server_close()


def register(app, vendor, url: str, events=("device.reset",)) -> tuple[WebhookEndpoint, str]:
    """An endpoint of the vendor's, made by the service as staff would; returns it and its secret."""
    with app.app_context():
        set_tenant(db.session, vendor.id)
        endpoint, secret = actions.create(url, "test receiver", list(events), actor=Actor.system())
        db.session.commit()
        return endpoint, secret


def deliveries(app, endpoint_id: int | None = None) -> list[WebhookDelivery]:
    with app.app_context(), all_tenants(db.session):
        stmt = sa.select(WebhookDelivery).order_by(WebhookDelivery.id)
        if endpoint_id is not None:
            stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
        return list(db.session.scalars(stmt))
