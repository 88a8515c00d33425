"""URL layout of the sandbox; mirrors the real hosts so each base-URL setting points here.

Mounted by the project as ``path("sandbox/", include("platforms.sandbox.urls"))`` when
``PLATFORM_SANDBOX`` is on.
"""

from django.urls import path, re_path

from platforms.sandbox import control_views, dzen, oauth, rutube, telegram, vk, web

app_name = "sandbox"

urlpatterns = [
    # VK API and its upload server
    path("vk/method/<str:method>", vk.api_method, name="vk-method"),
    path("vk/upload/<str:ticket>/", vk.upload, name="vk-upload"),
    # VK ID
    path("vkid/authorize", oauth.vkid_authorize, name="vkid-authorize"),
    path("vkid/oauth2/auth", oauth.vkid_token, name="vkid-token"),
    # Telegram Bot API
    re_path(
        r"^telegram/bot(?P<token>[^/]*)/(?P<method>[A-Za-z]+)$",
        telegram.bot_method,
        name="telegram-method",
    ),
    # Rutube
    path("rutube/api/video/person/", rutube.person_videos, name="rutube-person"),
    path("rutube/api/video/", rutube.create_video, name="rutube-create"),
    path("rutube/api/video/<str:video_id>/", rutube.video_detail, name="rutube-video"),
    # Дзен
    path("dzen/v1/me", dzen.me, name="dzen-me"),
    path("dzen/v1/videos", dzen.create_video, name="dzen-videos"),
    path("dzen/v1/videos/stats", dzen.stats, name="dzen-stats"),
    path("dzen/v1/videos/<str:video_id>", dzen.video_detail, name="dzen-video"),
    path("dzen/v1/videos/<str:video_id>/publish", dzen.publish, name="dzen-publish"),
    path("dzen/upload/<str:ticket>", dzen.upload, name="dzen-upload"),
    # Yandex OAuth
    path("yandex-oauth/authorize", oauth.yandex_authorize, name="yandex-authorize"),
    path("yandex-oauth/token", oauth.yandex_token, name="yandex-token"),
    # The platforms' public sites: where post links lead
    re_path(
        r"^web/vk/(?P<kind>clip|video)(?P<owner_id>-?\d+)_(?P<video_id>\d+)$",
        web.vk_post,
        name="web-vk",
    ),
    path(
        "web/telegram/c/<str:internal_id>/<int:message_id>",
        web.telegram_private_post,
        name="web-telegram-private",
    ),
    path(
        "web/telegram/<str:username>/<int:message_id>",
        web.telegram_public_post,
        name="web-telegram",
    ),
    path("web/rutube/video/<str:video_id>/", web.rutube_video, name="web-rutube"),
    path("web/dzen/video/watch/<str:video_id>", web.dzen_video, name="web-dzen"),
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
]
