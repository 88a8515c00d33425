"""API routes for platform connections and the OAuth callbacks, mounted at /api/."""

from django.urls import path

from platforms import api, views

urlpatterns = [
    path("v1/platforms/", api.PlatformListApi.as_view(), name="api-platforms"),
    path("v1/platforms/connect/", api.PlatformConnectApi.as_view(), name="api-platforms-connect"),
    path(
        "v1/platforms/<str:platform>/test/",
        api.PlatformTestApi.as_view(),
        name="api-platforms-test",
    ),
    path("v1/platforms/<str:platform>/", api.PlatformDetailApi.as_view(), name="api-platform"),
    # Exact redirect URIs registered with VK ID and Yandex (built from PUBLIC_BASE_URL).
    path("oauth/vk/callback", views.oauth_callback, {"platform": "vk"}, name="oauth-vk-callback"),
    path(
        "oauth/dzen/callback",
        views.oauth_callback,
        {"platform": "dzen"},
        name="oauth-dzen-callback",
    ),
]
