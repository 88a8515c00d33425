"""VK API stand-in: ``/sandbox/vk/method/<method>`` and the upload server ``/sandbox/vk/upload/``.

As the real API: GET or POST with form-urlencoded or multipart parameters (a JSON body is not
read, so its parameters are missing), ``v`` required, token as ``access_token`` or
``Authorization: Bearer``, every API error inside HTTP 200 as ``{"error": {...}}``. The upload
server answers bare JSON. Methods: ``video.save``, ``video.get``, ``users.get``, ``groups.get``
(the communities of ``vk_groups.py``; ``video.save`` into a community needs admin or editor),
and the clips methods, ``wall.post`` and ``video.delete`` of ``vk_clips.py``. ``video.get`` by id
lists a video once its file arrived and a Клип once published; the owner's own listing
(``owner_id``, newest first) shows them everything they have, file or not, draft or not. The
upload server takes the file in ``video_file`` for ``video.save`` and in ``file`` for a Клип.

Its errors and injected faults are answered by ``vk_errors`` (re-exported).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path, reverse

from platforms.constants import GB
from platforms.providers import get_provider
from platforms.sandbox import oauth, videos, vk_clips, vk_user_tokens
from platforms.sandbox.endpoint import endpoint
from platforms.sandbox.oauth import OAuthServer
from platforms.sandbox.registry import SandboxPlatform, register
from platforms.sandbox.state import Store, get_store
from platforms.sandbox.tokens import TokenError, mint_token, verify_token
from platforms.sandbox.videos import Video
from platforms.sandbox.vk_clips import ClipsError
from platforms.sandbox.vk_errors import ERROR_MESSAGES as ERROR_MESSAGES
from platforms.sandbox.vk_errors import VKError as VKError
from platforms.sandbox.vk_errors import _api_fault as _api_fault
from platforms.sandbox.vk_errors import _error as _error
from platforms.sandbox.vk_errors import _upload_error as _upload_error
from platforms.sandbox.vk_errors import _upload_fault as _upload_fault
from platforms.sandbox.vk_groups import GroupsError, check_group, demo_places, groups_get
from platforms.sandbox.vk_web import wall_page, watch
from platforms.sandbox.wire import BadBody, form_params, json_response

PLATFORM = "vk"
FIRST_VIDEO_ID = 456239017

_VIDEO_REF = re.compile(r"^(-?\d+)_(\d+)(?:_[0-9a-f]+)?$")
_BOOL = {"0", "1", "true", "false"}


def _user_id(claims_account: str) -> int:
    return int(claims_account)


def _user_name(account: int, name: str) -> tuple[str, str]:
    if name:
        first, _, last = name.partition(" ")
        return first, last or "Песочница"
    return "Автор", f"Песочница {account}"


def _check_bool(params: dict[str, str], name: str) -> None:
    if name in params and params[name].lower() not in _BOOL:
        raise VKError(
            100, f"One of the parameters specified was missing or invalid: {name} should be 0 or 1"
        )


def _int_param(
    params: dict[str, str], name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    if name not in params or params[name] == "":
        return None
    try:
        value = int(params[name])
    except ValueError as exc:
        raise VKError(
            100, f"One of the parameters specified was missing or invalid: {name} not integer"
        ) from exc
    if minimum is not None and value < minimum:
        raise VKError(
            100,
            f"One of the parameters specified was missing or invalid: {name} should be positive",
        )
    if maximum is not None and value > maximum:
        raise VKError(
            100,
            f"One of the parameters specified was missing or invalid: {name} should be less or equal to {maximum}",
        )
    return value


def _is_short(video: Video) -> bool:
    return video.extra.get("kind") == "clip"


def _listed(video: Video) -> bool:
    """Listed by id: a video once its file arrived, a Клип once published."""
    if video.uploaded_at is None:
        return False
    return not _is_short(video) or bool(video.extra.get("published"))


def video_item(video: Video, now: float) -> dict[str, Any]:
    stats = video.stats(now)
    item: dict[str, Any] = {
        "id": int(video.id),
        "owner_id": video.owner_id,
        "title": video.title,
        "description": video.description,
        "duration": int(video.extra.get("duration", 0)),
        "date": int(video.created_at),
        "adding_date": int(video.created_at),
        "access_key": video.extra.get("access_key", ""),
        "type": "short_video" if _is_short(video) else "video",
        "views": stats["views"],
        "comments": stats["comments"],
        "likes": {"count": stats["likes"], "user_likes": 0},
        "reposts": {"count": stats["shares"], "user_reposted": 0},
        "can_edit": 1,
        "can_delete": 1,
        "is_private": 1 if video.extra.get("is_private") else 0,
        "player": f"https://vk.com/video_ext.php?oid={video.owner_id}&id={video.id}",
    }
    if not video.is_ready(now):
        item["processing"] = 1
    return item


def _video_save(
    request: HttpRequest, store: Store, user_id: int, params: dict[str, str]
) -> dict[str, Any]:
    name = params.get("name", "")
    description = params.get("description", "")
    if len(name) > 128:
        raise VKError(
            100, "One of the parameters specified was missing or invalid: name is too long"
        )
    if len(description) > 5000:
        raise VKError(
            100, "One of the parameters specified was missing or invalid: description is too long"
        )
    for flag in ("wallpost", "is_private", "no_comments", "repeat", "compression"):
        _check_bool(params, flag)
    group_id = _int_param(params, "group_id", minimum=1)
    if group_id:
        check_group(store, user_id, group_id)
    owner_id = -group_id if group_id else user_id
    video_id = store.next_value("vk_video", FIRST_VIDEO_ID)
    access_key = secrets.token_hex(9)
    video = videos.create(
        store,
        Video(
            platform=PLATFORM,
            id=str(video_id),
            account=str(user_id),
            owner_id=owner_id,
            title=name,
            description=description,
            status="created",
            created_at=store.now(),
            extra={
                "access_key": access_key,
                "kind": "video",
                "is_private": params.get("is_private", "0").lower() in {"1", "true"},
                "wallpost": params.get("wallpost", "0").lower() in {"1", "true"},
                "group_id": group_id,
            },
        ),
    )
    ticket = mint_token("vkupload", f"{owner_id}_{video_id}", kind="upload", ttl=24 * 3600)
    upload_url = request.build_absolute_uri(reverse("sandbox:vk-upload", args=[ticket]))
    return {
        "upload_url": upload_url,
        "video_id": video_id,
        "owner_id": owner_id,
        "title": video.title,
        "description": video.description,
        "access_key": access_key,
    }


def _video_get(store: Store, user_id: int, params: dict[str, str]) -> dict[str, Any]:
    count = _int_param(params, "count", minimum=0, maximum=200)
    offset = _int_param(params, "offset", minimum=0) or 0
    owner_id = _int_param(params, "owner_id")
    now = store.now()
    refs = [ref.strip() for ref in params.get("videos", "").split(",") if ref.strip()]
    if refs:
        if len(refs) > 200:
            raise VKError(
                100, "One of the parameters specified was missing or invalid: videos is too long"
            )
        wanted: list[tuple[int, str]] = []
        for ref in refs:
            match = _VIDEO_REF.match(ref)
            if match is None:
                raise VKError(
                    100, "One of the parameters specified was missing or invalid: videos is invalid"
                )
            wanted.append((int(match[1]), match[2]))
        found = videos.get_many(store, PLATFORM, [video_id for _, video_id in wanted])
        owners = {video_id: owner for owner, video_id in wanted}
        items = [video_item(v, now) for v in found if v.owner_id == owners.get(v.id) and _listed(v)]
        return {"count": len(items), "items": items}
    owner = owner_id if owner_id is not None else user_id
    mine = [v for v in reversed(videos.listing(store, PLATFORM)) if v.owner_id == owner]
    page = mine[offset : offset + (100 if count is None else count)]
    return {"count": len(mine), "items": [video_item(v, now) for v in page]}


def _users_get(user_id: int, name: str, params: dict[str, str]) -> list[dict[str, Any]]:
    raw_ids = [part.strip() for part in params.get("user_ids", "").split(",") if part.strip()]
    ids: list[int] = []
    for raw in raw_ids or [str(user_id)]:
        if not raw.lstrip("-").isdigit():
            raise VKError(113, "Invalid user id")
        ids.append(int(raw))
    users = []
    for uid in ids:
        first, last = _user_name(uid, name if uid == user_id else "")
        users.append(
            {
                "id": uid,
                "first_name": first,
                "last_name": last,
                "can_access_closed": True,
                "is_closed": False,
            }
        )
    return users


def _token(request: HttpRequest, params: dict[str, str]) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return params.get("access_token", "")


@endpoint(PLATFORM, lambda method: method, _api_fault)
def api_method(request: HttpRequest, method: str) -> HttpResponse:
    try:
        params, _files = form_params(request)
    except BadBody:
        params = {key: request.GET.get(key, "") for key in request.GET}
    try:
        if method not in {"video.save", "video.get", "users.get", "groups.get", *vk_clips.METHODS}:
            raise VKError(3)
        if not params.get("v"):
            raise VKError(8, "Invalid request: v is required")
        token = _token(request, params)
        if not token:
            raise VKError(5, "User authorization failed: no access_token passed.")
        try:
            claims = verify_token(token, platform=PLATFORM)
        except TokenError as exc:
            if exc.reason == "expired":
                raise VKError(5, "User authorization failed: access_token has expired.") from exc
            raise VKError(5, "User authorization failed: invalid access_token (4).") from exc
        store = get_store()
        user_id = _user_id(claims.account)
        if method == "video.save":
            result: Any = _video_save(request, store, user_id, params)
        elif method == "video.get":
            result = _video_get(store, user_id, params)
        elif method == "groups.get":
            result = groups_get(store, user_id, params)
        elif method in vk_clips.METHODS:
            result = vk_clips.call(request, store, user_id, method, params)
        else:
            result = _users_get(user_id, claims.name, params)
    except (VKError, GroupsError, ClipsError) as exc:
        return _error(exc.code, exc.message, method, params)
    return json_response({"response": result})


@endpoint(PLATFORM, "upload", _upload_fault)
def upload(request: HttpRequest, ticket: str) -> HttpResponse:
    try:
        claims = verify_token(ticket, platform="vkupload", kind="upload")
    except TokenError:
        return _upload_error(1, "invalid_upload_url", "Upload URL is invalid or has expired")
    owner_id, _, video_id = claims.account.rpartition("_")
    store = get_store()
    video = videos.get(store, PLATFORM, video_id)
    if video is None or str(video.owner_id) != owner_id:
        return _upload_error(1, "invalid_upload_url", "Video for this upload URL does not exist")
    if request.method != "POST":
        return _upload_error(2, "invalid_request", "Use POST with multipart/form-data")
    try:
        _fields, files = form_params(request)
    except BadBody:
        return _upload_error(3, "invalid_request", "Malformed multipart body")
    field = "file" if _is_short(video) else "video_file"
    video_file = files.get(field)
    if video_file is None:
        return _upload_error(4, "no_file", f"No file in the {field} field")
    limit = videos.upload_limit(store, PLATFORM)
    if video_file.size > limit:
        return _upload_error(22, "file_too_big", f"File is too big: maximum {limit} bytes")
    if video_file.size == 0:
        return _upload_error(22, "empty_file", "File is empty")
    videos.mark_uploaded(store, PLATFORM, video_id, video_file.size)
    # A file gives the video a duration (the sandbox does not decode it: any non-zero figure).
    videos.update(store, PLATFORM, video_id, extra={**video.extra, "duration": 15})
    video_hash = hashlib.sha1(
        f"{video_id}:{video_file.size}".encode(), usedforsecurity=False
    ).hexdigest()[:18]
    return json_response(
        {
            "video_hash": video_hash,
            "size": video_file.size,
            "owner_id": video.owner_id,
            "video_id": int(video_id),
        }
    )


# --- Registration -----------------------------------------------------------------------------

VK_ID = OAuthServer("vkid", "vk", "VK ID", "video wall", requires_state=True, vk_style=True)


def _client_id() -> str:
    return get_provider(PLATFORM).client_id()  # type: ignore[attr-defined]


register(
    SandboxPlatform(
        name=PLATFORM,
        label="VK",
        urlpatterns=[
            path("vk/method/<str:method>", api_method, name="vk-method"),
            path("vk/upload/<str:ticket>/", upload, name="vk-upload"),
            path("vkid/authorize", oauth.authorize_view(VK_ID), name="vkid-authorize"),
            path("vkid/oauth2/auth", oauth.token_view(VK_ID), name="vkid-token"),
            *vk_user_tokens.urlpatterns(VK_ID),  # a token the person makes (implicit flow)
            re_path(
                r"^web/vk/(?P<kind>clip|video)(?P<owner_id>-?\d+)_(?P<video_id>\d+)$",
                watch,
                name="web-vk",
            ),
            re_path(
                r"^web/vk/wall(?P<owner_id>-?\d+)_(?P<post_id>\d+)$", wall_page, name="web-vk-wall"
            ),
        ],
        issue_credentials=lambda **params: oauth.issue_credentials(
            VK_ID, client_id=_client_id(), **params
        ),
        demo_connection=lambda name: oauth.demo_connection(
            VK_ID, client_id=_client_id(), name=name, extra={"vk_mode": "clip"}
        ),
        upload_limit=lambda: 5 * GB,
        demo_places=lambda stored: demo_places(get_store(), stored),
        fault_targets=(PLATFORM, VK_ID.key),
        own_fault_kinds=frozenset({"vk_error"}),
    )
)
