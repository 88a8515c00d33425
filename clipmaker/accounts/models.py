"""Users and their plans."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models

from platforms.constants import Platform
from platforms.providers.registry import is_platform


class Plan(models.TextChoices):
    FREE = "free", "Free"
    START = "start", "Start"
    PRO = "pro", "Pro"
    BUSINESS = "business", "Business"


# Which platforms each plan may publish to; ``None``: every platform this installation has.
PLAN_PLATFORMS: dict[str, frozenset[str] | None] = {
    Plan.FREE: frozenset(),
    Plan.START: frozenset({Platform.VK}),
    Plan.PRO: None,
    Plan.BUSINESS: None,
}


# How many places (destinations) each plan may publish to, across platforms. Support can give a
# user another number (``User.destination_limit``).
PLAN_DESTINATIONS: dict[str, int] = {
    Plan.FREE: 0,
    Plan.START: 1,
    Plan.PRO: 10,
    Plan.BUSINESS: 50,
}


def plan_allows(plan: str, platform: str) -> bool:
    allowed = PLAN_PLATFORMS.get(plan, frozenset())
    return is_platform(platform) if allowed is None else platform in allowed


def plans_allowing(platform: str) -> list[str]:
    """The names of the plans that may publish to ``platform`` («Start», «Pro», ...)."""
    return [str(Plan(p).label) for p in PLAN_PLATFORMS if plan_allows(p, platform)]


class User(AbstractUser):
    plan = models.CharField("тариф", max_length=16, choices=Plan.choices, default=Plan.FREE)
    time_zone = models.CharField("часовой пояс", max_length=64, default="Europe/Moscow")
    destination_limit = models.PositiveSmallIntegerField(
        "лимит мест публикации",
        null=True,
        blank=True,
        help_text="Пусто — по тарифу (Free 0, Start 1, Pro 10, Business 50).",
    )

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() keeps the new raw password until the save: a changed password
        # revokes every API token, so a leaked token does not outlive the old password.
        password_changed = self.pk is not None and getattr(self, "_password", None) is not None
        super().save(*args, **kwargs)
        if password_changed:
            from clipmaker.accounts.tokens import api_token_revoke_all

            api_token_revoke_all(user=self, reason="password_changed")

    def plan_allows(self, platform: str) -> bool:
        return plan_allows(self.plan, platform)

    @property
    def destinations_allowed(self) -> int:
        """How many places the user may publish to: support's number, else the plan's."""
        if self.destination_limit is not None:
            return self.destination_limit
        return PLAN_DESTINATIONS.get(self.plan, 0)
