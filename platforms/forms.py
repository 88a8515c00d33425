"""Forms built from an adapter's declared inputs: the connect form of a token platform
(``connect_fields``) and the form for a place added by hand (``destination_fields``).

A pasted token is never rendered back (password inputs without ``render_value``).
"""

from __future__ import annotations

from django import forms

from platforms.providers import provider_class
from platforms.providers.types import ConnectField


def connect_form_class(platform: str, *, show_values: bool = False) -> type[forms.Form]:
    """A form with the adapter's connect inputs, in the order it declares them.

    ``show_values``: secret inputs render their value too — only for the sandbox's test
    credentials, which are no secret, so that the form arrives filled in."""
    return _form_class(
        platform, provider_class(platform).connect_fields, "Connect", show_values=show_values
    )


def destination_form_class(platform: str) -> type[forms.Form] | None:
    """The form for a place added by hand (the adapter's ``destination_fields``), or None
    when the platform's places are only chosen from its list."""
    specs = provider_class(platform).destination_fields
    return _form_class(platform, specs, "Destination") if specs else None


def _form_class(
    platform: str, specs: tuple[ConnectField, ...], kind: str, *, show_values: bool = False
) -> type[forms.Form]:
    fields: dict[str, forms.Field] = {}
    for spec in specs:
        widget: forms.Widget
        if spec.secret:
            widget = forms.PasswordInput(render_value=show_values, attrs={"autocomplete": "off"})
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
    return type(f"{platform.title()}{kind}Form", (forms.Form,), fields)
