"""A large scope: kept usage figures equal the live ones once counted again, and no scope change outlives them.

``portal.scope.LARGE_SCOPE`` is lowered so a manager of two orders counts as large here; the
figures are compared with the same manager's live ones (the bar raised again) after every kind
of write, once the job runner's sweep has counted them again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope
from portal.audit import Actor
from portal.extensions import db
from portal.models import License, LicenseManager, ManagerCustomerAccount, Order, UsageSummary, utcnow
from portal.services.license_managers import actions as manager_actions
from portal.services.license_managers import profile
from portal.services.license_managers import report as manager_report
from portal.services.reports import queries as reports
from portal.services.reports import summary
from portal.tenancy import all_tenants, set_tenant
from tests.end_user.activity.support import add_event
from tests.end_user.orders.support import issuing_world, update


@pytest.fixture
def big(app, make, login, monkeypatch):
    """A manager of two orders, large by the lowered bar, with seats, devices, ends and floating seats in use."""
    monkeypatch.setattr(scope, "LARGE_SCOPE", 1)
    w = issuing_world(make, permissions="all")
    second = make.order(w["vendor"], w["customer"], managers=[w["manager"]])
    make.license(
        make.order(w["vendor"], w["customer"], managers=[w["manager"]]), w["user_policy"]
    )  # still large without the second
    now = utcnow()
    key = make.license(w["order"], w["key_policy"])
    w["device"] = make.device(key)
    make.device(key)
    w["key"] = key
    w["seats"] = make.license(second, w["user_policy"])
    soon = make.license(second, w["key_policy"])
    update(app, License, soon.id, valid_until=now + dt.timedelta(days=7, hours=1))
    floating = make.policy(make.product(w["vendor"], floating=True), is_floating=True, floating_seats=2)
    make.device(
        make.license(second, floating),
        floating_in_use=True,
        floating_since=now - dt.timedelta(hours=5),
        last_check_in_at=now - dt.timedelta(hours=5),
    )
    invited = make.manager(w["vendor"], password=None, status="invited")
    make.assign(invited, second)
    # A scoped customer account: one order of it is also assigned (counted once), one is the account's alone.
    scoped = make.customer_account(w["vendor"])
    make._save(w["vendor"].id, ManagerCustomerAccount(manager_id=w["manager"].id, customer_account_id=scoped.id))
    of_account = make.customer(w["vendor"], scoped)
    make.license(make.order(w["vendor"], of_account, managers=[w["manager"]]), w["key_policy"])
    make.device(make.license(make.order(w["vendor"], of_account), w["key_policy"]))
    # Someone else's order beside them: none of it may be counted.
    theirs = make.order(w["vendor"], make.customer(w["vendor"]), managers=[make.manager(w["vendor"], password=None)])
    make.device(make.license(theirs, w["key_policy"]))
    w["second"], w["theirs"], w["of_account"] = second, theirs, of_account
    login(w["manager"])
    return w


def _manager(manager_id: int) -> LicenseManager:
    return db.session.scalar(
        sa.select(LicenseManager)
        .where(LicenseManager.id == manager_id)
        .options(so.joinedload(LicenseManager.license_user))
    )


def _kept(app, manager_id: int) -> UsageSummary | None:
    """The manager's summary when it holds figures no scope change has marked."""
    with app.app_context(), all_tenants(db.session):
        row = db.session.get(UsageSummary, manager_id)
        return row if row is not None and row.forgotten_at is None and row.figures else None


def _sweep(app, w) -> None:
    """The job runner's sweep a little later: the summaries' times made that much older, rather than the sweep
    run later, whose count would be of tomorrow's default range a minute before midnight (the pages ask today's)."""
    earlier = summary.REFRESH + dt.timedelta(seconds=1)
    with app.app_context(), all_tenants(db.session):
        for kept in db.session.scalars(sa.select(UsageSummary)):
            kept.counted_at -= earlier
            kept.forgotten_at = kept.forgotten_at and kept.forgotten_at - earlier
            kept.requested_at = kept.requested_at and kept.requested_at - earlier
        db.session.commit()
        summary.recount_due()


def _figures(app, w, monkeypatch, live: bool) -> dict:
    """What the dashboard, the reports, the notices and the vendor's Report tab show, kept or live."""
    monkeypatch.setattr(scope, "LARGE_SCOPE", 10**9 if live else 1)
    manager_id = w["manager"].id
    with app.app_context():
        set_tenant(db.session, w["vendor"].id)
        board = summary.dashboard(manager_id)
        usage = summary.usage(manager_id, *reports.default_range())
        notices, _ = summary.notices_of(manager_id)
        report = manager_report.build(db.session.get(LicenseManager, manager_id))
        figures = dict(
            dashboard=(board.order_count, board.expiring_count, board.seats, board.floating, board.attention),
            usage=(
                usage.activations,
                usage.seats,
                [(t.id, t.license_key, t.product, t.reference, t.max_license_users, t.devices) for t in usage.top],
                usage.distribution,
            ),
            notices=(
                {d: (x.count, [r.id for r in x.rows]) for d, x in notices.expiring.items()},
                (notices.invitations.count, [r.id for r in notices.invitations.rows]),
                (notices.floating.count, [r.id for r in notices.floating.rows]),
            ),
            report=dataclasses.replace(report, counted_at=None),
            kept=board.counted_at is not None and usage.counted_at is not None and report.counted_at is not None,
        )
    monkeypatch.setattr(scope, "LARGE_SCOPE", 1)
    return figures


def test_a_large_scope_page_asks_for_a_count_then_reads_it_and_says_when(app, client, big, count_queries):
    assert _kept(app, big["manager"].id) is None
    first = client.get("/portal/")
    assert first.status_code == 200 and "These figures were counted" not in first.get_data(as_text=True)
    assert _kept(app, big["manager"].id) is not None  # the job (run at once in tests) counted them
    for path in ["/portal/", "/portal/reports", "/portal/notices"]:
        with count_queries() as q:
            response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "These figures were counted" in html, path
        assert q.count <= {"/portal/": 10, "/portal/reports": 5, "/portal/notices": 10}[path], (path, q.count)
    assert big["theirs"].reference not in client.get("/portal/").get_data(as_text=True)


def test_figures_kept_for_yesterdays_range_are_counted_again_for_todays(app, client, big):
    """Past midnight the default range moves on: the reports page counts live that once and asks the job
    runner (run at once in tests) for today's, instead of counting live on every view until a sweep."""
    client.get("/portal/")
    with app.app_context(), all_tenants(db.session):
        row = db.session.get(UsageSummary, big["manager"].id)
        yesterday = [d.isoformat() for d in reports.default_range(utcnow().date() - dt.timedelta(days=1))]
        row.figures = {**row.figures, "range": yesterday}
        db.session.commit()
    assert "These figures were counted" not in client.get("/portal/reports").get_data(as_text=True)
    kept = _kept(app, big["manager"].id)
    assert kept is not None and kept.figures["range"] == [d.isoformat() for d in reports.default_range()]
    assert "These figures were counted" in client.get("/portal/reports").get_data(as_text=True)


def test_kept_figures_are_the_live_ones(app, client, big, monkeypatch):
    client.get("/portal/")
    kept, live = _figures(app, big, monkeypatch, live=False), _figures(app, big, monkeypatch, live=True)
    assert kept.pop("kept") and not live.pop("kept")
    assert kept == live
    assert kept["dashboard"][0] == 5 and kept["notices"][1][0] == 1 and kept["notices"][2][0] == 1


def _issue(client, w):
    return client.post(
        f"/portal/orders/{w['order'].id}/licenses",
        data={"product": w["key_product"].id, "policy": w["key_policy"].id, "quantity": 2},
    )


def _activate(client, w):
    client.send_csrf = False
    return client.post(
        "/api/v1/license/activate",
        json={
            "account": w["vendor"].public_id,
            "product": w["key_product"].code,
            "license_key": w["key"].license_key,
            "hardware_id": "hw-new",
        },
    )


def _remove_order(client, w):
    with client.application.app_context():
        set_tenant(db.session, w["vendor"].id)
        manager = _manager(w["manager"].id)
        manager_actions.remove_order(manager, db.session.get(Order, w["second"].id), actor=Actor.system())
        db.session.commit()


WRITES = {
    "issue": (_issue, False),
    "revoke": (lambda c, w: c.post(f"/portal/devices/{w['device'].id}/revoke"), False),
    "reset": (lambda c, w: c.post(f"/portal/licenses/{w['key'].id}/reset"), False),
    "assign": (
        lambda c, w: c.post(
            f"/portal/licenses/{w['seats'].id}/users", data={"email": "new.seat@example.test", "first_name": "N"}
        ),
        False,
    ),
    "disable": (lambda c, w: c.post(f"/portal/licenses/{w['key'].id}/disable"), False),
    "order create": (lambda c, w: c.post("/portal/orders", data={"reference": "BIG-NEW-1", "customer": ""}), True),
    "order remove": (_remove_order, True),
    "API activation": (_activate, False),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_after_every_write_the_sweep_makes_the_kept_figures_live_again(app, client, big, monkeypatch, write):
    client.get("/portal/")
    before = _kept(app, big["manager"].id)
    assert before is not None
    do, changes_scope = WRITES[write]
    response = do(client, big)
    assert response is None or response.status_code < 400, (write, response.status_code)
    if changes_scope:  # forgotten in the write's own transaction, before any sweep
        assert _kept(app, big["manager"].id) is None
    _sweep(app, big)
    after = _kept(app, big["manager"].id)
    assert after is not None and after.counted_at >= before.counted_at
    kept, live = _figures(app, big, monkeypatch, live=False), _figures(app, big, monkeypatch, live=True)
    assert kept.pop("kept") and not live.pop("kept")
    assert kept == live, write


@pytest.mark.parametrize(
    "change", ["customer account scope", "order's customer", "order deleted", "license moved", "order of the account"]
)
def test_every_other_scope_change_forgets_the_summary_in_its_own_transaction(app, make, client, big, change):
    client.get("/portal/")
    assert _kept(app, big["manager"].id) is not None
    account = make.customer_account(big["vendor"])
    with app.app_context():
        set_tenant(db.session, big["vendor"].id)
        if change == "customer account scope":
            profile.set_accounts(_manager(big["manager"].id), [account.id], actor=Actor.system())
        elif change == "order's customer":
            db.session.get(Order, big["second"].id).customer_id = None
        elif change == "order deleted":
            db.session.execute(sa.delete(Order).where(Order.id == big["second"].id))
        elif change == "license moved":
            db.session.get(License, big["seats"].id).order_id = big["theirs"].id
        else:  # the vendor's back office creates an order for a customer of the account the manager is scoped to
            db.session.add(
                Order(vendor_account_id=big["vendor"].id, reference="SCOPED-NEW", customer_id=big["of_account"].id)
            )
        db.session.commit()
    assert _kept(app, big["manager"].id) is None


def test_a_new_order_elsewhere_keeps_the_summary(app, make, client, big):
    """Only the managers scoped to the new order's account are marked: an order of another customer is not theirs."""
    client.get("/portal/")
    with app.app_context():
        set_tenant(db.session, big["vendor"].id)
        db.session.add(Order(vendor_account_id=big["vendor"].id, reference="ELSEWHERE", customer_id=big["customer"].id))
        db.session.add(Order(vendor_account_id=big["vendor"].id, reference="NO-CUSTOMER"))
        db.session.commit()
    assert _kept(app, big["manager"].id) is not None


def test_a_rolled_back_scope_change_keeps_the_summary(app, client, big):
    client.get("/portal/")
    with app.app_context():
        set_tenant(db.session, big["vendor"].id)
        manager = _manager(big["manager"].id)
        manager_actions.remove_order(manager, db.session.get(Order, big["second"].id), actor=Actor.system())
        db.session.rollback()
        db.session.commit()
    assert _kept(app, big["manager"].id) is not None


def test_a_row_a_summary_names_is_shown_only_inside_the_live_scope(app, make, client, big):
    """The notices name rows by id; each is read again inside the live scope, so a foreign one never shows."""
    client.get("/portal/")
    foreign = make.device(
        make.license(
            big["theirs"], make.policy(make.product(big["vendor"], floating=True), is_floating=True, floating_seats=2)
        ),
        hostname="their-stale-seat",
        floating_in_use=True,
        last_check_in_at=utcnow() - dt.timedelta(hours=5),
    )
    with app.app_context(), all_tenants(db.session):
        row = db.session.get(UsageSummary, big["manager"].id)
        figures = dict(row.figures)
        figures["notices"] = {**figures["notices"], "floating": {"count": 2, "ids": [foreign.id]}}
        row.figures = figures
        db.session.commit()
    html = client.get("/portal/notices").get_data(as_text=True)
    assert "These figures were counted" in html
    assert "their-stale-seat" not in html


def _without_csrf_tokens(html: str) -> str:
    """The page without its CSRF tokens, which carry the time they were made."""
    return re.sub(r"[\w-]{20,}\.[\w-]{5,}\.[\w-]{20,}", "TOKEN", html)


@pytest.mark.parametrize(
    "path",
    ["/portal/licenses", "/portal/orders", "/portal/licenses?page=2", "/portal/orders?page=2", "/portal/floating"],
)
def test_a_large_scope_lists_the_same_rows_read_down_the_vendor_index(app, make, client, big, monkeypatch, path):
    for n in range(30):  # past one page of 25
        make.license(big["second"], big["key_policy"], license_key=f"MORE-{n:04d}-AAAA-BBBB")
    for _ in range(25):
        make.order(big["vendor"], big["customer"], managers=[big["manager"]])
    monkeypatch.setattr(scope, "LARGE_SCOPE", 10**9)
    collected = _without_csrf_tokens(client.get(path).get_data(as_text=True))
    monkeypatch.setattr(scope, "LARGE_SCOPE", 1)
    probed = _without_csrf_tokens(client.get(path).get_data(as_text=True))
    assert probed == collected
    assert big["theirs"].reference not in probed


@pytest.mark.parametrize(
    "path",
    [
        "/portal/licenses",
        "/portal/licenses?page=2",
        "{vendor}/licenses",
        "{vendor}/licenses?page=2",
        "/portal/orders",
        "/portal/orders?page=2",
        "{vendor}/orders",
        "{vendor}/orders?page=2",
        "/portal/",
    ],
)
def test_a_scope_of_assigned_orders_lists_its_newest_orders_and_licenses_down_its_own_rows(
    app, make, big, login, monkeypatch, count_queries, path
):
    """With no customer account, a large scope's newest orders and licenses are read from the rows the database
    keeps of them (``portal.manager_orders``, ``portal.manager_licenses``), the same rows in the same order as
    collected, their times tied and apart, on the portal (the dashboard's latest orders too) and in the vendor's
    tabs."""
    with app.app_context(), all_tenants(db.session):
        db.session.execute(
            sa.delete(ManagerCustomerAccount).where(ManagerCustomerAccount.manager_id == big["manager"].id)
        )
        db.session.commit()
    earlier = utcnow() - dt.timedelta(days=3)
    for n in range(30):
        made = make.license(big["second"], big["key_policy"], license_key=f"MORE-{n:04d}-EEEE-FFFF")
        if n % 3 == 0:  # some issued apart, most at the same moment (the id breaks the tie)
            update(app, License, made.id, created_at=earlier - dt.timedelta(minutes=n))
        order = make.order(big["vendor"], big["customer"], managers=[big["manager"]])
        if n % 4 == 0:
            update(app, Order, order.id, created_at=earlier + dt.timedelta(minutes=n))
    who = login(make.staff(big["vendor"]) if path.startswith("{") else big["manager"], on=app.test_client())
    path = path.format(vendor=f"/vendor/license-managers/{big['manager'].id}")
    headers = {"HX-Request": "true"} if path.startswith("/vendor") else {}
    monkeypatch.setattr(scope, "LARGE_SCOPE", 10**9)
    collected = _without_csrf_tokens(who.get(path, headers=headers).get_data(as_text=True))
    monkeypatch.setattr(scope, "LARGE_SCOPE", 1)
    with count_queries() as q:
        own = _without_csrf_tokens(who.get(path, headers=headers).get_data(as_text=True))
    assert own == collected and ("MORE-" in own or "/orders/" in own)
    kept = "manager_order" if "orders" in path or path == "/portal/" else "manager_license"
    assert any(f"JOIN {kept}" in statement for statement in q.statements)


def test_scope_counts_equal_the_collected_ones(app, big):
    with app.app_context():
        set_tenant(db.session, big["vendor"].id)
        manager_id = big["manager"].id
        orders = db.session.scalar(
            sa.select(sa.func.count()).select_from(scope.managed_order_ids(manager_id).subquery())
        )
        licenses = db.session.scalar(
            sa.select(sa.func.count()).select_from(scope.managed_license_ids(manager_id).subquery())
        )
        assert (scope.count_orders(manager_id, 100), scope.count_licenses(manager_id, 100)) == (orders, licenses)
        assert (orders, licenses) == (5, 7)
        assert scope.count_orders(manager_id, 2) == 3 and scope.count_licenses(manager_id, 2) == 3  # capped


@pytest.mark.parametrize("tab", ["licenses", "orders", "licenses?page=2", "orders?page=2", "orders?search="])
def test_the_vendors_tabs_of_a_large_scope_show_the_same_rows(app, make, big, login, monkeypatch, tab):
    for n in range(30):
        make.license(big["second"], big["key_policy"], license_key=f"MORE-{n:04d}-CCCC-DDDD")
    for _ in range(25):
        make.order(big["vendor"], big["customer"], managers=[big["manager"]])
    staff = login(make.staff(big["vendor"]), on=app.test_client())
    path = f"/vendor/license-managers/{big['manager'].id}/{tab}"
    monkeypatch.setattr(scope, "LARGE_SCOPE", 10**9)
    collected = _without_csrf_tokens(staff.get(path, headers={"HX-Request": "true"}).get_data(as_text=True))
    monkeypatch.setattr(scope, "LARGE_SCOPE", 1)
    probed = _without_csrf_tokens(staff.get(path, headers={"HX-Request": "true"}).get_data(as_text=True))
    assert probed == collected
    assert "MORE-" in collected or "ORD-" in collected


LARGE_PAGES = ["/portal/", "/portal/reports", "/portal/notices", "/portal/licenses", "/portal/orders"]
VENDOR_TABS = ["licenses", "orders", "report"]


def _query_counts(app, make, big, login, count_queries) -> dict[str, int]:
    staff = login(make.staff(big["vendor"]), on=app.test_client())
    manager = login(big["manager"], on=app.test_client())
    manager.get("/portal/")  # the summary is counted once, then read
    found = {}
    for path in LARGE_PAGES:
        with count_queries() as q:
            assert manager.get(path).status_code == 200
        found[path] = q.count
    for tab in VENDOR_TABS:
        path = f"/vendor/license-managers/{big['manager'].id}/{tab}"
        with count_queries() as q:
            assert staff.get(path, headers={"HX-Request": "true"}).status_code == 200
        found[tab] = q.count
    return found


def test_a_large_scope_costs_the_same_queries_at_5_and_45_orders(app, make, big, login, count_queries):
    small = _query_counts(app, make, big, login, count_queries)
    for _ in range(40):
        order = make.order(big["vendor"], big["customer"], managers=[big["manager"]])
        make.device(make.license(order, big["key_policy"]))
    with app.app_context(), all_tenants(db.session):  # counted again with the orders added
        db.session.execute(sa.delete(UsageSummary))
        db.session.commit()
    large = _query_counts(app, make, big, login, count_queries)
    assert large == small
    assert max(large.values()) <= 10, large


def test_a_large_scope_sees_the_same_events_tested_one_by_one(app, make, client, big, monkeypatch):
    """Events on my order, license and device show; the same kinds on someone else's objects do not."""
    theirs_license = make.license(big["theirs"], big["key_policy"])
    theirs_device = make.device(theirs_license)
    objects = [
        ("order", big["second"].id, "MINE-ORDER"),
        ("license", big["key"].id, "MINE-LICENSE"),
        ("device", big["device"].id, "MINE-DEVICE"),
        ("order", big["theirs"].id, "THEIRS-ORDER"),
        ("license", theirs_license.id, "THEIRS-LICENSE"),
        ("device", theirs_device.id, "THEIRS-DEVICE"),
    ]
    for kind, object_id, label in objects:
        add_event(app, big["vendor"], object_type=kind, object_id=object_id, object_label=label, action=f"{kind}.x")
    pages = {}
    for bar in (10**9, 1):
        monkeypatch.setattr(scope, "LARGE_SCOPE", bar)
        pages[bar] = [
            _without_csrf_tokens(client.get(p).get_data(as_text=True)) for p in ("/portal/activity", "/portal/")
        ]
    assert pages[1] == pages[10**9]
    activity = pages[1][0]
    assert all(f"MINE-{k}" in activity for k in ("ORDER", "LICENSE", "DEVICE"))
    assert not any(f"THEIRS-{k}" in activity for k in ("ORDER", "LICENSE", "DEVICE"))


def test_a_count_that_a_scope_change_overtakes_is_not_stored(app, make, client, big, monkeypatch):
    """The count reads without a write lock; an order removed while it runs keeps the row forgotten."""
    client.get("/portal/")
    counted = summary.count

    def count_while_an_order_goes(manager, now):
        figures = counted(manager, now)  # what the count read still holds the order
        _remove_order(client, big)  # another transaction, committed meanwhile (on SQLite: no lock to wait for)
        return figures

    monkeypatch.setattr(summary, "count", count_while_an_order_goes)
    with app.app_context():
        set_tenant(db.session, big["vendor"].id)
        assert summary.store(_manager(big["manager"].id)) is False
    assert _kept(app, big["manager"].id) is None  # its figures held the removed order: not shown
    monkeypatch.setattr(summary, "count", counted)
    _sweep(app, big)
    kept, live = _figures(app, big, monkeypatch, live=False), _figures(app, big, monkeypatch, live=True)
    assert kept.pop("kept") and not live.pop("kept") and kept == live


def test_pages_ask_the_job_runner_once_however_many_views(app, client, big, monkeypatch):
    """Until the count is stored each view counts live; only the first queues a count, and a request
    the runner never answered is made again after ``ASK_AGAIN``."""
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(summary, "recount", lambda *args: queued.append(args))  # a runner that is down
    for path in ["/portal/", "/portal/reports", "/portal/", "/portal/reports?start=&end="]:
        assert client.get(path).status_code == 200, path
    assert queued == [(big["vendor"].id, big["manager"].id)]
    assert _kept(app, big["manager"].id) is None  # still counted live, and said nothing stale
    with app.app_context():
        set_tenant(db.session, big["vendor"].id)
        manager = db.session.get(LicenseManager, big["manager"].id)
        assert not summary.ask(manager)
        assert summary.ask(manager, now=utcnow() + summary.ASK_AGAIN + dt.timedelta(seconds=1))
        assert summary.store(manager)  # counted: the next time a summary is forgotten, a page may ask at once
        assert db.session.get(UsageSummary, manager.id).requested_at is None
    assert len(queued) == 2


def _counts_licenses(statements: list[str]) -> bool:
    """A live count of the manager's licenses: the kept number of their assigned orders' plus the others'."""
    return any("count(*)" in sql and "license_manager.license_count +" in sql for sql in statements)


def test_a_summary_past_the_cap_answers_the_license_lists_count(app, client, big, monkeypatch, count_queries):
    """Past the cap by the kept summary, the list says so without counting; a forgotten summary counts live."""
    from portal import i18n, lists
    from portal.services.licenses import queries as license_queries

    for module in (lists, license_queries, summary, i18n):
        monkeypatch.setattr(module, "COUNT_CAP", 3)
    client.get("/portal/")  # the job (run at once in tests) counts the figures
    assert _kept(app, big["manager"].id).figures["license_count"] == 4  # counted up to the cap + 1
    with count_queries() as kept:
        html = client.get("/portal/licenses").get_data(as_text=True)
    assert re.search(r">3\+ licenses<", html) and not _counts_licenses(kept.statements)
    monkeypatch.setattr(summary, "COUNT_CAP", 100)  # a summary under the cap: the list counts
    with app.app_context(), all_tenants(db.session):
        db.session.get(UsageSummary, big["manager"].id).figures = {
            **_kept(app, big["manager"].id).figures,
            "license_count": 2,
        }
        db.session.commit()
    with count_queries() as counted:
        assert re.search(r">3\+ licenses<", client.get("/portal/licenses").get_data(as_text=True))
    assert _counts_licenses(counted.statements)
