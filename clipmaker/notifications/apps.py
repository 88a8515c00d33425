from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "clipmaker.notifications"
    label = "notifications"
    verbose_name = "Уведомления"
