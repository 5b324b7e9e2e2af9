"""The License API is rate limited per license key and per address: 429 JSON."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from portal.licensing_client import LicensingClient, LicensingError
from tests.auth.test_rate_limit import limited_app
from tests.factories import Factory


@pytest.fixture
def limited_server(app, database_url):
    limited = limited_app(database_url, LICENSE_API_LIMIT="3 per minute", LICENSE_API_IP_LIMIT="5 per minute")
    httpd = make_server("127.0.0.1", 0, limited, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield limited, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)
    with limited.app_context():
        db.engine.dispose()


def test_calls_per_license_and_per_address_are_limited(limited_server, public_key):
    limited, url = limited_server
    make = Factory(limited)
    w = make.world()
    keys = [make.license(w["order"], w["key_policy"], max_activations=10).license_key for _ in range(2)]

    def machine(key):
        return LicensingClient(
            url,
            account=w["vendor"].public_id,
            public_key=public_key(w["vendor"]),
            product=w["key_product"].code,
            license_key=key,
            hardware_id="hw-1",
        )

    first = machine(keys[0])
    for _ in range(3):
        first.activate()
    with pytest.raises(LicensingError) as info:
        first.check_in()
    assert (info.value.status, info.value.code) == (429, "rate_limited")
    second = machine(keys[1])
    second.activate()
    second.check_in()  # another license: its own budget, until the address's runs out
    with pytest.raises(LicensingError) as info:
        second.check_in()
    assert info.value.status == 429
