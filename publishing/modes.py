"""Publishing modes: how a publication goes out on a platform that offers several ways (VK:
a Клип or a video with a wall post). The provider says which modes exist and which one a place
defaults to; this module applies that to publications: the mode each new row gets, whether a
failed one may be retried in the other mode, and when a page offers that.
"""

from __future__ import annotations

from collections.abc import Iterable

from platforms.models import Destination
from platforms.providers import PlatformHandle, provider_class
from publishing.models import Publication, PublicationStatus

VK_MODES = ("clip", "video")
VK_MODE_INVALID_MESSAGE = "Режим VK может быть «clip» (Клип) или «video» (Видео)."
# The provider's error code when VK refused the account the clips methods.
CLIPS_REFUSED = "clips_refused"
MODE_SWITCH_REFUSED_MESSAGE = (
    "Клип уже загружен в VK в прежнем режиме. Нажмите «Повторить», чтобы завершить публикацию, "
    "или опубликуйте клип заново."
)


def place_settings(destination: Destination) -> dict[str, object]:
    """The settings a publication to ``destination`` uses: its own over its connection's."""
    return {**destination.connection.extra, **destination.extra}


def publish_modes(destinations: Iterable[Destination], *, requested: str | None) -> dict[int, str]:
    """The mode of each new publication by destination id (platforms with one way: none)."""
    result: dict[int, str] = {}
    for destination in destinations:
        provider = provider_class(destination.platform)
        if provider.modes:
            result[destination.pk] = provider.publish_mode(requested, place_settings(destination))
    return result


def mode_switch_refusal(publication: Publication, *, vk_mode: str) -> str | None:
    """Why a failed publication cannot be retried in ``vk_mode`` (None: it can)."""
    if vk_mode not in provider_class(publication.platform).modes:
        return VK_MODE_INVALID_MESSAGE
    if publication.vk_mode == vk_mode or publication.platform_handle is None:
        return None
    provider = provider_class(publication.platform)
    handle = PlatformHandle.from_json(publication.platform_handle)
    if provider.holds_upload(handle) or provider.leaves_draft(handle):
        # The platform holds this attempt's video or draft: finish or discard it first.
        return MODE_SWITCH_REFUSED_MESSAGE
    return None


def offers_video(publication: Publication) -> bool:
    """A Клип the clips API refused: the page offers «Опубликовать как видео»."""
    return (
        publication.status == PublicationStatus.FAILED
        and publication.vk_mode == "clip"
        and publication.error_code == CLIPS_REFUSED
    )
