"""The admin speaks Russian with the right case: headings in the accusative, messages that
agree with the model's gender, the libraries' models named in Russian."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import ClipFactory, PublicationFactory

pytestmark = pytest.mark.django_db

H1 = re.compile(r"<h1>(.*?)</h1>", re.S)


def _h1(response) -> str:
    return H1.search(response.content.decode()).group(1).strip()


def test_the_publication_list_asks_to_choose_a_publication_in_the_accusative(admin_client):
    response = admin_client.get("/admin/publishing/publication/")

    assert _h1(response) == "Выберите публикацию для изменения"


def test_every_admin_list_heading_is_russian_and_never_nominative_feminine(admin_client):
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        heading = _h1(admin_client.get(url))
        assert heading.startswith("Выберите "), (url, heading)
        assert re.search(r"[A-Za-z]{4,}", heading.replace("API", "").replace("crontab", "")) is None
        assert not re.search(r"Выберите \w+(ая|ия|ка|ча|ша|ща|на|га|ра|ла|да|та) ", heading), (
            heading
        )


def test_the_change_page_of_a_user_names_him_in_the_accusative(admin_client, admin_user):
    response = admin_client.get(f"/admin/accounts/user/{admin_user.pk}/change/")

    assert _h1(response) == "Изменить пользователя"


def test_a_publication_page_is_titled_in_the_accusative(admin_client):
    pub = PublicationFactory(clip=ClipFactory())

    response = admin_client.get(f"/admin/publishing/publication/{pub.pk}/change/")

    assert _h1(response) in {"Изменить публикацию", "Просмотреть публикацию"}


def test_the_admins_success_message_agrees_with_a_feminine_model(admin_client):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Поддержка"}, follow=True)

    text = " ".join(str(m) for m in response.context["messages"])
    assert "была успешно добавлена" in text and "был успешно" not in text


def test_the_libraries_models_have_russian_names(admin_client):
    index = admin_client.get("/admin/").content.decode()

    assert "API-токены" in index and "Попытки входа" in index
    assert "Auth tokens" not in index and "Knox" not in index
