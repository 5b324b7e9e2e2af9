"""Two requests racing for the last licenses under a cap: exactly one wins, the other gets 409.

Runs on SQLite (a file database; POSTs begin IMMEDIATE, so they take turns) and on
PostgreSQL (the conditional UPDATE waits for the winner's row lock, then re-checks the cap).
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from portal.extensions import db
from portal.models import License, ManagerProduct
from portal.services.orders import issuing
from portal.tenancy import all_tenants
from tests.end_user.orders.support import issuing_world


def test_two_requests_for_the_last_licenses_under_a_cap(app, make, login, monkeypatch):
    w = issuing_world(make, caps={"key_product": 3})
    clients = [app.test_client(), app.test_client()]
    for c in clients:
        login(w["manager"], on=c)
    original_check = issuing.check

    def slow_check(*args, **kwargs):
        # Both requests have seen room under the cap before either writes: the read-then-write
        # window a naive implementation would lose.
        found = original_check(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(issuing, "check", slow_check)
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def post(i: int) -> None:
        barrier.wait()
        response = clients[i].post(
            f"/portal/orders/{w['order'].id}/licenses",
            data={"product": w["key_product"].id, "policy": w["key_policy"].id, "quantity": 2},
        )
        answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [303, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert f"Cap reached: you may issue 1 more {w['key_product'].name} licenses" in loser
    with app.app_context(), all_tenants(db.session):
        assert db.session.get(ManagerProduct, (w["manager"].id, w["key_product"].id)).issued == 2
        assert db.session.scalar(sa.select(sa.func.count(License.id))) == 2
