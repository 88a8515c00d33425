"""The frame every sandbox endpoint runs in: body counting, fault injection and the journal."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from platforms.sandbox import faults
from platforms.sandbox.faults import Fault
from platforms.sandbox.state import Store, get_store
from platforms.sandbox.wire import (
    Dropped,
    count_body,
    drain,
    no_delay,
    read_body_counted,
    request_socket,
    reset_connection,
)

FaultRenderer = Callable[[Fault, str], HttpResponse]
MethodName = str | Callable[..., str]

JOURNAL_KEEP = 100_000  # the journal keeps the latest requests only
JOURNAL_PRUNE_EVERY = 1000
_WRAPPER_KINDS = frozenset(faults.KINDS) - {"rejected"}
_BOT_TOKEN_IN_PATH = re.compile(r"/bot[^/]*")


def redact_path(path: str) -> str:
    """The request path as journaled: Telegram's bot token in the path becomes bot<redacted>."""
    if "/telegram/" in path:
        return _BOT_TOKEN_IN_PATH.sub("/bot<redacted>", path, count=1)
    return path


def record(
    store: Store,
    *,
    platform: str,
    method: str,
    http_method: str,
    path: str,
    status: int,
    bytes_in: int,
    started: float,
    fault: str | None,
) -> None:
    with store.connection() as conn:
        cursor = conn.execute(
            "INSERT INTO journal (at, platform, method, http_method, path, status, bytes_in, "
            "duration_ms, fault) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                time.time(),
                platform,
                method,
                http_method,
                redact_path(path),
                status,
                bytes_in,
                round((time.monotonic() - started) * 1000, 2),
                fault,
            ),
        )
        if (cursor.lastrowid or 0) % JOURNAL_PRUNE_EVERY == 0:
            conn.execute(
                "DELETE FROM journal WHERE id <= ?", ((cursor.lastrowid or 0) - JOURNAL_KEEP,)
            )


def endpoint(
    platform: str, method: MethodName, render_fault: FaultRenderer
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Wrap a view: count its body, apply the next matching fault, journal the outcome.

    ``method`` is the name faults and the journal use (a VK method, ``upload``, ``sendVideo``,
    ``video.create``...), or a function of the view's keyword arguments returning it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            started = time.monotonic()
            name = method(**kwargs) if callable(method) else method
            counter = count_body(request)
            no_delay(request)
            store = get_store()
            fault = faults.take(store, platform=platform, method=name, kinds=_WRAPPER_KINDS)
            response: HttpResponse | None = None
            try:
                response = _run(request, view, args, kwargs, fault, render_fault, name)
                return response
            finally:
                # 0: the connection was dropped on purpose; 500: the view raised.
                if response is None:
                    status = 500
                else:
                    status = 0 if isinstance(response, Dropped) else response.status_code
                record(
                    store,
                    platform=platform,
                    method=name,
                    http_method=request.method or "",
                    path=request.path,
                    status=status,
                    bytes_in=counter.count,
                    started=started,
                    fault=fault.kind if fault else None,
                )
                # Journal first, then drop: a client that sees the reset finds it recorded.
                if isinstance(response, Dropped):
                    reset_connection(request)

        return wrapper

    return decorate


def _drop(request: HttpRequest) -> HttpResponse:
    """A marker telling the wrapper to reset the connection once the request is journaled."""
    if request_socket(request) is not None:
        return Dropped()
    # No socket to reset (an unusual server): the best remaining imitation is a bare 502.
    return HttpResponse(status=502)


def _run(
    request: HttpRequest,
    view: Callable[..., HttpResponse],
    args: Any,
    kwargs: Any,
    fault: Fault | None,
    render_fault: FaultRenderer,
    name: str,
) -> HttpResponse:
    if fault is not None:
        if fault.kind == "slow":
            time.sleep(float(fault.params.get("delay", 1.0)))
        elif fault.kind == "drop":
            read_body_counted(request, limit=int(fault.params.get("after_bytes", 65536)))
            return _drop(request)
        elif fault.kind in faults.ANSWERING:
            drain(request)
            return render_fault(fault, name)
    response = view(request, *args, **kwargs)
    if fault is not None and fault.kind == "accept_then_drop":
        drain(request)
        return _drop(request)
    drain(request)
    return response
