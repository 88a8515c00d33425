"""API routes for platform connections and the OAuth callbacks, mounted at /api/.

``DELETE /api/v1/platforms/{platform}/`` (disconnect) cancels publications too, so it lives in
``publishing`` and is routed by the project's URL conf.
"""

from django.urls import path

from platforms import api, views
from platforms.providers import oauth_platforms

urlpatterns = [
    path("v1/platforms/", api.PlatformListApi.as_view(), name="api-platforms"),
    path("v1/platforms/connect/", api.PlatformConnectApi.as_view(), name="api-platforms-connect"),
    path(
        "v1/platforms/<str:platform>/test/",
        api.PlatformTestApi.as_view(),
        name="api-platforms-test",
    ),
    # Exact redirect URIs registered with each OAuth platform (built from PUBLIC_BASE_URL).
    *(
        path(
            f"oauth/{platform}/callback",
            views.oauth_callback,
            {"platform": platform},
            name=f"oauth-{platform}-callback",
        )
        for platform in oauth_platforms()
    ),
]
