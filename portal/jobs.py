"""The job runner: Huey, on a SQLite file by default, on Redis when ``JOBS_URL`` says so.

``JOBS_URL`` is ``sqlite:///path`` (the default is ``instance/jobs.db``: no extra server) or
``redis://host:port/db`` when several workers and hosts serve; ``JOBS_NAME`` names the queue
(on Redis, its key prefix). ``flask --app wsgi jobs`` runs the consumer (workers plus the
periodic sweeps); ``make run`` starts it beside the dev server. With ``JOBS_IMMEDIATE`` (the
default when ``TESTING``) a job runs at once where it is enqueued, in memory.

Each job runs in an app context of its own, with its own session, and commits once; a job
of one vendor's gets the vendor account id as its first argument and sets the tenant from it.
Jobs are enqueued after the surrounding transaction commits (``after_commit``), so a change
rolled back never mails anyone or calls a webhook. A job that runs out of retries is kept as a
``FailedJob`` (a dead letter) that staff see on ``/vendor/jobs`` and can retry.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, has_app_context
from huey import Huey
from huey import signals as S
from huey.api import Task, TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from portal.extensions import db
from portal.tenancy import set_tenant

log = logging.getLogger("portal.jobs")

queue = Huey("portal", immediate=True, utc=True)
TASKS: dict[str, TaskWrapper] = {}
PENDING = "pending_jobs"
_app: Flask | None = None


def storage_for(url: str, name: str) -> Any:
    """The Huey storage a ``JOBS_URL`` names."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage(name, url=url)
    if url.startswith("sqlite:///"):
        return SqliteStorage(name, filename=url.removeprefix("sqlite:///"))
    raise RuntimeError(f"JOBS_URL must be sqlite:///… or redis://…, not {url!r}")


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage; jobs run in this app's context."""
    global _app
    _app = app
    name = app.config.get("JOBS_NAME", "portal")
    immediate = bool(app.config.get("JOBS_IMMEDIATE", app.testing))
    queue.name = name
    queue._immediate = immediate  # the setter would keep a storage of the other mode; set both here
    queue.storage = MemoryStorage(name) if immediate else storage_for(app.config["JOBS_URL"], name)


def _app_for_job() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        raise RuntimeError("portal.jobs.init_app was never called")
    return _app


def task(*, retries: int = 0, retry_delay: int = 0, retry_backoff: float = 0, **options: Any) -> Callable:
    """Declare a job: it runs in an app context with its own session, committed once at the end."""

    def wrap(function: Callable) -> TaskWrapper:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with _app_for_job().app_context():
                try:
                    result = function(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        wrapper = queue.task(
            retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff, name=function.__name__, **options
        )(run)
        TASKS[function.__name__] = wrapper
        return wrapper

    return wrap


def periodic(validate_datetime: Callable, **options: Any) -> Callable:
    """Declare a periodic job (a sweep): run by the consumer when ``validate_datetime`` says so."""

    def wrap(function: Callable) -> TaskWrapper:
        @functools.wraps(function)
        def run() -> Any:
            with _app_for_job().app_context():
                try:
                    result = function()
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        wrapper = queue.periodic_task(validate_datetime, name=function.__name__, **options)(run)
        TASKS[function.__name__] = wrapper
        return wrapper

    return wrap


def tenant(vendor_account_id: int | None) -> None:
    """Scope the job's session to the vendor account it works for."""
    set_tenant(db.session, vendor_account_id)


# Enqueue after commit


def after_commit(session: Any, job: Callable[..., Any], *args: Any) -> None:
    """Enqueue the job once the session's transaction commits; never if it rolls back."""
    session.info.setdefault(PENDING, []).append((job, args))


@sa.event.listens_for(so.Session, "after_commit")
def _enqueue_pending(session: so.Session) -> None:
    if session.in_nested_transaction():  # a savepoint released (forms.submit): wait for the real commit
        return
    for job, args in session.info.pop(PENDING, []):
        try:
            job(*args)
        except Exception:  # a queue that is down must not turn a committed change into an error page
            log.exception("could not enqueue %s%r", job.name, args)


@sa.event.listens_for(so.Session, "after_rollback")
def _drop_pending(session: so.Session) -> None:
    session.info.pop(PENDING, None)


# Dead letters


@queue.signal(S.SIGNAL_ERROR)
def _keep_dead_letter(signal: str, job: Task, exc: BaseException | None = None) -> None:
    """A job out of retries becomes a FailedJob of its vendor's (a job of no vendor's is only logged)."""
    if job.retries:
        return
    vendor = job.args[0] if job.args and isinstance(job.args[0], int) else None
    log.error("job %s%r failed for good: %r", job.name, job.args, exc)
    if vendor is None:
        return
    from portal.models import FailedJob

    with _app_for_job().app_context():
        try:
            tenant(vendor)
            db.session.add(FailedJob(task=job.name, args=list(job.args), error=repr(exc)[:1000]))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("could not keep the failed job %s", job.name)
        finally:
            db.session.remove()


def pending_of(vendor_account_id: int, limit: int = 100) -> list[tuple[str, Task]]:
    """The vendor's jobs waiting in the queue ("queued") or for their next try ("scheduled")."""
    found: list[tuple[str, Task]] = []
    for state, tasks in (("queued", queue.pending(limit)), ("scheduled", queue.scheduled(limit))):
        found += [(state, t) for t in tasks if t.args and t.args[0] == vendor_account_id]
    return found


def consumer(workers: int = 2) -> Any:
    """A consumer over the configured storage: worker threads plus the periodic scheduler."""
    import portal.tasks  # noqa: F401  (registers the periodic sweeps)

    return queue.create_consumer(workers=workers, worker_type="thread", periodic=True, check_worker_health=True)


@click.command("jobs")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def run_consumer(workers: int) -> None:
    """Run the job runner: mail, webhook deliveries and the periodic sweeps, until stopped."""
    if queue.immediate:
        raise click.ClickException(
            "JOBS_IMMEDIATE is on: jobs run where they are enqueued, there is nothing to consume."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Job runner on {current_app.config['JOBS_URL']} ({workers} workers); Ctrl+C stops it.")
    consumer(workers).run()
