"""What the jobs page shows: the vendor's dead letters (jobs out of retries), newest first."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import FailedJob

SHOWN = 100


def failed(limit: int = SHOWN) -> list[FailedJob]:
    """The vendor's failed jobs not retried yet, newest first."""
    return list(
        db.session.scalars(
            sa.select(FailedJob).where(FailedJob.retried_at.is_(None)).order_by(FailedJob.id.desc()).limit(limit)
        )
    )


def get_failed(job_id: int) -> FailedJob | None:
    return db.session.scalar(sa.select(FailedJob).where(FailedJob.id == job_id))
