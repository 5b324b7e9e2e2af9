"""The jobs that compose services, and the periodic sweeps (``portal.jobs`` runs them).

Mail delivery lives in ``portal.mail`` and webhook delivery in ``portal.webhooks``, beside
what they send; the consumer imports this module so the sweeps are registered.
"""

from __future__ import annotations

import logging

from huey import crontab

from portal import jobs, mail, webhooks
from portal.extensions import db
from portal.services import sign_in
from portal.services.jobs import sweeps
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


@jobs.periodic(crontab(minute="*"))
def sweep_floating_seats() -> int:
    """Every minute: free floating seats whose devices stopped checking in."""
    return sweeps.release_stale_floating_seats()


@jobs.periodic(crontab(minute="*/15"))
def sweep_expired_tokens() -> int:
    """Every quarter hour: delete invitation and password links past their expiry."""
    return sweeps.delete_expired_tokens()


@jobs.periodic(crontab(minute="*"))
def sweep_due_webhooks() -> int:
    """Every minute: enqueue webhook deliveries whose next try is due."""
    return webhooks.enqueue_due()
