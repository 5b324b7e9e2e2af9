"""Small builders shared by the demo data, the scale data and the tests."""

from __future__ import annotations

import datetime as dt
import random

from portal.models import Device, License

# Licenses are made where issuing makes them; the seeds take the same builders from there.
from portal.services.orders.license_keys import license_from_policy as license_from_policy
from portal.services.orders.license_keys import license_key as license_key

OPERATING_SYSTEMS = [
    "Windows 11 Pro 23H2",
    "Windows 10 Enterprise 22H2",
    "macOS 14.5 Sonoma",
    "macOS 15.1 Sequoia",
    "Ubuntu 22.04 LTS",
    "Ubuntu 24.04 LTS",
    "Red Hat Enterprise Linux 9.4",
    "Debian 12",
]
SDK_VERSIONS = ["7.2.1", "7.3.0", "7.4.2", "8.0.0"]
FIRST_NAMES = [
    "Ada",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elena",
    "Farah",
    "Gustav",
    "Hana",
    "Ivan",
    "Julia",
    "Kwame",
    "Lena",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomoko",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amara",
    "Bao",
    "Camille",
    "Diego",
    "Emeka",
    "Freya",
    "Giulia",
    "Hiro",
    "Ingrid",
    "Jonas",
    "Kira",
    "Luis",
    "Mira",
    "Noah",
]
LAST_NAMES = [
    "Novak",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Silva",
    "Kowalski",
    "Haddad",
    "Jensen",
    "Rossi",
    "Schmidt",
    "Fischer",
    "Nakamura",
    "Petrov",
    "Alvarez",
    "Dubois",
    "Kaur",
    "Byrne",
    "Costa",
    "Weber",
    "Ivanova",
    "Larsen",
    "Mendes",
    "Ng",
    "Oliveira",
    "Park",
    "Quinn",
    "Reyes",
]


def hardware_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def device_for(license_: License, rng: random.Random, hostname: str, now: dt.datetime, first: dt.datetime) -> Device:
    """An active device that checked in some time between its first activation and now."""
    span = max(int((now - first).total_seconds()), 60)
    return Device(
        license=license_,
        hardware_id=hardware_id(rng),
        hostname=hostname,
        os=rng.choice(OPERATING_SYSTEMS),
        ip=f"10.{rng.randint(0, 254)}.{rng.randint(0, 254)}.{rng.randint(1, 254)}",
        sdk_version=rng.choice(SDK_VERSIONS),
        first_activated_at=first,
        last_check_in_at=first + dt.timedelta(seconds=rng.randint(span // 2, span)),
        created_at=first,
    )
