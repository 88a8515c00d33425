from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clipmaker import views
from clipmaker.clips import views as clip_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("clips/", include("publishing.urls")),
    path("clips/", include("stats.urls")),
    path("settings/platforms/", include("platforms.urls")),
    path("media/clips/<int:clip_id>/", clip_views.clip_file, name="clip-file"),
    path("public/clips/<str:signed>/", clip_views.signed_clip_file, name="signed-clip-file"),
    path("api/v1/auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("api/v1/", include("publishing.api_urls")),
    path("api/", include("platforms.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.PLATFORM_SANDBOX:
    urlpatterns.append(path("sandbox/", include("platforms.sandbox.urls")))
