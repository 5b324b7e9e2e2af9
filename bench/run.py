"""`make bench`: the pages at scale beside Flask-Admin (bench/pages.py), the overview's throughput under
gunicorn on PostgreSQL (bench/throughput.py), then the License API.

BENCH_SIZES, BENCH_RUNS and BENCH_PG_SERVER set the sizes, the repetitions and the PostgreSQL
server (bench/pages.py); the License API's own settings are in bench/license_api.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import license_api, pages, throughput  # noqa: E402


def main() -> None:
    runs = pages.main()
    if any(run.backend == "postgresql" for run in runs):
        throughput.main()
    # The License API's in-process figures on the smallest SQLite database just measured (already seeded).
    app = pages.build("sqlite", min(pages.SIZES))[0]
    license_api.print_table(license_api.in_process(app) + license_api.served())


if __name__ == "__main__":
    main()
