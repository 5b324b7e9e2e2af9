"""Configuration read from the environment (see the README's table)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY, generating one into instance/ on first start in development."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if os.environ.get("PORTAL_ENV", "development") == "production":
        raise RuntimeError("SECRET_KEY must be set when PORTAL_ENV=production")
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _base_url(production: bool) -> str:
    """The origin of every link in mail: configured, never taken from a request's Host."""
    url = (os.environ.get("PORTAL_BASE_URL") or "").strip().rstrip("/")
    if not url:
        if production:
            raise RuntimeError("PORTAL_BASE_URL must be set when PORTAL_ENV=production")
        return DEVELOPMENT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"PORTAL_BASE_URL must be an http(s) origin, not {url!r}")
    return url


def trusted_hosts(base_url: str, production: bool, extra: str | None = None) -> list[str]:
    """Hosts the portal answers for: PORTAL_BASE_URL's, TRUSTED_HOSTS', and loopback outside production."""
    hosts = [urlsplit(base_url).hostname or ""]
    hosts += [h.strip() for h in (extra or "").split(",") if h.strip()]
    if not production:
        hosts += LOCAL_HOSTS
    return list(dict.fromkeys(h for h in hosts if h))


def from_environment(instance_path: Path) -> dict:
    """Build the app's config mapping from environment variables."""
    production = os.environ.get("PORTAL_ENV", "development") == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.db'}"
    secret_key = _secret_key(instance_path)
    base_url = _base_url(production)
    return {
        "PORTAL_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_EMAIL_LIMIT": os.environ.get("LOGIN_EMAIL_LIMIT", "10 per 15 minutes"),
        "LOGIN_IP_LIMIT": os.environ.get("LOGIN_IP_LIMIT", "50 per minute"),
        # License API: per license key (or license user) and per address.
        "LICENSE_API_LIMIT": os.environ.get("LICENSE_API_LIMIT", "120 per minute"),
        "LICENSE_API_IP_LIMIT": os.environ.get("LICENSE_API_IP_LIMIT", "1200 per minute"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "portal@localhost"),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS"), False),
        "PORTAL_BASE_URL": base_url,
        # A request whose Host is not one of these is a 400 (Flask checks it, see portal.security).
        "TRUSTED_HOSTS": trusted_hosts(base_url, production, os.environ.get("TRUSTED_HOSTS")),
        # Request size limits (413): the whole body, the non-file form data in memory, the parts.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_FORM_MEMORY_SIZE", str(512 * 1024))),
        "MAX_FORM_PARTS": int(os.environ.get("MAX_FORM_PARTS", "1000")),
        "INVITATION_MAX_AGE_HOURS": int(os.environ.get("INVITATION_MAX_AGE_HOURS", "72")),
        "PASSWORD_RESET_MAX_AGE_MINUTES": int(os.environ.get("PASSWORD_RESET_MAX_AGE_MINUTES", "60")),
        # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", "0")),
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_COST": int(os.environ.get("ARGON2_MEMORY_COST", "65536")),
    }
