"""Retry a dead letter: enqueue its job again after the commit, audited."""

from __future__ import annotations

from portal import audit, jobs
from portal.audit import Actor
from portal.errors import Conflict
from portal.extensions import db
from portal.models import FailedJob, utcnow


def retry(job: FailedJob, *, actor: Actor) -> FailedJob:
    """Run a failed job again; it becomes a new failed job if it fails for good once more."""
    if job.retried_at is not None:
        raise Conflict("This job was retried already.")
    task = jobs.TASKS.get(job.task)
    if task is None:
        raise Conflict(f"The job {job.task} no longer exists and cannot be retried.")
    job.retried_at = utcnow()
    jobs.after_commit(db.session, task, *job.args)
    audit.record("job.retried", job, actor=actor, object_type="job", object_label=f"job {job.task} #{job.id}")
    return job
