"""Forms of the clip pages: uploading a clip and publishing it now or on a schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from django import forms
from django.utils import timezone

from platforms.models import Destination

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ClipUploadForm(forms.Form):
    file = forms.FileField(
        label="Файл клипа (MP4 или MOV)",
        allow_empty_file=False,
        error_messages={
            "required": "Выберите файл клипа.",
            "empty": "Файл пустой. Выберите другой файл.",
            "invalid": "Файл не получен. Выберите его ещё раз.",
            "missing": "Файл не получен. Выберите его ещё раз.",
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ".mp4,.m4v,.mov,video/mp4,video/quicktime"}
        ),
    )
    title = forms.CharField(label="Название", max_length=255, required=False)
    description = forms.CharField(label="Описание", required=False, widget=forms.Textarea)


class PublishForm(forms.Form):
    """What to publish where (the user's destinations), and when. ``scheduled_at`` is read in
    the user's time zone."""

    ACTION_NOW = "now"
    ACTION_SCHEDULE = "schedule"

    destinations = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": "Выберите хотя бы одно место публикации.",
            "invalid_choice": "Такого места публикации нет. Обновите страницу и выберите снова.",
        },
    )
    title = forms.CharField(label="Заголовок", max_length=255, required=False)
    description = forms.CharField(label="Описание", required=False, widget=forms.Textarea)
    action = forms.ChoiceField(
        choices=((ACTION_NOW, "Опубликовать"), (ACTION_SCHEDULE, "Запланировать")),
        required=False,
    )
    scheduled_at = forms.CharField(label="Дата и время", required=False)
    # VK: a Клип or a video; empty keeps each VK place's own default.
    vk_mode = forms.ChoiceField(
        choices=(("", "как настроено"), ("clip", "Клип"), ("video", "Видео")),
        required=False,
        error_messages={"invalid_choice": "Выберите режим VK: Клип или Видео."},
    )

    def __init__(
        self, *args: Any, tz: tzinfo, destinations: Sequence[Destination] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz
        field = self.fields["destinations"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(str(d.pk), d.label) for d in destinations]

    def clean_scheduled_at(self) -> datetime | None:
        raw = (self.cleaned_data.get("scheduled_at") or "").strip()
        if not raw:
            return None
        try:
            # datetime-local sends seconds only when they are not zero
            fmt = DATETIME_LOCAL_FORMAT + (":%S" if len(raw) > 16 else "")
            naive = datetime.strptime(raw[:19], fmt)
        except ValueError:
            raise forms.ValidationError(
                "Не удалось прочитать дату и время. Укажите их в виде ДД.ММ.ГГГГ ЧЧ:ММ."
            ) from None
        return timezone.make_aware(naive, self.tz)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action") or self.ACTION_NOW
        cleaned["action"] = action
        if action == self.ACTION_SCHEDULE:
            when = cleaned.get("scheduled_at")
            if when is None and "scheduled_at" not in self.errors:
                self.add_error("scheduled_at", "Укажите дату и время публикации.")
        else:
            cleaned["scheduled_at"] = None
        return cleaned
