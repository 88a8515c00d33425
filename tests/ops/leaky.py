"""Code that logs tokens everywhere it could, for the redaction tests (never in the product).

``leak_everywhere(tokens)`` puts each token in a log message, in ``%s`` arguments, in a
product event's top-level and nested fields, in URLs, in a logged exception with its
traceback, and finally raises with all of them in the message. The web test serves it as a
view (``urlpatterns``, with ``leaky_settings``); the worker test runs it as a Celery task
(``leak_task``, loaded with ``celery worker -I tests.ops.leaky``).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from clipmaker.logging import log_event

logger = logging.getLogger("tests.leaky")


class LeakError(Exception):
    pass


def leak_everywhere(tokens: dict[str, str]) -> None:
    joined = " ".join(tokens.values())
    telegram = tokens.get("telegram", "")
    logger.info(f"message with every token: {joined}")
    logger.info("arguments %s | %r", joined, list(tokens.values()))
    log_event(
        "leak_probe",
        **{f"{name}_value": value for name, value in tokens.items()},
        detail=f"Authorization: Bearer {tokens.get('vk', '')}",
        nested={"tokens": list(tokens.values()), "by_platform": dict(tokens)},
        url=(
            f"https://id.example/callback?code={tokens.get('code', 'none')}"
            f"&state={tokens.get('state', 'none')}&access_token={tokens.get('dzen', '')}"
        ),
        bot_url=f"https://api.telegram.org/bot{telegram}/sendVideo",
    )
    try:
        raise LeakError(f"platform refused {joined}")
    except LeakError:
        logger.exception("leak_exception %s", joined)
    secret_local = dict(tokens)  # shown as a frame variable by the DEBUG page
    raise LeakError(f"unhandled with {joined} and {secret_local!r}")


# --- web ------------------------------------------------------------------------------------


@csrf_exempt
def leak_view(request: HttpRequest) -> HttpResponse:
    tokens = {
        "vk": request.POST["vk"],
        "dzen": request.POST["dzen"],
        "telegram": request.POST["tg"],
        "rutube": request.POST["token"],
        "code": request.GET["code"],
        "state": request.GET["state"],
    }
    leak_everywhere(tokens)
    return HttpResponse("unreachable")


urlpatterns = [path("leak/", leak_view), path("", include("clipmaker.urls"))]


# --- worker ---------------------------------------------------------------------------------


@shared_task(name="tests.ops.leaky.leak_task")
def leak_task(connection_id: str, shaped: dict[str, str]) -> None:
    from platforms.models import PlatformConnection

    connection = PlatformConnection.objects.get(pk=connection_id)
    credentials = connection.credentials()  # decrypts: the token is now in use
    leak_everywhere({**shaped, "rutube": credentials.access_token})
