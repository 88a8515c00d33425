"""The provider interface: the base class every platform adapter fills in.

``PlatformProvider`` owns the HTTP client (session, User-Agent, timeouts), the default mapping
of HTTP statuses to the error hierarchy and the streamed-upload helpers; an adapter fills in
small hooks (where the platform puts its error code and message, which codes mean what) and the
platform's calls. It also *declares* its platform's facts as class attributes — label, limits,
rates, base URLs, connect form fields, whether the platform fetches the clip by URL — so that
no code outside the adapter needs to know them. ``OAuthProvider`` (``providers/oauth.py``) adds
the OAuth 2 + PKCE flow. Providers never touch the ORM.

The halves live by concern: ``facts.py`` (the class attributes), ``calls.py`` (requests, error
mapping, uploads), ``platform_settings.py`` (where settings and hosts are read); this module
holds the interface (connecting, publishing, checking, stats) and re-exports the rest.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from .calls import ProviderCalls
from .calls import _json_or_none as _json_or_none
from .errors import (
    AuthExpired,
    ConnectInputInvalid,
    ProviderError,
)
from .platform_settings import SANDBOX_CLIENT, base_url, platform_setting
from .types import (
    AccountInfo,
    ClipFile,
    Credentials,
    HandleCallback,
    PlatformHandle,
    ProgressCallback,
    PublishMeta,
    PublishResult,
    Stats,
    TokenSet,
)

__all__ = [
    "SANDBOX_CLIENT",
    "PlatformProvider",
    "base_url",
    "expires_at_from",
    "platform_setting",
]


class PlatformProvider(ProviderCalls):
    """Base of every adapter. Subclasses set the class attributes and implement the calls.

    The hooks about places (destinations) come from ``PlacesMixin`` (``providers/places.py``),
    what the platform receives of the text from ``TextsMixin`` (``providers/texts.py``), the
    class attributes from ``ProviderFacts`` (``providers/facts.py``), requests and error mapping
    from ``ProviderCalls`` (``providers/calls.py``); this class adds the interface.
    """

    # Uploads and drafts ------------------------------------------------------------------

    @classmethod
    def holds_upload(cls, handle: PlatformHandle) -> bool:
        """Whether the platform already has the clip behind ``handle``: cancelling then would
        not stop the post. Adapters whose handle exists only once the platform has the clip
        (Rutube's video id, Telegram's message) answer True."""
        return bool(handle.data.get("uploaded"))

    @classmethod
    def publish_mode(cls, requested: str | None, settings: Mapping[str, Any]) -> str:
        """The mode of a new publication from the one asked for and the place's settings
        (``""`` on a platform with one way of publishing)."""
        return ""

    @classmethod
    def leaves_draft(cls, handle: PlatformHandle) -> bool:
        """Whether a publication that ends failed or cancelled with this handle left something
        unpublished on the platform that ``discard`` should remove."""
        return False

    def discard(self, *, credentials: Credentials, handle: PlatformHandle) -> bool:
        """Remove the unpublished draft behind ``handle``; whether something was removed."""
        return False

    # Connecting --------------------------------------------------------------------------

    @classmethod
    def connect_input(cls, values: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        """Check the connect form's inputs before asking the platform: the token and the
        non-secret settings to keep, or ``ConnectInputInvalid`` naming the input at fault."""
        token = str(values.get("token") or "").strip()
        if not token:
            raise ConnectInputInvalid("Вставьте токен.", field="token", code="required")
        return token, {}

    def connect_refusal(self, err: ProviderError) -> tuple[str, str, str]:
        """(input at fault, Russian message, code) for a refusal while verifying a new token."""
        return "token", err.user_message, "refused"

    def invalid_token_message(self) -> str:
        """What a user who pasted a token the platform does not accept should do."""
        return self.auth_expired_message()

    @classmethod
    def callback_extra(cls, params: Mapping[str, str], *, state: str) -> dict[str, Any]:
        """OAuth: what the code exchange needs from the callback besides the code."""
        return {}

    # The interface -----------------------------------------------------------------------

    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        raise NotImplementedError(f"{self.platform} connects with a token, not OAuth")

    def exchange_code(
        self, *, code: str, code_verifier: str, redirect_uri: str, **extra: Any
    ) -> TokenSet:
        raise NotImplementedError(f"{self.platform} connects with a token, not OAuth")

    def refresh(self, *, tokens: Credentials | TokenSet) -> TokenSet:
        # Token platforms cannot refresh: an expired token means the user connects again.
        raise AuthExpired(self.auth_expired_message(), platform=str(self.platform))

    @abstractmethod
    def verify(self, *, credentials: Credentials) -> AccountInfo: ...

    @abstractmethod
    def publish(
        self,
        *,
        credentials: Credentials,
        clip: ClipFile,
        meta: PublishMeta,
        resume: PlatformHandle | None,
        progress: ProgressCallback,
        on_handle: HandleCallback,
    ) -> PublishResult: ...

    @abstractmethod
    def check(self, *, credentials: Credentials, handle: PlatformHandle) -> PublishResult: ...

    def fetch_stats(
        self, *, credentials: Credentials, handles: Sequence[PlatformHandle]
    ) -> dict[str, Stats]:
        """Figures of the videos the platform returned, by handle id. A video it no longer has
        (deleted or hidden) is left out; every other failure raises."""
        return {}


def expires_at_from(expires_in: Any) -> datetime | None:
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.now(UTC) + timedelta(seconds=seconds)
