"""The calendar's form: a scheduled publication's new time, read in the user's time zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django import forms
from django.utils import timezone

from publishing.forms import DATETIME_LOCAL_FORMAT


class RescheduleForm(forms.Form):
    scheduled_at = forms.CharField(
        label="Новые дата и время",
        error_messages={"required": "Укажите новые дату и время публикации."},
    )

    def __init__(self, *args: Any, tz: tzinfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz

    def clean_scheduled_at(self) -> datetime:
        raw = (self.cleaned_data.get("scheduled_at") or "").strip()
        try:
            # datetime-local sends seconds only when they are not zero
            fmt = DATETIME_LOCAL_FORMAT + (":%S" if len(raw) > 16 else "")
            naive = datetime.strptime(raw[:19], fmt)
        except ValueError:
            raise forms.ValidationError(
                "Не удалось прочитать дату и время. Укажите их в виде ДД.ММ.ГГГГ ЧЧ:ММ."
            ) from None
        return timezone.make_aware(naive, self.tz)
