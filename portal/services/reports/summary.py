"""A big manager's usage figures, kept: counted by the job runner, read in one query, shown with their time.

A manager of a few orders has their figures counted live on every page (a few ms). Past
``LARGE_SCOPE`` managed orders, counting them is what the page costs: 60,003 licenses at
20,001 orders took 300-700 ms a page. For such a manager the dashboard, the reports, the
notices and the vendor's Report tab read a ``UsageSummary`` instead: the same figures, counted
by the same queries at most ``REFRESH`` ago (the sweep in ``portal.tasks``), and the page
says when they were counted.

Isolation stays exact: whatever changes which orders a manager manages (an order added or
removed, their customer-account scope, an order's customer, a license's order) marks the
summaries it touches forgotten in the same transaction, so a summary never counts an order its
manager no longer manages; without a valid one the page counts live and asks the job runner for a
new one. A count reads in a transaction of its own (no write lock held on SQLite) and is stored
only if no scope change marked the row since it began. Rows a summary names (notices) are read
again by id inside the live scope, so one that left it drops out.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import jobs, scope
from portal.db_setup import deferred_begin
from portal.extensions import db
from portal.lists import COUNT_CAP
from portal.models import (
    Customer,
    License,
    LicenseManager,
    ManagerCustomerAccount,
    Order,
    OrderManager,
    UsageSummary,
    utcnow,
)
from portal.services.license_managers import report as manager_report
from portal.services.licenses import queries as licenses
from portal.services.notices import queries as notices
from portal.services.reports import queries as reports
from portal.tenancy import all_tenants, set_tenant

REFRESH = dt.timedelta(minutes=1)  # the sweep counts a summary again once it is this old
SWEEP_BATCH = 20  # summaries counted again per sweep (each a second or so of SQL at 20,000 orders)
EXPIRING_DAYS = 30  # the dashboard's "Expiring within 30 days"


@dataclass(frozen=True)
class Top:
    """One of the most active licenses, as the reports page shows it."""

    id: int
    license_key: str | None
    product: str
    reference: str
    max_license_users: int
    devices: int


def _activations(a: reports.Activations) -> dict[str, Any]:
    return dict(labels=a.labels, series=a.series, bucket_days=a.bucket_days)


def _listing(listing: notices.Listing) -> dict[str, Any]:
    return dict(count=listing.count, ids=[row.id for row in listing.rows])


def range_key(first: dt.date, last: dt.date) -> list[str]:
    """A date range as the kept figures name the one they were counted for (``figures["range"]``)."""
    return [first.isoformat(), last.isoformat()]


def count(manager: LicenseManager, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every kept figure of the manager's scope, counted live now (the slow part this module saves pages)."""
    now = now or utcnow()
    today = now.date()
    first, last = reports.default_range(today)
    attention = notices.attention(manager.id, now)
    vendor = manager_report.counted(manager, now)
    return dict(
        order_count=reports.order_count(manager.id),
        expiring_count=reports.expiring_count(manager.id, EXPIRING_DAYS),
        seats=[[s.product, s.used, s.total] for s in reports.seats_by_product(manager.id)],
        floating=vars(reports.floating(manager.id)),
        range=range_key(first, last),
        activations=_activations(reports.activations(manager.id, first, last)),
        top=[dict(r._mapping) for r in reports.top_licenses_by_devices(manager.id)],
        distribution=reports.device_distribution(manager.id),
        attention=dict(
            expiring={str(d): n for d, n in attention.expiring.items()},
            invitations=attention.invitations,
            floating=attention.floating,
        ),
        notices=dict(
            expiring={str(d): _listing(notices.expiring_in(manager.id, d, today)) for d in notices.EXPIRY_NOTICE_DAYS},
            invitations=_listing(notices.pending_invitations(manager.id)),
            floating=_listing(notices.floating_held(manager.id, now)),
        ),
        report=vendor,
        products=licenses.product_ids(manager.id),
        # Capped: the license list only asks whether it is past the cap (``licenses.queries.scope_total``).
        license_count=scope.count_licenses(manager.id, COUNT_CAP),
    )


def _valid(row: UsageSummary | None) -> UsageSummary | None:
    """The row when it holds figures no scope change has marked since they were counted."""
    return row if row is not None and row.forgotten_at is None and row.figures else None


def kept(manager_id: int) -> UsageSummary | None:
    """The manager's kept summary, when their scope is large and one is counted; else None (count live)."""
    if not scope.is_large(manager_id):
        return None
    return _valid(db.session.get(UsageSummary, manager_id))


# A scope change this close before a count began may not be in what the count read.
MARGIN = dt.timedelta(seconds=2)


def store(manager: LicenseManager, now: dt.datetime | None = None) -> bool:
    """Count the manager's figures and keep them; False when a scope change came in meanwhile.

    Commits: a row is made first (so a scope change during the count marks it), the count reads
    in a transaction of its own, and the figures are written only where no mark is newer than
    its start.
    """
    now = now or utcnow()
    manager_id, vendor_id = manager.id, manager.vendor_account_id
    if db.session.get(UsageSummary, manager_id) is None:
        db.session.add(UsageSummary(manager_id=manager_id, vendor_account_id=vendor_id, counted_at=now, figures={}))
    db.session.commit()
    with deferred_begin():
        figures = count(db.session.get(LicenseManager, manager_id) or manager, now)
        db.session.rollback()  # the read ends here; nothing was written
    stored = db.session.execute(
        sa.update(UsageSummary)
        .where(
            UsageSummary.manager_id == manager_id,
            sa.or_(UsageSummary.forgotten_at.is_(None), UsageSummary.forgotten_at < now - MARGIN),
        )
        .values(figures=figures, counted_at=now, forgotten_at=None, requested_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(getattr(stored, "rowcount", 0))


@jobs.task(retries=1, retry_delay=30)
def recount(vendor_account_id: int, manager_id: int) -> bool:
    """Count one large manager's figures into their summary (asked for by a page that had none)."""
    jobs.tenant(vendor_account_id)
    manager = db.session.get(LicenseManager, manager_id)
    if manager is None or not scope.is_large(manager_id):
        return False
    return store(manager)


ASK_AGAIN = dt.timedelta(minutes=1)  # a request the runner has not answered by then (it was down) is made again


def ask(manager: LicenseManager, now: dt.datetime | None = None) -> bool:
    """Ask the job runner to count a large scope that has no valid summary: once, however many views ask.

    Every view of such a page counts live until the count is stored (a few hundred ms at 20,000
    orders), and each used to enqueue a count of its own, so a manager clicking around queued
    several seconds of SQL each. The request is claimed on the row first (``requested_at``, one
    UPDATE that only one of concurrent requests wins, or the row's INSERT); the others see it and
    leave the count to the job already queued. Commits; True when this call queued the job.
    """
    now = now or utcnow()
    asked = db.session.execute(
        sa.select(UsageSummary.requested_at).where(UsageSummary.manager_id == manager.id)
    ).one_or_none()
    if asked is not None and asked.requested_at is not None and asked.requested_at >= now - ASK_AGAIN:
        return False  # asked a moment ago: the job is queued (read only, so no write lock is taken)
    if asked is not None:
        claimed = db.session.execute(
            sa.update(UsageSummary)
            .where(
                UsageSummary.manager_id == manager.id,
                sa.or_(UsageSummary.requested_at.is_(None), UsageSummary.requested_at < now - ASK_AGAIN),
            )
            .values(requested_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(claimed, "rowcount", 0):
            db.session.commit()
            return False  # another view claimed it between the read and the write
    else:
        try:
            with db.session.begin_nested():
                db.session.add(
                    UsageSummary(
                        manager_id=manager.id,
                        vendor_account_id=manager.vendor_account_id,
                        counted_at=now,
                        figures={},
                        requested_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            db.session.commit()
            return False  # another view made the row a moment ago, and queued the job
    jobs.after_commit(db.session, recount, manager.vendor_account_id, manager.id)
    db.session.commit()
    return True


def recount_due(now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """The sweep: count again the summaries marked forgotten or older than ``REFRESH``, oldest first."""
    now = now or utcnow()
    with all_tenants(db.session):
        due = db.session.execute(
            sa.select(UsageSummary.vendor_account_id, UsageSummary.manager_id)
            .where(sa.or_(UsageSummary.forgotten_at.is_not(None), UsageSummary.counted_at < now - REFRESH))
            .order_by(UsageSummary.counted_at)
            .limit(limit)
        ).all()
    for vendor_account_id, manager_id in due:
        set_tenant(db.session, vendor_account_id)
        manager = db.session.get(LicenseManager, manager_id)
        if manager is None or not scope.is_large(manager_id):
            db.session.execute(sa.delete(UsageSummary).where(UsageSummary.manager_id == manager_id))
            db.session.commit()
        else:
            store(manager, now)  # one manager per transaction: a long sweep holds no lock for long
    return len(due)


# What the pages read: kept figures for a large scope, live ones otherwise.


@dataclass
class Dashboard:
    """The dashboard's counted figures; ``counted_at`` is None when they were counted just now."""

    order_count: int
    expiring_count: int
    seats: list[reports.Seats]
    floating: reports.Floating
    attention: notices.Attention
    counted_at: dt.datetime | None = None
    needs_count: bool = False  # a large scope without a summary: ask the job runner for one


def _scope_of(manager_id: int) -> tuple[bool, UsageSummary | None]:
    large = scope.is_large(manager_id)
    return large, _valid(db.session.get(UsageSummary, manager_id)) if large else None


def _attention(kept: dict[str, Any]) -> notices.Attention:
    return notices.Attention(
        expiring={int(d): n for d, n in kept["expiring"].items()},
        invitations=kept["invitations"],
        floating=kept["floating"],
    )


def dashboard(manager_id: int) -> Dashboard:
    """The dashboard's order count, seats, floating seats, expiring count and attention card."""
    large, row = _scope_of(manager_id)
    if row is None:
        return Dashboard(
            order_count=reports.order_count(manager_id),
            expiring_count=reports.expiring_count(manager_id, EXPIRING_DAYS),
            seats=reports.seats_by_product(manager_id),
            floating=reports.floating(manager_id),
            attention=notices.attention(manager_id),
            needs_count=large,
        )
    f = row.figures
    return Dashboard(
        order_count=reports.order_count(manager_id),  # a few ms even at 20,000 orders: counted live
        expiring_count=f["expiring_count"],
        seats=[reports.Seats(*s) for s in f["seats"]],
        floating=reports.Floating(**f["floating"]),
        attention=_attention(f["attention"]),
        counted_at=row.counted_at,
    )


@dataclass
class Usage:
    """The reports page's figures over one date range."""

    activations: reports.Activations
    seats: list[reports.Seats]
    top: list[Any]
    distribution: list[tuple[str, int]]
    counted_at: dt.datetime | None = None
    needs_count: bool = False


def usage(manager_id: int, first: dt.date, last: dt.date) -> Usage:
    """Activations over ``first``–``last``, seats, the most active licenses and the device distribution.

    A large scope's kept figures answer the range they were counted for (the default one); any
    other range is counted live, and today's default range, when the figures kept are of an earlier
    day's (a sweep not yet come by since midnight, or a job runner down), is asked for (``ask``).
    """
    large, row = _scope_of(manager_id)
    asked = range_key(first, last)
    if row is not None and row.figures["range"] == asked:
        f = row.figures
        return Usage(
            activations=reports.Activations(**f["activations"]),
            seats=[reports.Seats(*s) for s in f["seats"]],
            top=[Top(**t) for t in f["top"]],
            distribution=[(label, n) for label, n in f["distribution"]],
            counted_at=row.counted_at,
        )
    return Usage(
        activations=reports.activations(manager_id, first, last),
        seats=reports.seats_by_product(manager_id),
        top=reports.top_licenses_by_devices(manager_id),
        distribution=reports.device_distribution(manager_id),
        # Kept figures of an earlier day's default range (counted before midnight) are counted again for today's.
        needs_count=large and (row is None or asked == range_key(*reports.default_range())),
    )


def notices_of(manager_id: int, settings: notices.Settings | None = None) -> tuple[notices.Notices, dt.datetime | None]:
    """The notices page's listings: kept counts and rows read again inside the live scope, or live ones."""
    large, row = _scope_of(manager_id)
    if row is None:
        return notices.notices_for(manager_id, settings=settings), None
    settings = settings or notices.settings_of(manager_id)
    kept = row.figures["notices"]
    today = utcnow().date()

    def again(listing: dict[str, Any], rows: Any) -> notices.Listing:
        return notices.Listing(listing["count"], rows(listing["ids"]) if listing["ids"] else [])

    found = notices.Notices(
        expiring={
            d: again(kept["expiring"][str(d)], lambda ids, d=d: notices.expiring_in(manager_id, d, today, ids=ids).rows)
            for d in notices.EXPIRY_NOTICE_DAYS
        }
        if settings.wants("expiring")
        else {},
        invitations=again(kept["invitations"], lambda ids: notices.pending_invitations(manager_id, ids=ids).rows)
        if settings.wants("invitations")
        else notices.Listing(),
        floating=again(kept["floating"], lambda ids: notices.floating_held(manager_id, utcnow(), ids=ids).rows)
        if settings.wants("floating")
        else notices.Listing(),
    )
    return found, row.counted_at


# Forgetting: whatever changes a scope marks the summaries it may change, in the same transaction.

FORGET = "usage_summaries_to_forget"  # session.info: manager ids, or ALL for the whole vendor account
ALL = "all"


def _mark(session: so.Session, manager_id: int | None) -> None:
    marks = session.info.setdefault(FORGET, set())
    marks.add(ALL if manager_id is None else manager_id)
    session.info.pop(scope.LARGE_SCOPES, None)  # a scope changed: its shape is asked again


def _manager_in(statement: Any, column: Any) -> int | None:
    """The manager id a DELETE/UPDATE names as ``column == value``, or None when it names none (then: all)."""
    for clause in sa.sql.visitors.iterate(statement.whereclause) if statement.whereclause is not None else ():
        if (
            isinstance(clause, sa.BinaryExpression)
            and clause.operator is operator.eq
            and isinstance(clause.left, sa.Column)
            and clause.left.table is column.table
            and clause.left.name == column.name
            and isinstance(clause.right, sa.BindParameter)
            and isinstance(clause.right.value, int)
        ):
            return clause.right.value
    return None


_BY_MANAGER = {"order_manager": OrderManager.__table__.c.manager_id}
_BY_MANAGER["manager_customer_account"] = ManagerCustomerAccount.__table__.c.manager_id
_MOVES = {"order", "customer", "license"}  # an order's customer, a customer's account, a license's order


@sa.event.listens_for(so.Session, "do_orm_execute")
def _scope_statement(state: so.ORMExecuteState) -> None:
    if not (state.is_delete or state.is_update):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _BY_MANAGER:
        _mark(state.session, _manager_in(state.statement, _BY_MANAGER[name]))
    elif name in _MOVES and (state.is_delete or _sets_scope_column(state.statement)):
        _mark(state.session, None)


def _sets_scope_column(statement: Any) -> bool:
    values = getattr(statement, "_values", None) or {}
    names = {getattr(k, "key", k) for k in values}
    return bool(names & {"customer_id", "customer_account_id", "order_id"}) or not names


@sa.event.listens_for(so.Session, "before_flush")
def _scope_rows(session: so.Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, OrderManager | ManagerCustomerAccount):
            _mark(session, obj.manager_id)
        elif isinstance(obj, Order | Customer) and obj in session.deleted:
            _mark(session, None)
    _new_orders_of_scoped_accounts(session)
    for obj in session.dirty:
        if isinstance(obj, Order) and so.attributes.get_history(obj, "customer_id").has_changes():
            _mark(session, None)
        elif isinstance(obj, Customer) and so.attributes.get_history(obj, "customer_account_id").has_changes():
            _mark(session, None)
        elif isinstance(obj, License) and so.attributes.get_history(obj, "order_id").has_changes():
            _mark(session, None)  # a license moved to another order


def _new_orders_of_scoped_accounts(session: so.Session) -> None:
    """A new order of a customer account some managers are scoped to is in their scope from now on:
    only theirs are marked (a vendor's back office creates orders all day; forgetting every summary
    each time would leave the big managers' pages counting live)."""
    customers = {
        obj.customer_id if obj.customer_id is not None else getattr(obj.customer, "id", None)
        for obj in session.new
        if isinstance(obj, Order)
    } - {None}
    accounts = {obj.customer_account_id for obj in session.new if isinstance(obj, Customer)} - {None}
    if not customers and not accounts:
        return
    with session.no_autoflush:
        if customers:
            accounts |= set(
                session.scalars(sa.select(Customer.customer_account_id).where(Customer.id.in_(customers)))
            ) - {None}
        if accounts:
            scoped = sa.select(ManagerCustomerAccount.manager_id).where(
                ManagerCustomerAccount.customer_account_id.in_(accounts)
            )
            for manager_id in session.scalars(scoped):
                _mark(session, manager_id)


@sa.event.listens_for(so.Session, "before_commit")
def _forget_marked(session: so.Session) -> None:
    session.flush()  # rows added since the last flush mark too
    marks = session.info.pop(FORGET, None)
    if marks:
        session.info.pop(scope.LARGE_SCOPES, None)
    if not marks:
        return
    table: sa.Table = UsageSummary.__table__  # type: ignore[assignment]  # a mapped class's Table
    if ALL in marks:
        tenant = session.info.get("tenant")
        stmt = table.update() if tenant is None else table.update().where(table.c.vendor_account_id == tenant)
    else:
        stmt = table.update().where(table.c.manager_id.in_(sorted(marks)))
    session.connection().execute(stmt.values(forgotten_at=utcnow()))


@sa.event.listens_for(so.Session, "after_rollback")
def _keep_marks_of_nothing(session: so.Session) -> None:
    session.info.pop(FORGET, None)
    session.info.pop(scope.LARGE_SCOPES, None)
