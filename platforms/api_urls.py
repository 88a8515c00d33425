"""API routes for platform connections, destinations and the OAuth callbacks, mounted at /api/.

``DELETE /api/v1/platforms/{platform}/`` and ``DELETE /api/v1/connections/{id}/`` (disconnect)
and ``PATCH``/``DELETE /api/v1/destinations/{id}/`` cancel publications too, so they live in
``publishing`` and are routed by the project's URL conf.
"""

from django.urls import path

from platforms import api, destination_api, views
from platforms.providers import oauth_platforms

urlpatterns = [
    path("v1/platforms/", api.PlatformListApi.as_view(), name="api-platforms"),
    path("v1/platforms/connect/", api.PlatformConnectApi.as_view(), name="api-platforms-connect"),
    path(
        "v1/platforms/<str:platform>/test/",
        api.PlatformTestApi.as_view(),
        name="api-platforms-test",
    ),
    path(
        "v1/destinations/",
        destination_api.DestinationListApi.as_view(),
        name="api-destinations",
    ),
    path(
        "v1/destinations/<str:destination_id>/test/",
        destination_api.DestinationTestApi.as_view(),
        name="api-destination-test",
    ),
    path(
        "v1/connections/<str:connection_id>/test/",
        destination_api.ConnectionTestApi.as_view(),
        name="api-connection-test",
    ),
    path(
        "v1/connections/<str:connection_id>/places/",
        destination_api.ConnectionPlacesApi.as_view(),
        name="api-connection-places",
    ),
    path(
        "v1/connections/<str:connection_id>/destinations/",
        destination_api.ConnectionDestinationsApi.as_view(),
        name="api-connection-destinations",
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
