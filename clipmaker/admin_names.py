"""The admin in Russian with the right case and gender.

Django's admin puts a model's ``verbose_name`` (nominative) into phrases that need the
accusative — «Выберите %s для изменения», «Добавить %s», «Изменить %s» — and its messages
agree with a masculine noun («%s … был успешно добавлен»). For «публикация» that reads
«Выберите публикация для изменения». This module keeps, in one table, each registered model's
accusative form and gender, and gives every registered ``ModelAdmin`` (ours and the libraries')
headings and messages that agree. It also names the libraries' models and apps in Russian.

``russian_admin_apply`` runs once at start (``AccountsConfig.ready``, after the admin has
discovered every ``admin.py``); a test walks every registered model's pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from platforms.providers import Gender


@dataclass(frozen=True)
class AdminNoun:
    accusative: str  # «Выберите публикацию для изменения»
    gender: Gender = Gender.MASCULINE


# Models whose accusative differs from the nominative (feminine, animate), or whose gender is
# not masculine (the admin's messages agree with it). Keyed by ``app_label.model_name``.
ADMIN_NOUNS: dict[str, AdminNoun] = {
    "accounts.user": AdminNoun("пользователя"),
    "auth.group": AdminNoun("группу", Gender.FEMININE),
    "publishing.publication": AdminNoun("публикацию", Gender.FEMININE),
    "platforms.platformconnection": AdminNoun("подключение платформы", Gender.NEUTER),
    "platforms.destination": AdminNoun("место публикации", Gender.NEUTER),
    "platforms.connectattempt": AdminNoun("попытку подключения", Gender.FEMININE),
    "clips.clipupload": AdminNoun("загрузку по частям", Gender.FEMININE),
    "notifications.notification": AdminNoun("уведомление", Gender.NEUTER),
    "stats.statstrack": AdminNoun("расписание статистики", Gender.NEUTER),
    "axes.accessattempt": AdminNoun("запись о попытке входа", Gender.FEMININE),
    "axes.accesslog": AdminNoun("запись о входе", Gender.FEMININE),
    "axes.accessfailurelog": AdminNoun("запись о неудачном входе", Gender.FEMININE),
    "django_celery_beat.periodictask": AdminNoun("периодическую задачу", Gender.FEMININE),
    "django_celery_beat.clockedschedule": AdminNoun("время запуска", Gender.NEUTER),
    "django_celery_beat.solarschedule": AdminNoun("астрономическое событие", Gender.NEUTER),
}

# Names of the libraries' models and apps (ours set them in their Meta and AppConfig).
MODEL_NAMES: dict[str, tuple[str, str]] = {
    "knox.authtoken": ("API-токен", "API-токены"),
    "axes.accessattempt": ("запись о попытке входа", "попытки входа"),
    "axes.accesslog": ("запись о входе", "журнал входов"),
    "axes.accessfailurelog": ("запись о неудачном входе", "неудачные входы"),
    "django_celery_beat.clockedschedule": ("время запуска", "время запуска"),
}
APP_NAMES: dict[str, str] = {
    "knox": "API-токены",
    "axes": "Попытки входа",
    "django_celery_beat": "Периодические задачи",
}

# The admin's own messages, as Django's Russian translation writes them (masculine).
_AGREEMENT = {
    Gender.FEMININE: (
        ("был успешно добавлен", "была успешно добавлена"),
        ("был успешно изменен", "была успешно изменена"),
        ("был успешно удален", "была успешно удалена"),
    ),
    Gender.NEUTER: (
        ("был успешно добавлен", "было успешно добавлено"),
        ("был успешно изменен", "было успешно изменено"),
        ("был успешно удален", "было успешно удалено"),
    ),
}


class RussianTitlesMixin:
    """Headings in the accusative and messages that agree (``ADMIN_NOUNS``)."""

    opts: Any

    def admin_noun(self) -> AdminNoun:
        key = f"{self.opts.app_label}.{self.opts.model_name}"
        return ADMIN_NOUNS.get(key) or AdminNoun(str(self.opts.verbose_name))

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        noun = self.admin_noun().accusative
        if admin.options.IS_POPUP_VAR in request.GET:
            title = f"Выберите {noun}"
        elif self.has_change_permission(request):  # type: ignore[attr-defined]
            title = f"Выберите {noun} для изменения"
        else:
            title = f"Выберите {noun} для просмотра"
        return super().changelist_view(  # type: ignore[misc]
            request, {"title": title, **(extra_context or {})}
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        title = f"Добавить {self.admin_noun().accusative}"
        return super().add_view(  # type: ignore[misc]
            request, form_url, {"title": title, **(extra_context or {})}
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        verb = "Изменить" if self.has_change_permission(request) else "Просмотреть"  # type: ignore[attr-defined]
        title = f"{verb} {self.admin_noun().accusative}"
        return super().change_view(  # type: ignore[misc]
            request, object_id, form_url, {"title": title, **(extra_context or {})}
        )

    def message_user(self, request: HttpRequest, message: Any, *args: Any, **kwargs: Any) -> None:
        text = str(message)
        for masculine, agreeing in _AGREEMENT.get(self.admin_noun().gender, ()):
            text = text.replace(masculine, agreeing)
        super().message_user(request, text, *args, **kwargs)  # type: ignore[misc]


def russian_admin_apply(site: admin.AdminSite = admin.site) -> None:
    """Give every registered ``ModelAdmin`` the Russian headings, and the libraries' models and
    apps Russian names. Idempotent."""
    for key, (singular, plural) in MODEL_NAMES.items():
        app_label, model_name = key.split(".")
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural
    for label, name in APP_NAMES.items():
        try:
            apps.get_app_config(label).verbose_name = name
        except LookupError:
            continue
    for model_admin in list(site._registry.values()):
        cls = type(model_admin)
        if issubclass(cls, RussianTitlesMixin):
            continue
        model_admin.__class__ = type(cls.__name__, (RussianTitlesMixin, cls), {})
