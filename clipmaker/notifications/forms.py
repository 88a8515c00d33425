"""The user's notification switches («Настройки → Уведомления»)."""

from __future__ import annotations

from django import forms


class NotificationPreferenceForm(forms.Form):
    in_app = forms.BooleanField(label="Показывать на сайте (колокольчик вверху)", required=False)
    email = forms.BooleanField(label="Присылать на почту", required=False)
    address = forms.EmailField(
        label="Адрес почты",
        required=False,
        max_length=254,
        error_messages={"invalid": "Введите адрес почты целиком, например anna@example.ru."},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("email") and not data.get("address"):
            self.add_error("address", "Укажите адрес почты, чтобы получать письма.")
        return data
