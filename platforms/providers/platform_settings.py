"""Where an adapter's settings come from: a Django setting, the environment, the sandbox, the
default; and a platform's hosts read that way.
"""

from __future__ import annotations

import os

from django.conf import settings

from .types import (
    BaseUrl,
)

# The OAuth client id and secret the sandbox's authorization servers accept.
SANDBOX_CLIENT = "sandbox-client"


def platform_setting(name: str, *, sandbox: str = "", default: str = "") -> str:
    """A platform adapter's own setting, read at call time.

    A Django setting of that name wins (tests override it), then the environment variable
    (``VK_CLIENT_ID=...``, also from ``.env``), then ``sandbox`` when the sandbox is on, then
    ``default``. Adapters declare their settings this way so that adding a platform needs no
    change to the project's settings module.
    """
    value = getattr(settings, name, "") or os.environ.get(name, "")
    if not value and getattr(settings, "PLATFORM_SANDBOX", False):
        value = sandbox
    return str(value or default)


def base_url(spec: BaseUrl) -> str:
    """Where to reach one of a platform's hosts, without a trailing slash: the setting or
    environment variable, else the sandbox's path when it is on, else the real host."""
    sandbox = f"{settings.PUBLIC_BASE_URL}/sandbox/{spec.sandbox}"
    return platform_setting(spec.setting, sandbox=sandbox, default=spec.real).rstrip("/")
