"""Notification pages: the list at /notifications/, the switches at /settings/notifications/."""

from django.urls import path

from clipmaker.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("settings/notifications/", views.notification_settings, name="notification-settings"),
]
