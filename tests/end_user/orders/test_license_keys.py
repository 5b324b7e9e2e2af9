"""License keys: one generator (portal.services.orders.license_keys) for issuing, the seeds and the tests."""

from __future__ import annotations

import random
import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import License
from portal.services.orders import license_keys
from portal.services.orders.license_keys import KEY_ALPHABET, license_key
from portal.tenancy import all_tenants

KEY = re.compile(rf"^[{KEY_ALPHABET}]{{4}}(-[{KEY_ALPHABET}]{{4}}){{3}}$")


def test_keys_have_four_groups_of_the_typed_alphabet_and_do_not_repeat():
    keys = [license_key() for _ in range(2000)]
    assert all(KEY.match(k) for k in keys), keys[:3]
    assert len(set(keys)) == len(keys)
    # Every letter of the alphabet turns up in every position: no bit of the 80 is wasted or stuck.
    for position in range(19):
        if position % 5 != 4:
            assert {k[position] for k in keys} == set(KEY_ALPHABET), position


def test_a_seeded_source_gives_the_same_keys_and_the_default_is_the_secure_one():
    assert [license_key(random.Random(3)) for _ in range(2)] == [license_key(random.Random(3))] * 2
    assert license_key(random.Random(3)) != license_key(random.Random(4))
    assert isinstance(license_keys._secure, random.SystemRandom)
    assert license_key.__defaults__ == (license_keys._secure,)


def test_the_factory_makes_licenses_as_issuing_does(make):
    w = make.world()
    policy = make.policy(w["key_product"], license_type="time-limited", validity_days=30, is_trial=True)
    made = make.license(w["order"], policy)
    assert KEY.match(made.license_key)
    assert made.is_trial and (made.valid_until - made.created_at).days == 30
    assert make.license(w["order"], policy, license_key="MINE-MINE-MINE-MINE").license_key == "MINE-MINE-MINE-MINE"


def test_the_scale_seed_makes_keys_as_issuing_does_run_after_run(app):
    runner = app.test_cli_runner()
    for managers in (30, 30):  # the same size twice: the second run must not draw the first run's keys
        result = runner.invoke(args=["seed", "scale", "--managers", str(managers)])
        assert result.exit_code == 0, result.output
    with app.app_context(), all_tenants(db.session):
        keys = db.session.scalars(sa.select(License.license_key)).all()
    assert len(keys) >= 120 and len(set(keys)) == len(keys)
    assert all(KEY.match(k) for k in keys), keys[:3]
