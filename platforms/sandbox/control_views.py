"""HTTP face of the control API: ``/sandbox/_control/...`` (JSON in, JSON out).

Development only, but a page open in a browser must not be able to reset the sandbox or inject
faults: a call needs either the development control token (``X-Sandbox-Token`` header, the value
of ``SANDBOX_CONTROL_TOKEN``, generated into ``var/sandbox_control_token``) or a staff login, and
a staff session's writes pass Django's CSRF check like any form. Tests and benchmarks in the
same process use ``platforms.sandbox.control`` directly.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from platforms.sandbox import control
from platforms.sandbox.faults import KINDS
from platforms.sandbox.registry import fault_targets
from platforms.sandbox.wire import json_response

View = Callable[[HttpRequest], HttpResponse]


@dataclass(frozen=True)
class Created:
    """A handler's answer for something it created (HTTP 201)."""

    data: dict[str, Any]


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    data = json.loads(request.body)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


TOKEN_HEADER = "X-Sandbox-Token"  # noqa: S105 - a header name
REFUSED = (
    "The sandbox control API needs the X-Sandbox-Token header (SANDBOX_CONTROL_TOKEN, see "
    "var/sandbox_control_token) or a staff login."
)


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.SANDBOX_CONTROL_TOKEN
    sent = request.headers.get(TOKEN_HEADER, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may use the control API, else the answer that refuses it."""
    if _token_ok(request):
        return None  # a custom header: no other site's page can send it
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return json_response({"detail": REFUSED}, status=403)
    # A staff session: its cookies ride along with any page's request, so writes need CSRF.
    reason = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
    if reason is not None:
        return json_response({"detail": "CSRF check failed"}, status=403)
    return None


def _json_view(methods: set[str]) -> Callable[[Callable[..., Any]], View]:
    def decorate(handler: Callable[..., Any]) -> View:
        # CSRF is checked in _refusal, for session callers only.
        @csrf_exempt
        def view(request: HttpRequest) -> HttpResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            if request.method not in methods:
                return json_response({"detail": f"use {' or '.join(sorted(methods))}"}, status=405)
            try:
                result = handler(request, _body(request) if request.method != "GET" else {})
            except (ValueError, TypeError) as exc:
                return json_response({"detail": str(exc)}, status=400)
            if isinstance(result, Created):
                return json_response(result.data, status=201)
            return json_response(result)

        view.__name__ = handler.__name__
        return view

    return decorate


@_json_view({"GET"})
def index(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "knobs": control.knobs(),
        "platforms": fault_targets(),
        "faults": {kind: doc for kind, (_defaults, doc) in KINDS.items()},
        "endpoints": [
            "reset/",
            "faults/",
            "journal/",
            "videos/",
            "credentials/",
            "settings/",
            "clock/",
            "channels/",
            "telegram-channels/",
            "vk-communities/",
            "vk-clips-refused/",
        ],
    }


@_json_view({"POST"})
def reset(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    control.reset()
    return {"reset": True}


@_json_view({"GET", "POST", "DELETE"})
def faults(request: HttpRequest, body: dict[str, Any]) -> Any:
    platform = request.GET.get("platform") or None
    if request.method == "GET":
        return control.faults(platform)
    if request.method == "DELETE":
        return {"deleted": control.clear_faults(platform)}
    body = dict(body)
    try:
        target, kind = body.pop("platform"), body.pop("fault")
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]} is required") from exc
    count = body.pop("count", 1)
    method = body.pop("method", None)
    params = body.pop("params", {}) or {}
    return Created(control.inject(target, kind, count=count, method=method, **{**body, **params}))


@_json_view({"GET"})
def journal(request: HttpRequest, body: dict[str, Any]) -> Any:
    return control.journal(
        request.GET.get("platform") or None,
        request.GET.get("method") or None,
        int(request.GET.get("since_id") or 0),
    )


@_json_view({"GET"})
def videos(request: HttpRequest, body: dict[str, Any]) -> Any:
    return control.videos(request.GET.get("platform") or None)


@_json_view({"POST"})
def credentials(request: HttpRequest, body: dict[str, Any]) -> Created:
    body = dict(body)
    platform = body.pop("platform", None)
    if not platform:
        raise ValueError("platform is required")
    return Created(control.issue_credentials(platform, **body))


@_json_view({"GET", "POST"})
def knobs(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    if "processing_seconds" in body:
        control.set_processing_seconds(float(body["processing_seconds"]))
    for platform, limit in (body.get("upload_limits") or {}).items():
        control.set_upload_limit(platform, None if limit is None else int(limit))
    return control.knobs()


@_json_view({"POST"})
def clock(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    return {"clock_offset": control.advance_clock(float(body.get("advance", 0)))}


@_json_view({"POST"})
def channels(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    chat = body.pop("chat_id", None)
    if not chat:
        raise ValueError("chat_id is required")
    return control.update_channel(str(chat), **body)


@_json_view({"POST"})
def telegram_channels(request: HttpRequest, body: dict[str, Any]) -> Created:
    """Another channel for an existing bot: ``{"bot_id", "scenario"?, "title"?}``."""
    if not body.get("bot_id"):
        raise ValueError("bot_id is required")
    return Created(
        control.add_telegram_channel(
            int(body["bot_id"]), str(body.get("scenario") or "ok"), body.get("title")
        )
    )


@_json_view({"GET", "POST"})
def vk_communities(request: HttpRequest, body: dict[str, Any]) -> Any:
    """A VK account's communities (``?account=``), or replace them:
    ``{"account", "communities": [name or {"name", "role"}]}``."""
    account = body.get("account") or request.GET.get("account")
    if not account:
        raise ValueError("account is required")
    if request.method == "POST":
        return control.set_vk_communities(account, list(body.get("communities") or []))
    return control.vk_communities(account)


@_json_view({"POST"})
def vk_clips_refused(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Make VK refuse an account the clips methods: ``{"account", "code": 15 | 7 | null}``."""
    account = body.get("account")
    if not account:
        raise ValueError("account is required")
    code = body.get("code", 15)
    control.set_vk_clips_refused(account, code)
    return {"account": str(account), "refused_code": code}
