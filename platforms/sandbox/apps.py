"""Django app config of the platform sandbox."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "platforms.sandbox"
    label = "sandbox"
    verbose_name = "Platform sandbox"
