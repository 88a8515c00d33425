from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clipmaker import views
from clipmaker.clips import tus
from clipmaker.clips import views as clip_views
from publishing import connection_views, destination_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("staff/", include("clipmaker.staff.urls")),
    path("clips/", include("publishing.urls")),
    path("calendar/", include("clipmaker.planner.urls")),
    # Disconnecting, disabling and removing a place cancel publications too: those views live
    # in publishing.
    path(
        "settings/platforms/<str:platform>/disconnect/",
        connection_views.platform_disconnect,
        name="platform-disconnect",
    ),
    path("clips/", include("stats.urls")),
    path(
        "settings/platforms/connections/<uuid:connection_id>/disconnect/",
        destination_views.connection_disconnect_view,
        name="connection-disconnect",
    ),
    path(
        "settings/platforms/destinations/<int:destination_id>/disable/",
        destination_views.destination_disable_view,
        name="destination-disable",
    ),
    path(
        "settings/platforms/destinations/<int:destination_id>/remove/",
        destination_views.destination_remove_view,
        name="destination-remove",
    ),
    path("settings/platforms/", include("platforms.urls")),
    path("settings/security/", include("clipmaker.accounts.urls")),
    path("", include("clipmaker.notifications.urls")),
    path("media/clips/<int:clip_id>/", clip_views.clip_file, name="clip-file"),
    path("public/clips/<str:signed>/", clip_views.signed_clip_file, name="signed-clip-file"),
    path("api/v1/auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("api/v1/uploads/", tus.UploadListView.as_view(), name="api-uploads"),
    path(
        "api/v1/uploads/<str:upload_id>/", tus.UploadDetailView.as_view(), name="api-upload-detail"
    ),
    path("api/v1/", include("publishing.api_urls")),
    path("api/v1/", include("clipmaker.notifications.api_urls")),
    path("api/", include("platforms.api_urls")),
    # After platforms' own routes, so that /api/v1/platforms/connect/ is not taken for a name.
    path(
        "api/v1/platforms/<str:platform>/",
        connection_views.PlatformDisconnectApi.as_view(),
        name="api-platform",
    ),
    path(
        "api/v1/destinations/<str:destination_id>/",
        destination_views.DestinationDetailApi.as_view(),
        name="api-destination",
    ),
    path(
        "api/v1/connections/<str:connection_id>/",
        destination_views.ConnectionDetailApi.as_view(),
        name="api-connection",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.PLATFORM_SANDBOX:
    urlpatterns.append(path("sandbox/", include("platforms.sandbox.urls")))

# Last: whatever else is under /api/ answers a JSON 404.
urlpatterns.append(re_path(r"^api/", views.api_not_found, name="api-not-found"))
