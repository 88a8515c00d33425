from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clipmaker.accounts"
    label = "accounts"
    verbose_name = "Пользователи"
