"""URL layout of the sandbox; mirrors the real hosts so each base-URL setting points here.

Mounted by the project as ``path("sandbox/", include("platforms.sandbox.urls"))`` when
``PLATFORM_SANDBOX`` is on. Each platform's module brings its own routes (API, OAuth server,
upload host, the public site's post pages); the control API is shared.
"""

from django.urls import path

from platforms.sandbox import control_views
from platforms.sandbox.registry import sandboxes

app_name = "sandbox"

urlpatterns = [
    *(pattern for platform in sandboxes() for pattern in platform.urlpatterns),
    # Control
    path("_control/", control_views.index, name="control"),
    path("_control/reset/", control_views.reset, name="control-reset"),
    path("_control/faults/", control_views.faults, name="control-faults"),
    path("_control/journal/", control_views.journal, name="control-journal"),
    path("_control/videos/", control_views.videos, name="control-videos"),
    path("_control/credentials/", control_views.credentials, name="control-credentials"),
    path("_control/settings/", control_views.knobs, name="control-settings"),
    path("_control/clock/", control_views.clock, name="control-clock"),
    path("_control/channels/", control_views.channels, name="control-channels"),
    path(
        "_control/telegram-channels/",
        control_views.telegram_channels,
        name="control-telegram-channels",
    ),
    path("_control/vk-communities/", control_views.vk_communities, name="control-vk-communities"),
    path(
        "_control/vk-clips-refused/",
        control_views.vk_clips_refused,
        name="control-vk-clips-refused",
    ),
]
