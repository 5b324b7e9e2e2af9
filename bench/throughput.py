"""Throughput of the overview under the README's production setup: fragments and searches per second.

gunicorn with ``gunicorn.conf.py`` (BENCH_WORKERS workers, 4 by default) on the largest PostgreSQL
database of bench/pages.py (seeded there), a staff member signed in through the real sign-in form,
then a load generator on loopback (bench/license_api.py's: BENCH_LOAD_PROCESSES processes of
BENCH_LOAD_THREADS keep-alive connections for BENCH_LOAD_SECONDS) asking for the overview's
fragment, then for a search of one exact email. Targets at 1M: 200 fragments/s and 150 searches/s,
p95 under 50 ms. Bounded in time; never part of the tests.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench import license_api, pages  # noqa: E402

WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))


def sign_in(base_url: str) -> str:
    """The Cookie header of Scale Co's admin, signed in as a person would (CSRF token and all)."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        form = client.get("/vendor/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', form
        )
        assert token, "no CSRF token on the sign-in page"
        answer = client.post(
            "/vendor/login",
            data={"email": "admin@scale.test", "password": "demo-password", "csrf_token": token.group(1)},
        )
        assert answer.status_code in (302, 303), f"sign-in answered {answer.status_code}"
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def main() -> None:
    size = max(pages.SIZES)
    app, values, _, _ = pages.build("postgresql", size)  # seeds it when it is not there yet
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with license_api.Gunicorn(url, workers=WORKERS) as server:
        cookie = sign_in(server.base_url)
        headers = f"Cookie: {cookie}\r\nHX-Request: true\r\nHX-Target: results\r\n"
        cases = [
            ("overview fragment", pages.OVERVIEW),
            ("search, one exact email", f"{pages.OVERVIEW}?q={values['email']}"),
        ]
        title = f"gunicorn, PostgreSQL {size:,}"
        print(f"\n{title:<34} {'per second':>11} {'median ms':>10} {'p95 ms':>8}  answers")
        for name, path in cases:
            request = license_api.prepared(server.base_url, path, None, headers)
            per_second, median, p95, answers = license_api.load_requests(server.base_url, [request])
            print(f"{name:<34} {per_second:>11.0f} {median:>10.1f} {p95:>8.1f}  {answers}")
    print(
        f"\n{WORKERS} workers; {license_api.LOAD_PROCESSES} processes x {license_api.LOAD_THREADS} connections "
        f"for {license_api.LOAD_SECONDS:g} s each"
    )


if __name__ == "__main__":
    main()
