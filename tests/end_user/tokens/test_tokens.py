"""A manager's API tokens page: create (shown once), use, revoke; another manager's token is 404."""

from __future__ import annotations

import re


def _secret(page) -> str:
    return re.search(r'id="api-token-secret">([^<]+)<', page.get_data(as_text=True)).group(1)


def test_a_manager_creates_uses_and_revokes_a_token(app, client, make, login):
    w = make.world()
    manager = make.manager(w["vendor"], orders=[w["order"]])
    login(manager)
    page = client.post("/portal/account/tokens", data={"name": "Laptop script"})
    assert page.status_code == 201
    secret = _secret(page)
    api = app.test_client()
    answer = api.get("/api/v1/orders", headers={"Authorization": f"Bearer {secret}"})
    assert [row["id"] for row in answer.get_json()["data"]] == [w["order"].id]
    listing = client.get("/portal/account/tokens").get_data(as_text=True)
    assert "Laptop script" in listing and secret not in listing
    token_id = re.search(r"/portal/account/tokens/(\d+)/revoke", listing).group(1)
    assert client.post(f"/portal/account/tokens/{token_id}/revoke").status_code == 303
    assert api.get("/api/v1/orders", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_invalid_name_is_422(client, make, login):
    w = make.world()
    login(make.manager(w["vendor"]))
    assert client.post("/portal/account/tokens", data={"name": ""}).status_code == 422


def test_another_managers_token_is_404(client, make, login):
    w = make.world()
    login(make.manager(w["vendor"]))
    page = client.post("/portal/account/tokens", data={"name": "Mine"}).get_data(as_text=True)
    token_id = re.search(r"/portal/account/tokens/(\d+)/revoke", page).group(1)
    login(make.manager(w["vendor"]))
    assert client.post(f"/portal/account/tokens/{token_id}/revoke").status_code == 404
