"""The API's page numbers: ``?page=`` must be a whole number from 1 (the schema says integer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's pagination reads an empty or missing ``page`` as page 1 and anything else that is
    not a page as 404; here a value that is not a positive whole number is a 400 that says so."""

    page_query_description = "Номер страницы, с 1."

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.getlist(self.page_query_param)
        if raw and not _valid_page(raw, self.last_page_strings):
            raise ValidationError({self.page_query_param: ["Номер страницы — целое число от 1."]})
        return super().paginate_queryset(queryset, request, view)


def _valid_page(raw: list[str], last_page_strings: Sequence[str]) -> bool:
    if len(raw) != 1:
        return False
    value = raw[0]
    return value in last_page_strings or (value.isascii() and value.isdigit() and int(value) >= 1)
