def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_factories_and_login(client, make, login):
    w = make.world()
    manager = make.manager(w["vendor"], permissions="all", account=w["account"], orders=[w["order"]])
    login(manager)
    response = client.get("/portal/")
    assert response.status_code == 200
