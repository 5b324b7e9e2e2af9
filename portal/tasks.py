"""The jobs that compose services, and the periodic sweeps (``portal.jobs`` runs them).

Mail delivery lives in ``portal.mail`` and webhook delivery in ``portal.webhooks``, beside
what they send; the consumer imports this module so the sweeps are registered.
"""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab

from portal import digest, jobs, mail, webhooks
from portal.extensions import db
from portal.services import sign_in
from portal.services.jobs import sweeps
from portal.services.license_managers import bulk
from portal.services.reports import summary
from portal.tenancy import all_tenants

log = logging.getLogger("portal.tasks")


@jobs.task(retries=2, retry_delay=60)
def mail_reset_links(email: str, locale: str | None = None) -> int:
    """Mail a reset link to every manager (not disabled) with this email.

    The forgot-password view enqueues this for every email it is given, known or not, so the
    answer takes the same time whether or not the email belongs to anyone.
    """
    try:
        with all_tenants(db.session):
            users = sign_in.reset_recipients(email)
            for user in users:
                mail.send_password_reset(user, locale)
        return len(users)
    except Exception:
        log.exception("reset mail for %s failed", email)
        raise


@jobs.task(retries=2, retry_delay=60)
def mail_staff_reset_link(email: str, locale: str | None = None) -> int:
    """Mail a reset link to the active staff member with this email, if any (enqueued for every email).

    ``locale`` is taken like the managers' job takes it, and unused: the vendor platform speaks English.
    """
    with all_tenants(db.session):
        staff = sign_in.find_staff(email)
        if staff is None or not staff.is_active:
            return 0
        mail.send_staff_password_reset(staff)
    return 1


# How many managers one job of a bulk run changes before it hands over to the next job.
BULK_CHUNK = 200


@jobs.task(retries=2, retry_delay=30)
def bulk_chunk(vendor_account_id: int, run_id: int) -> bool:
    """Apply the next chunk of a bulk run's items, then queue the chunk after it.

    One chunk per job, committed on its own: a run of thousands shows its progress as it goes
    and never holds a worker for its whole length; a chunk that fails is retried whole.
    """
    jobs.tenant(vendor_account_id)
    more = bulk.run_chunk(run_id, int(current_app.config.get("BULK_CHUNK", BULK_CHUNK)))
    if more:
        jobs.after_commit(db.session, bulk_chunk, vendor_account_id, run_id)
    return more


@jobs.periodic(crontab(minute="*"))
def sweep_floating_seats() -> int:
    """Every minute: free floating seats whose devices stopped checking in."""
    return sweeps.release_stale_floating_seats()


@jobs.periodic(crontab(minute="*"))
def sweep_usage_summaries() -> int:
    """Every minute: count again the kept usage figures of large managers (a minute old or more)."""
    return summary.recount_due()


@jobs.periodic(crontab(minute="*/15"))
def sweep_expired_tokens() -> int:
    """Every quarter hour: delete invitation and password links past their expiry."""
    return sweeps.delete_expired_tokens()


@jobs.periodic(crontab(minute="*"))
def sweep_due_webhooks() -> int:
    """Every minute: enqueue webhook deliveries whose next try is due."""
    return webhooks.enqueue_due()


@jobs.periodic(crontab(hour="7", minute="0"))
def send_digests() -> int:
    """Every day at 07:00 UTC: mail each manager what needs their attention (expiry, invitations, seats)."""
    return digest.send_digests()
