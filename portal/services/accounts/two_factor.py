"""Two-factor sign-in with TOTP (RFC 6238, pyotp) and ten single-use recovery codes.

Enrolling: a fresh secret is shown (otpauth URI, the secret as text, a QR code as SVG) and the
person confirms it with a code before it is on. Signing in: a code is accepted once: the time
step it belongs to is stored, and a conditional UPDATE refuses that step (or an earlier one)
again, so a code seen over someone's shoulder cannot be replayed in its window. Recovery codes
are stored as SHA-256 (they are random, 50 bits each) and spent by a conditional UPDATE.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time

import pyotp
import sqlalchemy as sa

from portal import audit
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import RecoveryCode, TwoFactor, utcnow
from portal.services import affected
from portal.services.accounts import Person, owned_by, person_columns

ISSUER = "License Portal"
RECOVERY_CODES = 10
# A code of the step before or after now is accepted too (clocks drift): 30 s either side.
WINDOW = 1
WRONG_CODE = "This code is not right, or it was used already. Enter the code your app shows now."
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no style attribute)."""
    import segno

    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=4, border=2, title="QR code")
    return out.getvalue().decode()


def normalise(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose TOTP equals the code, within the window, or None."""
    digits = normalise(code)
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int((now or time.time()) // totp.interval)
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), digits):
            return candidate
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def _new_codes(two_factor: TwoFactor) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.two_factor_id == two_factor.id))
    codes = ["-".join(("".join(secrets.choice(ALPHABET) for _ in range(5))) for _ in range(2)) for _ in range(10)]
    db.session.add_all(
        RecoveryCode(two_factor_id=two_factor.id, code_hash=_hash(c), vendor_account_id=two_factor.vendor_account_id)
        for c in codes
    )
    return codes


def of(person: Person) -> TwoFactor | None:
    """The person's second factor, when it is on."""
    return db.session.scalar(sa.select(TwoFactor).where(owned_by(TwoFactor, person)))


def enable(person: Person, secret: str, code: str, *, actor: Actor) -> list[str]:
    """Turn TOTP on once a code from the new secret checks out; return the recovery codes (shown once)."""
    if of(person) is not None:
        raise Conflict("Two-factor sign-in is already on.", code="two_factor_on")
    step = _matching_step(secret, code)
    if step is None:
        raise Invalid({"code": WRONG_CODE})
    two_factor = TwoFactor(
        secret=secret, last_counter=step, vendor_account_id=person.vendor_account_id, **person_columns(person)
    )
    db.session.add(two_factor)
    db.session.flush()
    codes = _new_codes(two_factor)
    audit.record("account.two_factor_enabled", person, actor=actor, after={"two_factor": True})
    return codes


def disable(person: Person, *, actor: Actor, required: bool = False) -> None:
    """Turn TOTP off (its recovery codes go with it), unless the vendor account requires it."""
    if required:
        raise Conflict("Your vendor account requires two-factor sign-in for staff.", code="two_factor_required")
    two_factor = of(person)
    if two_factor is None:
        raise Conflict("Two-factor sign-in is already off.", code="two_factor_off")
    db.session.delete(two_factor)
    db.session.flush()
    audit.record("account.two_factor_disabled", person, actor=actor, before={"two_factor": True})


def regenerate_codes(person: Person, *, actor: Actor) -> list[str]:
    """Replace the recovery codes with ten new ones (the old ones stop working)."""
    two_factor = of(person)
    if two_factor is None:
        raise Conflict("Two-factor sign-in is off.", code="two_factor_off")
    codes = _new_codes(two_factor)
    db.session.flush()
    audit.record("account.recovery_codes_renewed", person, actor=actor)
    return codes


def codes_left(two_factor: TwoFactor) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.two_factor_id == two_factor.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def verify(two_factor: TwoFactor, code: str, *, now: float | None = None) -> str | None:
    """Spend a TOTP code or a recovery code at sign-in: "totp", "recovery", or None (refused)."""
    step = _matching_step(two_factor.secret, code, now)
    if step is not None:
        spent = db.session.execute(
            sa.update(TwoFactor)
            .where(TwoFactor.id == two_factor.id)
            .where(sa.or_(TwoFactor.last_counter.is_(None), TwoFactor.last_counter < step))
            .values(last_counter=step)
        )
        return "totp" if affected(spent) == 1 else None
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.two_factor_id == two_factor.id, RecoveryCode.code_hash == _hash(code))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if affected(used) != 1:
        return None
    return "recovery"
