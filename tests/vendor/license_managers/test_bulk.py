"""Bulk actions over the overview's selection: each manager authorised, applied and audited on its own."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from portal import jobs
from portal import permissions as perms
from portal.extensions import db
from portal.models import BulkRun, BulkRunItem, LicenseManager, OrderManager, OutboxMail, StaffUser
from portal.services.license_managers import bulk
from tests.vendor.license_managers.support import BASE, bulk_managers, events, read, scalar, scalars, staff, text

BULK = f"{BASE}/bulk"


@pytest.fixture
def world(make):
    w = make.world()
    w["staff"] = staff(make, w["vendor"])
    return w


@pytest.fixture
def signed_in(client, login, world):
    login(world["staff"])
    return client


def _status(app, manager_id: int) -> str:
    return scalar(app, sa.select(LicenseManager.status).where(LicenseManager.id == manager_id))


def _items(app, run_id: int) -> dict[int, tuple[str | None, str]]:
    rows = scalars(app, sa.select(BulkRunItem).where(BulkRunItem.run_id == run_id))
    return {row.manager_id: (row.outcome, row.message) for row in rows}


def _demote(staff_id: int) -> None:
    db.session.execute(sa.update(StaffUser).where(StaffUser.id == staff_id).values(role="support"))
    db.session.commit()


def _last_run(app) -> BulkRun:
    return scalar(app, sa.select(BulkRun).order_by(BulkRun.id.desc()).limit(1))


def test_disable_applies_to_each_manager_and_reports_each_one(app, signed_in, make, world):
    active = make.manager(world["vendor"], email="active@globex.test", status="active")
    disabled = make.manager(world["vendor"], email="off@globex.test", status="disabled")
    foreign = make.manager(make.vendor(), email="other@elsewhere.test", status="active")
    form = {"action": "disable", "ids": [active.id, disabled.id, foreign.id]}
    response = signed_in.post(BULK, data=form)
    assert response.status_code == 303
    run = _last_run(app)
    assert response.headers["Location"].endswith(f"{BULK}/{run.id}")
    assert (run.status, run.total, run.done, run.skipped) == ("finished", 3, 1, 2)
    assert _status(app, active.id) == "disabled"
    assert _status(app, foreign.id) == "active"  # another vendor's manager: skipped as not found, untouched
    items = _items(app, run.id)
    assert items[active.id] == ("done", "")
    assert items[disabled.id] == ("skipped", "off@globex.test is already disabled.")
    assert items[foreign.id] == ("skipped", bulk.NOT_FOUND)
    assert [(e.action, e.object_id) for e in events(app)] == [("license_manager.disabled", active.id)]
    page = text(signed_in.get(response.headers["Location"]))
    assert "Finished: 1 done, 2 skipped." in page
    assert "off@globex.test — off@globex.test is already disabled." in page
    assert f"#{foreign.id} — Not found in this account." in page
    assert "other@elsewhere.test" not in page


def test_support_cannot_run_a_bulk_write_and_nothing_is_written(app, client, login, make, world):
    manager = make.manager(world["vendor"], status="active")
    support = make._save(
        world["vendor"].id,
        StaffUser(
            vendor_account_id=world["vendor"].id, email="support@v.test", name="S", password_hash="!", role="support"
        ),
    )
    login(support)
    response = client.post(BULK, data={"action": "disable", "ids": [manager.id]})
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert scalar(app, sa.select(sa.func.count()).select_from(BulkRun)) == 0
    assert _status(app, manager.id) == "active"
    # Reading is theirs: the confirmation page and the export of a selection.
    assert client.get(BULK, query_string={"action": "disable", "ids": manager.id}).status_code == 200
    assert client.get(f"{BASE}/selection.csv", query_string={"ids": manager.id}).status_code == 200


def test_htmx_answers_with_the_report_in_place_and_refreshes_the_rows(app, signed_in, make, world, hx):
    invited = make.manager(world["vendor"], email="new@globex.test", status="invited", password=None)
    active = make.manager(world["vendor"], email="busy@globex.test", status="active")
    response = signed_in.post(BULK, data={"action": "resend_invitation", "ids": [invited.id, active.id]}, headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="bulk-run"') and "<html" not in html
    assert "licenseManagerChanged" in response.headers["HX-Trigger"]
    assert "hx-trigger" not in html  # finished: nothing to poll
    assert "Finished: 1 done, 1 skipped." in text(response)
    assert "only invited managers get an invitation" in html
    mails = scalars(app, sa.select(OutboxMail.to))
    assert mails == ["new@globex.test"]
    assert [e.action for e in events(app)] == ["license_manager.invitation_resent"]


def test_add_and_remove_permissions_go_through_the_permission_set_writer(app, signed_in, make, world):
    has = make.manager(world["vendor"], email="has@globex.test", permissions=["manage_managers"])
    lacks = make.manager(world["vendor"], email="lacks@globex.test", permissions=["issue_license"])
    data = {"action": "add_permissions", "codes": ["manage_managers", "edit_license"], "ids": [has.id, lacks.id]}
    assert signed_in.post(BULK, data=data).status_code == 303
    bits = dict(read(app, lambda: list(db.session.execute(sa.select(LicenseManager.id, LicenseManager.permissions)))))
    assert perms.to_codes(bits[lacks.id]) == ["issue_license", "edit_license", "manage_managers"]
    assert perms.to_codes(bits[has.id]) == ["edit_license", "manage_managers"]
    updated = events(app, "license_manager.permissions_updated")
    assert sorted(e.object_id for e in updated) == [has.id, lacks.id]
    lacks_event = next(e for e in updated if e.object_id == lacks.id)
    assert lacks_event.before["permissions"] == ["issue_license"]
    data = {"action": "remove_permissions", "codes": ["issue_license"], "ids": [has.id, lacks.id]}
    signed_in.post(BULK, data=data)
    run = _last_run(app)
    assert _items(app, run.id)[has.id] == ("skipped", "Has none of Issue license.")
    assert _items(app, run.id)[lacks.id] == ("done", "")


def test_add_to_an_order_by_its_reference(app, signed_in, make, world):
    on_it = make.manager(world["vendor"], email="on@globex.test", orders=[world["order"]])
    off_it = make.manager(world["vendor"], email="off@globex.test")
    data = {"action": "add_order", "order_reference": world["order"].reference, "ids": [on_it.id, off_it.id]}
    assert signed_in.post(BULK, data=data).status_code == 303
    run = _last_run(app)
    assert _items(app, run.id)[off_it.id] == ("done", "")
    outcome, message = _items(app, run.id)[on_it.id]
    assert outcome == "skipped" and "already manages order" in message
    links = scalars(app, sa.select(OrderManager.manager_id).where(OrderManager.order_id == world["order"].id))
    assert sorted(links) == sorted([on_it.id, off_it.id])
    assert [e.object_id for e in events(app, "license_manager.order_added")] == [off_it.id]


def test_an_unknown_order_is_refused_at_its_field_and_nothing_is_written(app, signed_in, make, world, hx):
    manager = make.manager(world["vendor"])
    data = {"action": "add_order", "order_reference": "NOPE-1", "ids": [manager.id]}
    page = signed_in.post(BULK, data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert re.search(
        r'id="bulk-order_reference"[^>]*aria-invalid="true" aria-describedby="bulk-order_reference-error"', html
    )
    assert "No order of this account has the reference “NOPE-1”." in text(page)
    assert 'aria-invalid="None"' not in html and 'aria-describedby="None"' not in html
    # With htmx the list comes back with the selection kept and the message at the toolbar's field.
    fragment = signed_in.post(BULK, data=data, headers=hx)
    assert fragment.status_code == 422 and fragment.headers["HX-Retarget"] == "#results"
    body = fragment.get_data(as_text=True)
    assert f'name="ids" value="{manager.id}" aria-label="Select {manager.license_user.email}" checked' in body
    assert 'id="bulk-order_reference-error"' in body
    assert scalar(app, sa.select(sa.func.count()).select_from(BulkRun)) == 0 and not events(app)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"action": "disable"}, "ids", "Select at least one manager."),
        ({"ids": ["1"]}, "action", "Choose what to do with the selected managers."),
        ({"action": "add_permissions", "ids": ["1"]}, "codes", "Choose at least one permission."),
        ({"action": "disable", "ids": ["x"]}, "ids", "Select managers from the list."),
    ],
)
def test_bad_input_is_a_422_at_the_field(app, signed_in, make, world, data, field, message):
    response = signed_in.post(BULK, data=data)
    assert response.status_code == 422
    match = re.search(rf'id="bulk-{field}-error">(.*?)</p>', response.get_data(as_text=True))
    assert match and message in match.group(1)


def test_the_confirmation_page_without_javascript_names_the_action_and_how_many(app, signed_in, make, world):
    ids = [make.manager(world["vendor"], status="active").id for _ in range(2)]
    response = signed_in.get(BULK, query_string={"action": "disable", "ids": ids, "status": "active"})
    assert response.status_code == 200
    page = text(response)
    assert "Disable: 2 managers?" in page
    html = response.get_data(as_text=True)
    assert '<form method="post" action="/vendor/license-managers/bulk"' in html
    assert all(f'name="ids" value="{i}"' in html for i in ids)
    assert '<input type="hidden" name="status" value="active">' in html  # the list's query comes along
    assert all(_status(app, i) == "active" for i in ids)  # asking changes nothing


def test_every_manager_that_matches_the_query(app, signed_in, make, world):
    invited = bulk_managers(app, world["vendor"], 4, status="invited", orders_each=0)
    active = bulk_managers(app, world["vendor"], 3, status="active", orders_each=0)
    data = {"action": "disable", "everything": "y", "status": "invited", "ids": [active[0]]}
    signed_in.post(BULK, data=data)
    run = _last_run(app)
    assert (run.total, run.done) == (4, 4)
    assert sorted(_items(app, run.id)) == sorted(invited)
    assert all(_status(app, i) == "active" for i in active)  # the ticked one outside the query is not in it


def test_a_large_selection_runs_in_chunks_in_the_job_runner_with_stored_progress(
    app, signed_in, make, world, tmp_path, hx
):
    ids = bulk_managers(app, world["vendor"], 25, status="active", orders_each=0)
    app.config.update(
        BULK_INLINE_MAX=5, BULK_CHUNK=10, JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}"
    )
    jobs.init_app(app)
    try:
        response = signed_in.post(BULK, data={"action": "disable", "everything": "y", "status": "active"})
        run_url = response.headers["Location"]
        run = _last_run(app)
        assert (run.status, run.total, run.processed) == ("queued", 25, 0)  # the request changed nobody
        assert jobs.queue.pending_count() == 1
        page = signed_in.get(run_url)
        assert "Queued: 0 of 25 (0 %)." in text(page) and ">Refresh</a>" in page.get_data(as_text=True)
        seen = []
        while jobs.queue.pending_count():  # one chunk per job; each job queues the next
            jobs.queue.execute(jobs.queue.dequeue())
            fragment = signed_in.get(run_url, headers=hx)
            seen.append((_last_run(app).processed, 'hx-trigger="every 1s"' in fragment.get_data(as_text=True)))
        assert seen == [(10, True), (20, True), (25, False)]
        assert "licenseManagerChanged" in fragment.headers["HX-Trigger"]
    finally:
        jobs.queue.storage.flush_all()
    assert _last_run(app).status == "finished" and _last_run(app).done == 25
    assert all(_status(app, i) == "disabled" for i in ids)
    assert len(events(app, "license_manager.disabled")) == 25


def test_a_role_taken_away_stops_a_running_bulk_change(app, signed_in, make, world, tmp_path):
    ids = bulk_managers(app, world["vendor"], 8, status="active", orders_each=0)
    app.config.update(BULK_INLINE_MAX=2, JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    jobs.init_app(app)
    try:
        signed_in.post(BULK, data={"action": "disable", "ids": ids})
        read(app, lambda: _demote(world["staff"].id))
        while jobs.queue.pending_count():
            jobs.queue.execute(jobs.queue.dequeue())
    finally:
        jobs.queue.storage.flush_all()
    run = _last_run(app)
    assert (run.status, run.done, run.skipped) == ("finished", 0, 8)
    assert set(_items(app, run.id).values()) == {("skipped", bulk.ROLE_GONE)}
    assert all(_status(app, i) == "active" for i in ids) and not events(app)


@pytest.mark.parametrize(
    "action, status, extra",
    [
        ("disable", "active", {}),
        ("resend_invitation", "invited", {}),
        ("add_permissions", "active", {"codes": ["edit_license"]}),
    ],
)
def test_the_query_count_per_bulk_item_is_constant(app, signed_in, make, world, count_queries, action, status, extra):
    counts = []
    for n in (2, 4, 8):
        ids = bulk_managers(app, world["vendor"], n, status=status, orders_each=0)
        with count_queries() as q:
            assert signed_in.post(BULK, data={"action": action, "ids": ids, **extra}).status_code == 303
        counts.append(q.count)
    per_item = (counts[1] - counts[0]) // 2
    assert counts[1] - counts[0] == 2 * per_item and counts[2] - counts[1] == 4 * per_item
    assert per_item <= 12


def test_the_selection_exports_as_csv(app, signed_in, make, world):
    a = make.manager(world["vendor"], email="a@globex.test")
    make.manager(world["vendor"], email="b@globex.test")
    c = make.manager(world["vendor"], email="c@globex.test")
    foreign = make.manager(make.vendor(), email="z@elsewhere.test")
    response = signed_in.get(f"{BASE}/selection.csv", query_string={"ids": [a.id, c.id, foreign.id], "sort": "email"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [r[1] for r in rows[1:]] == ["a@globex.test", "c@globex.test"]
    everything = signed_in.get(f"{BASE}/selection.csv", query_string={"everything": "y", "q": "globex"})
    assert len(list(csv.reader(io.StringIO(everything.get_data(as_text=True))))) == 4
    assert signed_in.get(f"{BASE}/selection.csv", query_string={"sort": "email"}).status_code == 422  # none ticked
    assert signed_in.get(f"{BASE}/selection.csv").headers["Location"] == BASE


def test_a_run_of_another_vendor_is_a_404(app, client, login, make, world):
    other = make.vendor()
    other_staff = staff(make, other)
    manager = make.manager(other, status="active")
    login(other_staff)
    client.post(BULK, data={"action": "disable", "ids": [manager.id]})
    run = _last_run(app)
    login(world["staff"])
    assert client.get(f"{BULK}/{run.id}").status_code == 404
    assert client.get(f"{BULK}/{2**31}").status_code == 404
