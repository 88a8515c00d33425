"""Settings pages for platform connections and their destinations, mounted at
/settings/platforms/ (disconnecting, disabling and removing are routed to publishing by the
project's URL conf)."""

from django.urls import path

from platforms import destination_views, views

app_name = "platforms"

urlpatterns = [
    path("", views.platform_settings, name="settings"),
    path(
        "connections/<uuid:connection_id>/test/",
        destination_views.connection_test_view,
        name="connection-test",
    ),
    path(
        "connections/<uuid:connection_id>/places/",
        destination_views.connection_places,
        name="places",
    ),
    path(
        "connections/<uuid:connection_id>/places/add/",
        destination_views.connection_place_add,
        name="place-add",
    ),
    path(
        "connections/<uuid:connection_id>/sandbox-place/",
        destination_views.connection_sandbox_place,
        name="sandbox-place",
    ),
    path(
        "destinations/<int:destination_id>/test/",
        destination_views.destination_test_view,
        name="destination-test",
    ),
    path(
        "destinations/<int:destination_id>/rename/",
        destination_views.destination_rename_view,
        name="destination-rename",
    ),
    path(
        "destinations/<int:destination_id>/mode/",
        destination_views.destination_mode_view,
        name="destination-mode",
    ),
    path(
        "destinations/<int:destination_id>/enable/",
        destination_views.destination_enable_view,
        name="destination-enable",
    ),
    path("<str:platform>/connect/", views.platform_connect, name="connect"),
    path("<str:platform>/test/", views.platform_test, name="test"),
    path(
        "<str:platform>/sandbox-credentials/",
        views.platform_sandbox_credentials,
        name="sandbox-credentials",
    ),
]
