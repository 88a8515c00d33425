"""Start-up check of the production environment: one clear line per missing variable."""

from __future__ import annotations

import sys

import environ

REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": "a long random string (python -c 'import secrets; print(secrets.token_urlsafe(50))')",
    "PLATFORM_TOKEN_SECRET": "64 hex characters (python -c 'import secrets; print(secrets.token_hex(32))')",
    "DATABASE_URL": "postgres://user:password@host:5432/clipmaker",
    "REDIS_URL": "redis://host:6379/0",
    "ALLOWED_HOSTS": "the site's host names, comma-separated",
    "PUBLIC_BASE_URL": "https://your-host (Rutube downloads clips from signed URLs under it)",
}


def missing_production_settings(env: environ.Env) -> list[str]:
    return [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, default="").strip()]


def require_production_settings(env: environ.Env) -> None:
    missing = missing_production_settings(env)
    if missing:
        lines = [
            f"Missing required setting {name}: set it to {REQUIRED_IN_PRODUCTION[name]}."
            for name in missing
        ]
        sys.stderr.write("\n".join(lines) + "\n")
        raise SystemExit(1)
