"""Fault rules: "the next N calls to this platform (and method) fail like this".

A rule matches the next request to its platform whose method is the rule's method (or any
method when the rule has none); each match uses up one of its ``count``. How a fault looks on
the wire depends on the platform and is decided by the platform's module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from platforms.sandbox.state import Store

# kind -> (default params, what it does)
KINDS: dict[str, tuple[dict[str, Any], str]] = {
    "server_error": ({"status": 500}, "HTTP 500 (or another 5xx given as status)"),
    "rate_limit": (
        {"retry_after": 2},
        "429 with Retry-After / retry_after; VK: error 6 (or code 9, 29) inside HTTP 200",
    ),
    "auth_expired": ({}, "401 / VK error 5: the token is treated as expired"),
    "slow": ({"delay": 1.0}, "answer normally after `delay` seconds"),
    "drop": (
        {"after_bytes": 65536},
        "read `after_bytes` of the body, then reset the connection without an answer",
    ),
    "accept_then_drop": (
        {},
        "process the request fully (video created), then reset the connection",
    ),
    "vk_error": ({"code": 1, "message": ""}, "VK only: error `code` inside HTTP 200"),
    "http_error": (
        {"status": 400, "message": ""},
        "any HTTP status with the platform's error shape and `message`",
    ),
    "rejected": ({"reason": ""}, "Rutube only: the next created video ends `rejected`"),
}

# Faults that answer before the endpoint runs (the body is drained first).
ANSWERING = frozenset({"server_error", "rate_limit", "auth_expired", "vk_error", "http_error"})


@dataclass(frozen=True)
class Fault:
    id: int
    platform: str
    kind: str
    method: str | None
    remaining: int
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "fault": self.kind,
            "method": self.method,
            "remaining": self.remaining,
            "params": self.params,
        }


def validate(platform: str, kind: str, count: int, method: str | None) -> None:
    from platforms.sandbox.registry import fault_kind_owners, fault_targets

    targets = fault_targets()
    if platform not in targets:
        raise ValueError(f"unknown platform {platform!r}; one of {', '.join(targets)}")
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")
    owners = fault_kind_owners(kind)
    if owners and platform not in owners:
        raise ValueError(f"{kind} applies to the {' and '.join(owners)} platform only")
    if not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    if method is not None and not isinstance(method, str):
        raise ValueError("method must be a string")


def add(
    store: Store,
    *,
    platform: str,
    kind: str,
    count: int = 1,
    method: str | None = None,
    params: dict[str, Any] | None = None,
) -> Fault:
    validate(platform, kind, count, method)
    merged = {**KINDS[kind][0], **(params or {})}
    with store.connection() as conn:
        cursor = conn.execute(
            "INSERT INTO faults (platform, method, kind, remaining, params, created_at) "
            "VALUES (?, ?, ?, ?, ?, strftime('%s', 'now'))",
            (platform, method, kind, count, json.dumps(merged)),
        )
    return Fault(cursor.lastrowid or 0, platform, kind, method, count, merged)


def take(
    store: Store, *, platform: str, method: str, kinds: frozenset[str] | None = None
) -> Fault | None:
    """Use up one matching rule (oldest first), or None. Cheap when no rule is pending."""
    query = (
        "SELECT id, platform, method, kind, remaining, params FROM faults "
        "WHERE platform = ? AND remaining > 0 AND (method IS NULL OR method = ?)"
    )
    args: list[Any] = [platform, method]
    if kinds is not None:
        query += f" AND kind IN ({', '.join('?' for _ in kinds)})"
        args.extend(sorted(kinds))
    query += " ORDER BY id LIMIT 1"
    with store.connection() as conn:
        if conn.execute(query, args).fetchone() is None:
            return None
    with store.write() as conn:
        row = conn.execute(query, args).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE faults SET remaining = remaining - 1 WHERE id = ?", (row["id"],))
    return Fault(
        row["id"],
        row["platform"],
        row["kind"],
        row["method"],
        row["remaining"] - 1,
        json.loads(row["params"]),
    )


def pending(store: Store, platform: str | None = None) -> list[Fault]:
    with store.connection() as conn:
        rows = conn.execute(
            "SELECT id, platform, method, kind, remaining, params FROM faults "
            "WHERE remaining > 0 AND (? IS NULL OR platform = ?) ORDER BY id",
            (platform, platform),
        ).fetchall()
    return [
        Fault(
            r["id"], r["platform"], r["kind"], r["method"], r["remaining"], json.loads(r["params"])
        )
        for r in rows
    ]


def clear(store: Store, platform: str | None = None) -> int:
    with store.connection() as conn:
        cursor = conn.execute(
            "DELETE FROM faults WHERE (? IS NULL OR platform = ?)", (platform, platform)
        )
    return cursor.rowcount
