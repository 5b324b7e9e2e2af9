"""A job out of retries is a dead letter on /vendor/jobs, with its error and a Retry button (admin+)."""

from __future__ import annotations

import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.models import AuditEvent, FailedJob
from portal.tenancy import all_tenants

RUNS: list[int] = []


@jobs.task()
def flaky_test_job(vendor_account_id: int, n: int) -> int:
    """Fails the first time it runs, succeeds after (a job of this test module)."""
    RUNS.append(n)
    if len(RUNS) == 1:
        raise RuntimeError("the receiving server is down")
    return n


def _failed(app) -> list[FailedJob]:
    with app.app_context(), all_tenants(db.session):
        return list(db.session.scalars(sa.select(FailedJob)))


def test_a_failed_job_is_shown_and_retried_from_the_page(app, client, make, login):
    RUNS.clear()
    vendor, other = make.vendor(), make.vendor()
    flaky_test_job(vendor.id, 7)  # immediate mode: runs now, fails, has no retries left
    [dead] = _failed(app)
    assert (dead.task, dead.args, dead.vendor_account_id, dead.retried_at) == ("flaky_test_job", [vendor.id, 7],
                                                                              vendor.id, None)  # fmt: skip
    assert "the receiving server is down" in dead.error
    login(make.staff(vendor, role="admin"))
    page = client.get("/vendor/jobs").get_data(as_text=True)
    assert "flaky_test_job" in page and "the receiving server is down" in page
    assert client.post(f"/vendor/jobs/{dead.id}/retry").status_code == 303
    assert RUNS == [7, 7]
    [retried] = _failed(app)
    assert retried.retried_at is not None
    assert f'id="failed-job-{dead.id}"' not in client.get("/vendor/jobs").get_data(as_text=True)
    assert client.post(f"/vendor/jobs/{dead.id}/retry").status_code == 409  # once
    with app.app_context(), all_tenants(db.session):
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "job.retried")) == 1
    # another vendor's staff see none of it
    login(make.staff(other, role="owner"))
    assert "flaky_test_job" not in client.get("/vendor/jobs").get_data(as_text=True)
    assert client.post(f"/vendor/jobs/{dead.id}/retry").status_code == 404


def test_support_staff_read_the_jobs_page_but_cannot_retry(app, client, make, login):
    RUNS.clear()
    vendor = make.vendor()
    flaky_test_job(vendor.id, 1)
    [dead] = _failed(app)
    login(make.staff(vendor, role="support"))
    page = client.get("/vendor/jobs").get_data(as_text=True)
    assert f'id="failed-job-{dead.id}"' in page and "Retry" not in page
    assert client.post(f"/vendor/jobs/{dead.id}/retry").status_code == 403
    assert _failed(app)[0].retried_at is None and RUNS == [1]
