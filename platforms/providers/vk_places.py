"""VK's places: the user's own page and the communities the token may post to.

``groups.get`` with ``filter=admin,editor&extended=1`` lists the communities where the user is an
administrator or editor (``{count, items: [{id, name, screen_name, photo_100}]}``; the token
needs the ``groups`` scope). A community's place id is its owner id (``-<group id>``) and it
carries ``group_id``, which ``VKProvider.save_params`` sends to post into the community.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .types import AccountInfo, Credentials, DestinationInfo, DestinationKind

GROUPS_PAGE = 1000  # groups.get's largest page


def community_place(group_id: Any, name: str) -> DestinationInfo:
    gid = abs(int(group_id))
    return DestinationInfo(
        external_id=f"-{gid}",
        name=name or f"Сообщество {gid}",
        kind=DestinationKind.COMMUNITY,
        extra={"group_id": gid},
    )


class VKPlacesMixin:
    """Mixed into ``VKProvider``: the page is the account's own place; communities are listed."""

    destination_kind: ClassVar[str] = DestinationKind.PAGE
    destination_keys: ClassVar[tuple[str, ...]] = ("group_id",)
    lists_destinations: ClassVar[bool] = True
    destination_action: ClassVar[str] = "Выбрать сообщества"

    if TYPE_CHECKING:  # provided by VKProvider

        def api(self, method: str, params: Mapping[str, Any], credentials: Credentials) -> Any: ...

        def verify(self, *, credentials: Credentials) -> AccountInfo: ...

    @classmethod
    def account_destination(cls, account: AccountInfo) -> DestinationInfo | None:
        if account.extra.get("group_id"):  # a connection made for one community
            return community_place(account.extra["group_id"], account.account_name)
        return DestinationInfo(
            external_id=account.account_id, name=account.account_name or "VK", kind="page"
        )

    def destinations(
        self, *, credentials: Credentials, account: AccountInfo | None = None
    ) -> list[DestinationInfo]:
        account = account or self.verify(credentials=credentials)
        page = DestinationInfo(
            external_id=account.account_id, name=account.account_name or "VK", kind="page"
        )
        communities = [community_place(c["id"], c["name"]) for c in self.communities(credentials)]
        return [page, *communities]

    def communities(self, credentials: Credentials) -> list[dict[str, Any]]:
        """The communities the user administers or edits, in VK's order:
        ``[{id, name, screen_name, photo_100}]`` (``groups.get``, page by page)."""
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            answer = self.api(
                "groups.get",
                {"filter": "admin,editor", "extended": 1, "count": GROUPS_PAGE, "offset": offset},
                credentials,
            )
            items = answer.get("items", []) if isinstance(answer, Mapping) else []
            found += [
                {
                    "id": abs(int(item["id"])),
                    "name": str(item.get("name") or ""),
                    "screen_name": str(item.get("screen_name") or ""),
                    "photo_100": str(item.get("photo_100") or ""),
                }
                for item in items
                if isinstance(item, Mapping) and item.get("id")
            ]
            offset += len(items)
            total = int(answer.get("count", 0)) if isinstance(answer, Mapping) else 0
            if not items or offset >= total:
                return found
