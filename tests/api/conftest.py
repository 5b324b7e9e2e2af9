"""The API tests drive a real server: the app served by werkzeug on 127.0.0.1 in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from portal import signing
from portal.extensions import db
from portal.licensing_client import LicensingClient
from portal.models import Product, VendorAccount
from portal.tenancy import all_tenants


@pytest.fixture
def server(app) -> Iterator[str]:
    """The base URL of the app served on a free loopback port (threaded, like a real server)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture
def public_key(app):
    """The vendor's published public key (as /vendor/settings shows it), made now if need be."""

    def _public_key(vendor) -> str:
        with app.app_context(), all_tenants(db.session):
            account = db.session.get(VendorAccount, vendor.id)
            key = signing.ensure_key(account)
            db.session.commit()
            return key

    return _public_key


@pytest.fixture
def device(server, public_key, make):
    """``device(license_, hardware_id="hw-1", **client_options)``: a LicensingClient for one machine."""

    def _device(license_, hardware_id: str = "hw-1", vendor=None, product=None, **options) -> LicensingClient:
        with make.app.app_context(), all_tenants(db.session):
            account = vendor or db.session.get(VendorAccount, license_.vendor_account_id)
            code = product or db.session.get(Product, license_.product_id).code
        if "email" not in options:
            options.setdefault("license_key", license_.license_key)
        return LicensingClient(
            server,
            account=account.public_id,
            public_key=public_key(account),
            product=code,
            hardware_id=hardware_id,
            hostname=f"host-{hardware_id}",
            **options,
        )

    return _device
