"""The license portal: a vendor platform and an End User Portal for license managers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the portal application."""
    from portal import (
        account_counts,
        config,
        db_setup,
        db_triggers,
        i18n,
        jobs,
        manager_counts,
        manager_licenses,
        manager_orders,
        manager_search_text,
        search,
        security,
    )
    from portal.cli import register_cli
    from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate
    from portal.views import register_blueprints
    from portal.views.errors import register_error_handlers

    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    db_setup.configure_engine_options(app)
    db.init_app(app)
    search.install(db.metadata)  # the trigram indexes beside the tables create_all makes
    # and the triggers that keep values on rows: each manager's counts, search text, orders and licenses;
    # each vendor's managers
    db_triggers.install(
        db.metadata,
        manager_counts.TRIGGERS,
        manager_search_text.TRIGGERS,
        account_counts.TRIGGERS,
        manager_licenses.TRIGGERS,
        manager_orders.TRIGGERS,
    )
    db_setup.register_sqlite_pragmas(app, db)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are ended by session_version instead
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    jobs.init_app(app)
    i18n.init_app(app)

    from portal import access

    app.jinja_env.globals["can"] = access.can
    security.init_app(app)
    register_error_handlers(app)
    register_blueprints(app)
    register_cli(app)
    return app
