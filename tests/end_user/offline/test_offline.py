"""Offline activation: the SDK writes a request file, a manager uploads it, the SDK verifies the answer."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from portal import licensing_client as sdk
from portal.models import Device, License, VendorAccount
from tests.end_user.licenses.support import field_error, get, rows, scene, snapshot


@pytest.fixture
def w(make, login):
    w = scene(make)
    w["license"] = make.license(w["order"], w["key_policy"], max_activations=2)
    login(w["manager"])
    return w


def _upload(client, license_id: int, document, kind: str = "activation", name: str = "request.json"):
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(
        f"/portal/licenses/{license_id}/offline-{kind}",
        data={"request_file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def _request(w, kind: str = "activation", hardware_id: str = "air-gapped-01") -> dict:
    lic = w["license"]
    return sdk.offline_request(
        kind,
        product=w["key_product"].code,
        license_key=lic.license_key,
        hardware_id=hardware_id,
        hostname="lab-01",
        os="Debian 13",
    )


def _public_key(app, vendor_id: int) -> str:
    vendor = get(app, VendorAccount, vendor_id)
    assert vendor.signing_public_key
    return vendor.signing_public_key


def test_round_trip_activates_and_the_sdk_verifies_the_answer(app, client, w):
    request = _request(w)
    response = _upload(client, w["license"].id, request)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    answer = sdk.verify_offline_response(response.get_json(), _public_key(app, w["vendor"].id), request)
    assert answer["device"]["hardware_id"] == "air-gapped-01" and answer["device"]["is_active"]
    devices = rows(app, sa.select(Device).where(Device.license_id == w["license"].id))
    assert [(d.hardware_id, d.hostname, d.is_active) for d in devices] == [("air-gapped-01", "lab-01", True)]
    assert get(app, License, w["license"].id).times_activated == 1


def test_deactivation_round_trip_frees_the_activation(app, client, w):
    _upload(client, w["license"].id, _request(w))
    request = _request(w, "deactivation")
    response = _upload(client, w["license"].id, request, "deactivation")
    assert response.status_code == 200
    answer = sdk.verify_offline_response(response.get_json(), _public_key(app, w["vendor"].id), request)
    assert answer["request"]["kind"] == "deactivation" and not answer["device"]["is_active"]
    (device,) = rows(app, sa.select(Device).where(Device.license_id == w["license"].id))
    assert not device.is_active
    assert get(app, License, w["license"].id).times_activated == 0


def test_a_tampered_or_foreign_answer_fails_verification(app, client, w):
    request = _request(w)
    document = _upload(client, w["license"].id, request).get_json()
    key = _public_key(app, w["vendor"].id)
    tampered = json.loads(json.dumps(document))
    tampered["payload"]["license"]["max_activations"] = 1000
    with pytest.raises(sdk.LicensingError):
        sdk.verify_offline_response(tampered, key, request)
    with pytest.raises(sdk.LicensingError):  # an answer to another request (replayed on another machine)
        sdk.verify_offline_response(document, key, _request(w, hardware_id="other-machine"))


def test_the_activation_rules_apply(app, client, w):
    for n in range(2):
        assert _upload(client, w["license"].id, _request(w, hardware_id=f"m-{n}")).status_code == 200
    before = snapshot(app)
    response = _upload(client, w["license"].id, _request(w, hardware_id="m-3"))
    assert response.status_code == 409
    assert snapshot(app) == before


def test_another_customers_license_is_404(app, client, make, w):
    other = make.world()
    foreign = make.license(other["order"], other["key_policy"])
    assert client.get(f"/portal/licenses/{foreign.id}/offline-activation").status_code == 404
    assert _upload(client, foreign.id, _request(w)).status_code == 404
    assert _upload(client, foreign.id, _request(w, "deactivation"), "deactivation").status_code == 404


def test_the_permission_gates_each_page(client, make, login, w):
    limited = make.manager(w["vendor"], permissions=[], account=w["account"], orders=[w["order"]])
    login(limited)
    assert client.get(f"/portal/licenses/{w['license'].id}/offline-activation").status_code == 403
    assert client.get(f"/portal/licenses/{w['license'].id}/offline-deactivation").status_code == 403


@pytest.mark.parametrize(
    "raw, name, message",
    [
        (b"{not json", "request.json", "not JSON"),
        (b"[1, 2]", "request.json", "no JSON object"),
        (b"\xff\xfe\x00", "request.json", "not JSON"),
        (b"{}", "request.exe", ".json or .req"),
        (b" " * (17 * 1024), "request.json", "at most 16 KB"),
        (json.dumps({"format": "license-portal/offline-activation-request", "version": 1}).encode(), "r.json", "nonce"),
    ],
)
def test_bad_files_are_422_at_the_field(app, client, w, raw, name, message):
    before = snapshot(app)
    response = _upload(client, w["license"].id, raw, name=name)
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), "request_file")
    assert snapshot(app) == before


def test_a_request_for_another_license_or_kind_is_422(app, client, make, w):
    other = make.license(w["order"], w["key_policy"])
    request = _request(w)
    response = _upload(client, other.id, request)
    assert response.status_code == 422
    assert "another license key" in field_error(response.get_data(as_text=True), "request_file")
    response = _upload(client, w["license"].id, request, "deactivation")
    assert "offline activation request" in field_error(response.get_data(as_text=True), "request_file")


def test_no_file_is_422(client, w):
    response = client.post(f"/portal/licenses/{w['license'].id}/offline-activation", data={})
    assert response.status_code == 422


def test_the_license_page_links_to_both(client, w):
    html = client.get(f"/portal/licenses/{w['license'].id}").get_data(as_text=True)
    assert f"/portal/licenses/{w['license'].id}/offline-activation" in html
    assert f"/portal/licenses/{w['license'].id}/offline-deactivation" in html
