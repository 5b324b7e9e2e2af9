"""A person's signed-in browsers: recorded at sign-in, checked at load, ended one by one or all but this one.

The session cookie carries a random ``sid``; its row (found by the SHA-256 of the sid, one
indexed look-up joined into the query that loads the person) says whether it still stands.
Sessions begun before a password change or "end all others" carry an older version and are
dead with the rest (``portal.identity`` compares versions).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from portal import audit
from portal.audit import Actor
from portal.errors import N_, Conflict
from portal.extensions import db
from portal.models import UserSession, utcnow
from portal.services import affected
from portal.services.accounts import Person, owned_by, person_columns

# How stale "last seen" may get before a request writes it again: one write per session per interval.
SEEN_EVERY = dt.timedelta(minutes=5)


def sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def begin(person: Person, sid: str, *, user_agent: str, ip: str) -> UserSession:
    """Record a session that has just signed in."""
    record = UserSession(
        sid_hash=sid_hash(sid),
        version=person.session_version,
        user_agent=user_agent[:300],
        ip=ip[:45],
        vendor_account_id=person.vendor_account_id,
        **person_columns(person),
    )
    db.session.add(record)
    db.session.flush()
    return record


def live(person: Person) -> sa.Select[tuple[UserSession]]:
    """The person's sessions that still stand, the latest seen first."""
    return (
        sa.select(UserSession)
        .where(owned_by(UserSession, person), UserSession.ended_at.is_(None))
        .where(UserSession.version == person.session_version)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        .limit(100)
    )


def mine(person: Person, session_id: int) -> UserSession | None:
    """One of the person's sessions that still stands (None for anyone else's, or an ended one)."""
    return db.session.scalar(
        sa.select(UserSession).where(
            UserSession.id == session_id,
            owned_by(UserSession, person),
            UserSession.ended_at.is_(None),
            UserSession.version == person.session_version,
        )
    )


def end(person: Person, session_id: int, *, current_sid: str | None, actor: Actor) -> UserSession:
    """End one of the person's other sessions: its next request signs in again."""
    record = db.session.scalar(
        sa.select(UserSession).where(UserSession.id == session_id, owned_by(UserSession, person))
    )
    if record is None or record.ended_at is not None or record.version != person.session_version:
        raise Conflict("That session has already ended.", code="session_ended")
    if current_sid is not None and record.sid_hash == sid_hash(current_sid):
        raise Conflict("This is the session you are using: sign out instead.", code="current_session")
    record.ended_at = utcnow()
    db.session.flush()
    audit.record(
        "account.session_ended",
        person,
        actor=actor,
        before={"session": describe(record)},
        object_label=audit.describe(person),
    )
    return record


def end_others(person: Person, *, current_sid: str | None, actor: Actor) -> int:
    """End every session but this one, also those begun before sessions were recorded."""
    now, mine = utcnow(), sid_hash(current_sid) if current_sid else None
    ended = db.session.execute(
        sa.update(UserSession)
        .where(owned_by(UserSession, person), UserSession.ended_at.is_(None))
        .where(UserSession.sid_hash != (mine or ""))
        .values(ended_at=now)
    )
    person.session_version += 1  # sessions with no record end too; the caller signs this one in again
    if mine:
        db.session.execute(
            sa.update(UserSession).where(UserSession.sid_hash == mine).values(version=person.session_version)
        )
    db.session.flush()
    count = affected(ended)
    audit.record("account.other_sessions_ended", person, actor=actor, after={"sessions_ended": count})
    return count


def end_current(sid: str | None) -> None:
    """Mark this browser's session ended (signing out)."""
    if sid:
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.sid_hash == sid_hash(sid), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def touch(session_id: int, connection: sa.Connection | None = None) -> None:
    """Write "last seen" now (callers do it at most every SEEN_EVERY)."""
    statement = sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow())
    if connection is not None:
        connection.execute(statement)
    else:
        db.session.execute(statement)


BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_of(user_agent: str) -> str:
    """'Firefox on Linux' from a User-Agent, or the agent itself when neither is known.

    A marked message (``N_``): the pages show it in the reader's language (the ``translate`` filter).
    """
    browser = next((name for token, name in BROWSERS if token in user_agent), None)
    system = next((name for token, name in SYSTEMS if token in user_agent), None)
    if browser and system:
        return N_("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or user_agent[:60] or N_("Unknown browser")


def describe(record: UserSession) -> str:
    """The browser and where it signed in from, as the audit log and the end-session page name it."""
    if record.ip:
        return N_("%(device)s from %(address)s", device=device_of(record.user_agent), address=record.ip)
    return N_("%(device)s from an unknown address", device=device_of(record.user_agent))
