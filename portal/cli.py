"""Command line: `flask --app wsgi seed demo|scale`, `create-staff`, `simulate`."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from portal import jobs
from portal.extensions import db
from portal.models.account import ADMIN, OWNER, STAFF_ROLES


def register_cli(app: Flask) -> None:
    seed = AppGroup("seed", help="Load demo or scale data.")

    @seed.command("demo")
    @click.option("--reset", is_flag=True, help="Delete every vendor account first.")
    @click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when data exists.")
    def seed_demo(reset: bool, if_empty: bool) -> None:
        """Load the demo data; refuses when a vendor account exists, unless --reset."""
        from portal.seed import demo

        if demo.load(reset=reset):
            analyze_database()
            click.echo("Demo data loaded.")
        elif if_empty:
            click.echo("The database already holds data; demo data not loaded.")
        else:
            raise click.ClickException(
                "The database already holds a vendor account. Use --reset to replace everything."
            )
        _print_sign_ins()

    @seed.command("sign-ins")
    def seed_sign_ins() -> None:
        """Print the demo sign-ins."""
        _print_sign_ins()

    @seed.command("scale")
    @click.option("--managers", type=click.IntRange(1, 5_000_000), required=True)
    def seed_scale(managers: int) -> None:
        """Create N license managers with their orders, licenses and devices in Scale Co."""
        from portal.seed import scale

        started = time.perf_counter()
        counts = scale.load(managers)
        analyze_database()
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        click.echo(f"Scale Co: {summary} in {elapsed:.1f} s.")

    @app.cli.command("create-staff")
    @click.argument("email")
    @click.option("--account", "account_name", required=True, help="Vendor account name.")
    @click.option("--name", default="", help="The person's name.")
    @click.option(
        "--role",
        type=click.Choice(STAFF_ROLES),
        default=None,
        help="owner, admin or support; default: owner for an account's first staff, admin after that.",
    )
    @click.password_option(help="Asked for when not given.")
    def create_staff(email: str, account_name: str, name: str, role: str | None, password: str) -> None:
        """Create a vendor staff sign-in (and the vendor account if it is new)."""
        from portal.models import DefaultPermissionSet, StaffUser, VendorAccount
        from portal.passwords import hash_password
        from portal.tenancy import all_tenants, set_tenant

        email = email.strip().lower()
        with all_tenants(db.session):
            if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)):
                raise click.ClickException(f"{email} already signs in as staff.")
            account = db.session.scalar(sa.select(VendorAccount).where(VendorAccount.name == account_name))
        if account is None:
            account = VendorAccount(name=account_name)
            db.session.add(account)
            db.session.flush()
            set_tenant(db.session, account.id)
            db.session.add(DefaultPermissionSet())
        set_tenant(db.session, account.id)
        if role is None:
            # Someone has to be able to manage the account: its first staff member owns it.
            has_staff = db.session.scalar(sa.select(StaffUser.id).limit(1)) is not None
            role = ADMIN if has_staff else OWNER
        db.session.add(StaffUser(email=email, name=name, role=role, password_hash=hash_password(password)))
        db.session.commit()
        click.echo(f"{email} can now sign in at /vendor/login for {account_name} as {role}.")

    @app.cli.command("simulate")
    @click.option("--devices", type=click.IntRange(1, 10_000), default=10, show_default=True)
    @click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="The running portal.")
    @click.option(
        "--seconds", type=click.FloatRange(min=0.1), default=None, help="Stop after this long (default: Ctrl-C)."
    )
    @click.option("--interval", type=click.FloatRange(min=0.05), default=2.0, show_default=True)
    def simulate(devices: int, base_url: str, seconds: float | None, interval: float) -> None:
        """Run simulated machines that activate, check in and float seats through the License API."""
        from portal import simulator

        click.echo(f"Simulating {devices} devices against {base_url}" + (f" for {seconds:g} s." if seconds else "."))
        try:
            counts = simulator.run(base_url, devices, seconds, interval=interval)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from None
        click.echo(", ".join(f"{n:,} {what}" for what, n in sorted(counts.items())) or "No call answered.")

    @app.cli.command("analyze")
    def analyze() -> None:
        """Refresh the query planner's statistics (SQLite; PostgreSQL's autovacuum does this itself)."""
        analyze_database()
        click.echo("Statistics refreshed.")

    app.cli.add_command(seed)
    app.cli.add_command(jobs.run_consumer)


def analyze_database() -> None:
    """Give the planner fresh statistics after bulk loads.

    Without them SQLite picks the vendor_account_id index for every tenant-scoped query,
    which at 100,000 managers makes pages 10 to 200 times slower.
    """
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # VACUUM too: a load fills the kept values once at its end (``db_triggers.suspended``), leaving a dead
        # version of every manager row that the pages' index scans would read until autovacuum came by.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def _print_sign_ins() -> None:
    from portal.seed.demo import PASSWORD, SIGN_INS

    click.echo(f"\nDemo sign-ins (password: {PASSWORD})")
    for side, url, email, what in SIGN_INS:
        click.echo(f"  {side:<16} {email:<22} {what:<22} {url}")
    click.echo("")
