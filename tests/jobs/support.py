"""Helpers of the job runner's tests: a floating license with seats held, a real consumer in threads."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import time
from collections.abc import Callable, Iterator

from portal import jobs
from portal.models import utcnow

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def floating(make, world, seats=3, timeout=30):
    """A floating license with three devices: one stale, one borrowed (stale too), one fresh."""
    policy = make.policy(world["key_product"], is_floating=True, floating_seats=seats, max_activations=seats)
    license_ = make.license(world["order"], policy, floating_timeout_minutes=timeout)
    old = utcnow() - dt.timedelta(minutes=timeout + 5)
    stale = make.device(license_, floating_in_use=True, floating_since=old, last_check_in_at=old)
    borrowed = make.device(license_, floating_in_use=True, floating_since=old, last_check_in_at=old,
                           borrowed_until=utcnow() + dt.timedelta(hours=4))  # fmt: skip
    fresh = make.device(license_, floating_in_use=True, floating_since=old, last_check_in_at=utcnow())
    return license_, stale, borrowed, fresh


@contextlib.contextmanager
def consumer(app, url: str, name: str) -> Iterator[None]:
    """The app's queue on real storage, consumed by worker threads, as ``flask jobs`` runs it."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=url, JOBS_NAME=name)
    jobs.init_app(app)
    handlers = {s: signal.getsignal(s) for s in SIGNALS}
    running = jobs.consumer(workers=2)
    running.start()
    try:
        yield
    finally:
        running.stop(graceful=True)
        for number, handler in handlers.items():
            signal.signal(number, handler)
        jobs.queue.storage.flush_all()


def wait_for(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the job did not run in time")
