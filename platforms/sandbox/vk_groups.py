"""VK communities in the sandbox: who administers or edits which, ``groups.get``, and the check
that ``video.save`` into a community comes from one of its admins or editors.

Every sandbox VK account administers two communities unless told otherwise
(``control.set_vk_communities``), so a user connecting through the approve page has
communities to tick. A community's id is stable for an account. Stored in the state file's
key-value table (``vk_groups:<user id>``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from platforms.sandbox.state import Store

ROLES = ("admin", "editor", "moderator", "member")
FIRST_GROUP_ID = 200_000_000


class GroupsError(Exception):
    """A VK API error of these methods; ``vk.py`` answers it like its own (code, message)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _bad(name: str) -> GroupsError:
    return GroupsError(100, f"One of the parameters specified was missing or invalid: {name}")


def _int(params: dict[str, str], name: str, *, maximum: int | None = None) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit() or (maximum is not None and int(raw) > maximum):
        raise _bad(name)
    return int(raw)


def _key(user_id: int) -> str:
    return f"vk_groups:{user_id}"


def group_id_for(user_id: int, name: str) -> int:
    digest = hashlib.sha256(f"vkgroup:{user_id}:{name}".encode()).digest()
    return FIRST_GROUP_ID + int.from_bytes(digest[:4], "big") % 500_000_000


def _default(user_id: int) -> list[dict[str, Any]]:
    return [
        _community(user_id, "Песочница: сообщество 1", "admin"),
        _community(user_id, "Песочница: сообщество 2", "editor"),
    ]


def _community(user_id: int, name: str, role: str) -> dict[str, Any]:
    gid = group_id_for(user_id, name)
    return {"id": gid, "name": name, "screen_name": f"club{gid}", "role": role}


def communities_for(store: Store, user_id: int) -> list[dict[str, Any]]:
    """The communities the account belongs to, each with its ``role``."""
    stored = store.get_value(_key(user_id))
    return list(stored) if stored is not None else _default(user_id)


def set_communities(store: Store, user_id: int, communities: list[Any]) -> list[dict[str, Any]]:
    """Replace the account's communities: names (admin) or ``{"name", "role"}`` dicts."""
    rows = []
    for item in communities:
        spec = {"name": item} if isinstance(item, str) else dict(item)
        role = str(spec.get("role") or "admin")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        rows.append(_community(user_id, str(spec["name"]), role))
    store.set_value(_key(user_id), rows)
    return rows


def check_group(store: Store, user_id: int, group_id: int) -> None:
    """VK error 203 unless the user may post into the community (admin or editor)."""
    for community in communities_for(store, user_id):
        if community["id"] == group_id and community["role"] in ("admin", "editor"):
            return
    raise GroupsError(203, "Access to group denied: no access to this group")


def groups_get(store: Store, user_id: int, params: dict[str, str]) -> dict[str, Any]:
    """``groups.get``: ``filter`` (comma-separated roles), ``extended``, ``count``, ``offset``."""
    wanted = {part.strip() for part in params.get("filter", "").split(",") if part.strip()}
    unknown = wanted - {"admin", "editor", "moder", "moderator", "groups", "publics", "events"}
    if unknown:
        raise _bad("filter")
    count = _int(params, "count", maximum=1000)
    offset = _int(params, "offset") or 0
    roles = {"admin"} if "admin" in wanted else set()
    if "editor" in wanted:
        roles |= {"admin", "editor"}
    if "moder" in wanted or "moderator" in wanted:
        roles |= {"admin", "editor", "moderator"}
    mine = [c for c in communities_for(store, user_id) if not roles or c["role"] in roles]
    page = mine[offset : offset + (1000 if count is None else count)]
    if params.get("extended", "0") in ("1", "true"):
        items: list[Any] = [
            {
                "id": c["id"],
                "name": c["name"],
                "screen_name": c["screen_name"],
                "is_closed": 0,
                "type": "group",
                "is_admin": 1 if c["role"] != "member" else 0,
                "admin_level": {"moderator": 1, "editor": 2, "admin": 3}.get(c["role"], 0),
                "photo_100": f"https://vk.com/images/community_100.png?id={c['id']}",
            }
            for c in page
        ]
    else:
        items = [c["id"] for c in page]
    return {"count": len(mine), "items": items}


DEMO_COMMUNITY = "Кухня за 10 минут"


def demo_places(store: Store, stored: dict[str, Any]) -> list[dict[str, Any]]:
    """The demo user's VK community «Кухня за 10 минут» (its account administers it), set to
    publish as a video with a wall post (the page publishes Клипы), so the demo shows both."""
    user_id = int(stored["account_id"])
    community = set_communities(store, user_id, [DEMO_COMMUNITY, "Песочница: сообщество 2"])[0]
    return [
        {
            "external_id": f"-{community['id']}",
            "name": community["name"],
            "kind": "community",
            "extra": {"group_id": community["id"], "vk_mode": "video", "vk_wallpost": True},
        }
    ]
