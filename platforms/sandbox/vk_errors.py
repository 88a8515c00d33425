"""How the VK sandbox refuses: API errors inside HTTP 200 (``{"error": {"error_code",
"error_msg", "request_params"}}``) with VK's own messages, the upload server's bare JSON errors,
and the faults the control API injects, answered the way VK would.
"""

from __future__ import annotations

from django.http import HttpResponse

from platforms.sandbox.faults import Fault
from platforms.sandbox.wire import json_response

ERROR_MESSAGES = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request",
    9: "Flood control",
    10: "Internal server error",
    14: "Captcha needed",
    15: "Access denied",
    18: "User was deleted or banned",
    22: "Upload error",
    27: "Group authorization failed",
    29: "Rate limit reached",
    100: "One of the parameters specified was missing or invalid",
    200: "Access denied",
    203: "Access to group denied",
    204: "Access denied",
    214: "Access to adding post denied",
    704: "User needs to enable 2FA for this action",
}


class VKError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, "Unknown error occurred")


def _error(code: int, message: str, method: str, params: dict[str, str]) -> HttpResponse:
    request_params = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
    request_params += [
        {"key": key, "value": value} for key, value in params.items() if key != "access_token"
    ]
    return json_response(
        {"error": {"error_code": code, "error_msg": message, "request_params": request_params}}
    )


def _api_fault(fault: Fault, method: str) -> HttpResponse:
    """VK reports nearly everything inside HTTP 200; only a real outage is an HTTP error."""
    params = fault.params
    if fault.kind == "server_error":
        status = int(params.get("status", 500))
        return HttpResponse(
            f"<html><body><h1>{status}</h1></body></html>", status=status, content_type="text/html"
        )
    if fault.kind == "http_error":
        return HttpResponse(
            params.get("message") or "",
            status=int(params.get("status", 400)),
            content_type="text/html",
        )
    if fault.kind == "rate_limit":
        code = int(params.get("code", 6))
        return _error(code, ERROR_MESSAGES.get(code, "Too many requests per second"), method, {})
    if fault.kind == "auth_expired":
        return _error(5, "User authorization failed: access_token has expired.", method, {})
    code = int(params.get("code", 1))
    return _error(
        code,
        params.get("message") or ERROR_MESSAGES.get(code, "Unknown error occurred"),
        method,
        {},
    )


def _upload_error(code: int, error: str, descr: str, status: int = 200) -> HttpResponse:
    return json_response({"error": error, "error_code": code, "error_descr": descr}, status=status)


def _upload_fault(fault: Fault, method: str) -> HttpResponse:
    params = fault.params
    if fault.kind == "server_error":
        return HttpResponse(
            "Internal Server Error",
            status=int(params.get("status", 500)),
            content_type="text/plain",
        )
    if fault.kind == "http_error":
        return _upload_error(
            int(params.get("code", 1)),
            "upload_error",
            params.get("message") or "Upload error",
            int(params.get("status", 400)),
        )
    if fault.kind == "rate_limit":
        return _upload_error(int(params.get("code", 6)), "too_many_requests", "Too many requests")
    if fault.kind == "auth_expired":
        return _upload_error(5, "invalid_upload_url", "Upload URL has expired")
    code = int(params.get("code", 22))
    return _upload_error(
        code, "upload_error", params.get("message") or ERROR_MESSAGES.get(code, "Upload error")
    )
