from django.apps import AppConfig


class ClipsConfig(AppConfig):
    name = "clipmaker.clips"
    label = "clips"
    verbose_name = "Клипы"
