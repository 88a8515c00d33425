"""Every route of the URL conf, with its pattern, name and parameters: what the attack suite
walks, so a route added later is attacked without anyone listing it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Not the product's own objects: the platforms' emulator (development only), Django's admin
# (staff, covered by tests/security/test_logins.py) and the schema/docs.
FOREIGN_PREFIXES = ("sandbox/", "admin/")


@dataclass(frozen=True)
class Route:
    template: str  # "clips/{clip_id}/publish/"
    name: str
    params: tuple[str, ...]


def _walk(resolver: URLResolver, prefix: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes.extend(_walk(entry, prefix + _template(pattern)))
        elif isinstance(entry, URLPattern):
            template = prefix + _template(pattern)
            params = tuple(re.findall(r"\{(\w+)\}", template))
            routes.append(Route(template=template, name=entry.name or "", params=params))
    return routes


def _template(pattern: str) -> str:
    """A route or regex pattern with each parameter as ``{name}``."""
    text = pattern.lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    text = text.replace("\\.", ".").replace("\\Z", "")
    return re.sub(r"\(\?:[^)]*\)\??", "", text)


def all_routes() -> list[Route]:
    return [r for r in _walk(get_resolver()) if not r.template.startswith(FOREIGN_PREFIXES)]
