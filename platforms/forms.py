"""Forms for connecting the token platforms; a pasted token is never rendered back."""

from __future__ import annotations

from django import forms


class RutubeConnectForm(forms.Form):
    token = forms.CharField(
        label="Токен API Rutube",
        max_length=512,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        error_messages={"required": "Вставьте токен Rutube."},
    )


class TelegramConnectForm(forms.Form):
    token = forms.CharField(
        label="Токен бота",
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        error_messages={"required": "Вставьте токен бота из @BotFather."},
    )
    chat_id = forms.CharField(
        label="Канал",
        max_length=200,
        strip=True,
        help_text="@имя_канала или числовой id (например, -1001234567890)",
        widget=forms.TextInput(attrs={"placeholder": "@my_channel"}),
        error_messages={"required": "Укажите канал: @имя_канала или его числовой id."},
    )


TOKEN_FORMS: dict[str, type[forms.Form]] = {
    "rutube": RutubeConnectForm,
    "telegram": TelegramConnectForm,
}
