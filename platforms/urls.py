"""Settings pages for platform connections, mounted at /settings/platforms/."""

from django.urls import path

from platforms import views

app_name = "platforms"

urlpatterns = [
    path("", views.platform_settings, name="settings"),
    path("<str:platform>/connect/", views.platform_connect, name="connect"),
    path("<str:platform>/test/", views.platform_test, name="test"),
    path(
        "<str:platform>/sandbox-credentials/",
        views.platform_sandbox_credentials,
        name="sandbox-credentials",
    ),
]
