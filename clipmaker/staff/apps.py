from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "clipmaker.staff"
    label = "staff"
    verbose_name = "Обзор для поддержки"
