"""Unbound extensions, bound to the app in create_app()."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate  # type: ignore[import-untyped]
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.db_setup import include_object
from portal.models.base import Base

db = SQLAlchemy(model_class=Base, session_options={"autoflush": True, "expire_on_commit": False})
migrate = Migrate(compare_type=True, render_as_batch=True, include_object=include_object)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def email_key() -> str:
    """Rate-limit key for sign-in attempts against one email address."""
    return "email:" + (request.form.get("email") or "").strip().lower()
