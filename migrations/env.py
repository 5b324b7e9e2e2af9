"""Alembic environment: runs inside the Flask app (flask db ...), on the app's engine."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
options = current_app.extensions["migrate"].configure_args


def _skip_empty(context_, revision, directives) -> None:
    """Autogenerate writes no file when nothing changed."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_offline() -> None:
    context.configure(
        url=str(db.engine.url).replace("%", "%%"), target_metadata=db.metadata, literal_binds=True, **options
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=db.metadata, process_revision_directives=_skip_empty, **options
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
