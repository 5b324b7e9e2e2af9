"""The check-in's cost in statements: what bench/license_api.py's throughput rests on."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db


def test_a_check_in_is_one_select_and_one_update(app, make, device):
    w = make.world()
    client = device(make.license(w["order"], w["key_policy"], max_activations=2))
    client.activate()
    client.check_in()  # the vendor's id and key are read once per process, then kept
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        state = client.check_in()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert state["device"]["is_active"] and state["device"]["last_check_in_at"]
    assert [s for s in seen if s not in ("BEGIN", "COMMIT")] == ["SELECT", "UPDATE"], seen
