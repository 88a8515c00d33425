from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "clipmaker.onboarding"
    label = "onboarding"
    verbose_name = "Первые шаги"
