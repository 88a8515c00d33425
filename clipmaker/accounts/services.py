"""Writes for users: changing a plan, the time zone."""

from __future__ import annotations

from clipmaker.accounts.models import Plan, User
from clipmaker.logging import log_event


def user_plan_change(*, user: User, plan: str, changed_by: User | None = None) -> bool:
    """Put ``user`` on ``plan``; False when already on it.

    Nothing is cancelled here: a publication the new plan no longer allows is cancelled by the
    engine when its attempt starts («Публикация недоступна на вашем тарифе»), and refused at
    create and retry. The admin shows which ones before the change is applied.
    """
    plan = Plan(plan)
    if user.plan == plan:
        return False
    old = user.plan
    User.objects.filter(pk=user.pk).update(plan=plan)
    user.plan = plan
    log_event(
        "user_plan_changed",
        user_id=user.pk,
        old_plan=str(old),
        new_plan=str(plan),
        changed_by=changed_by.pk if changed_by else None,
    )
    return True


# The zones of Russia first (what the form offers); any other IANA name is accepted too.
RUSSIAN_TIME_ZONES: tuple[tuple[str, str], ...] = (
    ("Europe/Kaliningrad", "Калининград (UTC+2)"),
    ("Europe/Moscow", "Москва (UTC+3)"),
    ("Europe/Samara", "Самара (UTC+4)"),
    ("Asia/Yekaterinburg", "Екатеринбург (UTC+5)"),
    ("Asia/Omsk", "Омск (UTC+6)"),
    ("Asia/Novosibirsk", "Новосибирск (UTC+7)"),
    ("Asia/Krasnoyarsk", "Красноярск (UTC+7)"),
    ("Asia/Irkutsk", "Иркутск (UTC+8)"),
    ("Asia/Yakutsk", "Якутск (UTC+9)"),
    ("Asia/Vladivostok", "Владивосток (UTC+10)"),
    ("Asia/Magadan", "Магадан (UTC+11)"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский (UTC+12)"),
)


class TimeZoneInvalid(ValueError):
    """A name that is not a time zone; the message says what to do."""


def user_time_zone_set(*, user: User, time_zone: str) -> bool:
    """Show and read every time of ``user`` in ``time_zone`` (an IANA name); False if unchanged.

    Planned times are stored in UTC, so nothing planned moves: only how times are shown and
    how a typed time is read changes.
    """
    from zoneinfo import available_timezones

    name = (time_zone or "").strip()
    if name not in available_timezones():
        raise TimeZoneInvalid(
            "Такого часового пояса нет. Выберите город из списка или введите название вида "
            "Europe/Moscow."
        )
    if user.time_zone == name:
        return False
    User.objects.filter(pk=user.pk).update(time_zone=name)
    old, user.time_zone = user.time_zone, name
    log_event("user_time_zone_changed", user_id=user.pk, old=old, new=name)
    return True
