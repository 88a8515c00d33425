"""The connect form of a token platform, built from its adapter's ``connect_fields``.

A pasted token is never rendered back (password inputs without ``render_value``).
"""

from __future__ import annotations

from django import forms

from platforms.providers import provider_class


def connect_form_class(platform: str) -> type[forms.Form]:
    """A form with the adapter's connect inputs, in the order it declares them."""
    fields: dict[str, forms.Field] = {}
    for spec in provider_class(platform).connect_fields:
        widget: forms.Widget
        if spec.secret:
            widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
        else:
            widget = forms.TextInput(
                attrs={"placeholder": spec.placeholder} if spec.placeholder else {}
            )
        fields[spec.name] = forms.CharField(
            label=spec.label,
            max_length=spec.max_length,
            strip=True,
            help_text=spec.help_text,
            widget=widget,
            error_messages={"required": spec.required_message},
        )
    return type(f"{platform.title()}ConnectForm", (forms.Form,), fields)
