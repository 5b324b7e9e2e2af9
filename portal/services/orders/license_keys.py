"""Make licenses as issuing does: a key from a secure random source, limits from the policy.

Issuing uses these for production licenses; the demo and scale data (``portal.seed``) and the
tests use them too, with a seeded random source of their own.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from portal.models import License, LicensePolicy, Product

KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: keys are typed by people
_secure = random.SystemRandom()


def license_key(rng: random.Random = _secure) -> str:
    """A license key such as ``ABCD-EFGH-JKLM-NPQR``; from the system's secure source unless given one.

    Sixteen characters of a 32-letter alphabet are exactly 80 random bits, drawn at once: ten
    times faster than sixteen ``choice`` calls (300,000 keys: 1.4 s instead of 15 s), which the
    scale data, issuing in bulk and the tests all feel.
    """
    bits = rng.getrandbits(80)
    chars = [KEY_ALPHABET[(bits >> shift) & 31] for shift in range(0, 80, 5)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 16, 4))


def license_from_policy(product: Product, policy: LicensePolicy, created_at: dt.datetime, **fields: Any) -> License:
    """A license with the limits its policy sets, as issuing one makes it."""
    valid_until = None
    if policy.validity_days:
        valid_until = created_at + dt.timedelta(days=policy.validity_days)
    values = dict(
        product_id=product.id,
        policy_id=policy.id,
        license_type=policy.license_type,
        status="inactive",
        max_activations=policy.max_activations,
        transfer_limit=policy.transfer_limit,
        max_license_users=policy.max_license_users,
        is_floating=policy.is_floating,
        floating_seats=policy.floating_seats,
        floating_timeout_minutes=product.floating_timeout_minutes,
        max_borrow_hours=policy.max_borrow_hours,
        max_consumptions=policy.max_consumptions,
        is_trial=policy.is_trial,
        valid_until=valid_until,
        created_at=created_at,
    )
    values.update(fields)
    return License(**values)
