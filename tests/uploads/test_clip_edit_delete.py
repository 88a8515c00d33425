"""Editing a clip's title and description, and deleting it: on the page, through the API and in
the admin; refused while a publication is queued or publishing; published posts stay."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from clipmaker.clips.models import Clip
from clipmaker.clips.resumable import upload_create
from publishing.models import Publication, PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db

BUSY = "Клип сейчас публикуется"


# --- page ------------------------------------------------------------------------------------


def test_clip_page_links_to_edit_and_delete_and_says_posts_stay(client_in, clip):
    html = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert f'href="/clips/{clip.pk}/edit/"' in html
    assert f'href="/clips/{clip.pk}/delete/"' in html
    assert "опубликованные посты остаются на платформах" in html


def test_edit_saves_title_and_description(client_in, clip):
    response = client_in.post(
        f"/clips/{clip.pk}/edit/", {"title": "  Новое название ", "description": "Новое"}
    )
    assert response.status_code == 302
    clip.refresh_from_db()
    assert (clip.title, clip.description) == ("Новое название", "Новое")


def test_edit_refuses_an_empty_title(client_in, clip):
    response = client_in.post(f"/clips/{clip.pk}/edit/", {"title": "  ", "description": ""})
    assert response.status_code == 400
    assert "Введите название клипа." in response.content.decode()
    clip.refresh_from_db()
    assert clip.title == "Мой клип"


def test_delete_page_says_published_posts_stay_and_deletes(client_in, clip):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)
    PublicationFactory(clip=clip, platform="dzen", status=PublicationStatus.SCHEDULED)
    name = clip.file.name
    assert default_storage.exists(name)

    page = client_in.get(f"/clips/{clip.pk}/delete/").content.decode()
    assert "Опубликованные посты (1) останутся на платформах" in page
    assert "Запланированные публикации (1) не состоятся." in page

    response = client_in.post(f"/clips/{clip.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/clips/"
    assert "удалён. Опубликованные посты остались на платформах." in response.content.decode()
    assert not Clip.objects.filter(pk=clip.pk).exists()
    assert not Publication.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_file_after_commit(client, user):
    client.force_login(user)
    clip = ClipFactory(owner=user)
    name = clip.file.name
    client.post(f"/clips/{clip.pk}/delete/")
    assert not default_storage.exists(name)


@pytest.mark.parametrize("status", [PublicationStatus.QUEUED, PublicationStatus.PUBLISHING])
def test_delete_is_refused_while_publishing_in_russian(client_in, clip, status):
    PublicationFactory(clip=clip, platform="vk", status=status)

    page = client_in.get(f"/clips/{clip.pk}/delete/").content.decode()
    assert "Удалить клип можно, когда публикация закончится." in page
    assert "Удалить клип</button>" not in page

    response = client_in.post(f"/clips/{clip.pk}/delete/")
    assert response.status_code == 409
    assert BUSY in response.content.decode()
    assert Clip.objects.filter(pk=clip.pk).exists()


def test_another_users_clip_cannot_be_edited_or_deleted(client_in, other_clip):
    assert client_in.get(f"/clips/{other_clip.pk}/edit/").status_code == 404
    assert client_in.post(f"/clips/{other_clip.pk}/edit/", {"title": "x"}).status_code == 404
    assert client_in.post(f"/clips/{other_clip.pk}/delete/").status_code == 404
    other_clip.refresh_from_db()
    assert other_clip.title == "Чужой клип"


# --- API -------------------------------------------------------------------------------------


def test_api_patch_changes_title_and_description(api, clip):
    response = api.patch(
        f"/api/v1/clips/{clip.pk}/", {"title": "API", "description": "текст"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "API"
    assert response.json()["description"] == "текст"
    only_description = api.patch(
        f"/api/v1/clips/{clip.pk}/", {"description": ""}, format="json"
    ).json()
    assert (only_description["title"], only_description["description"]) == ("API", "")


def test_api_patch_validates_in_russian(api, clip):
    response = api.patch(f"/api/v1/clips/{clip.pk}/", {"title": ""}, format="json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"title": ["Введите название клипа."]}}


def test_api_delete_and_the_busy_refusal(api, clip):
    pub = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHING)
    refused = api.delete(f"/api/v1/clips/{clip.pk}/")
    assert refused.status_code == 409
    assert BUSY in refused.json()["detail"]

    Publication.objects.filter(pk=pub.pk).delete()
    assert api.delete(f"/api/v1/clips/{clip.pk}/").status_code == 204
    assert api.get(f"/api/v1/clips/{clip.pk}/").status_code == 404


def test_api_cannot_touch_another_users_clip(api, other_clip):
    assert (
        api.patch(f"/api/v1/clips/{other_clip.pk}/", {"title": "x"}, format="json").status_code
        == 404
    )
    assert api.delete(f"/api/v1/clips/{other_clip.pk}/").status_code == 404
    assert Clip.objects.filter(pk=other_clip.pk).exists()


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


def test_admin_refuses_to_delete_a_clip_that_is_publishing(staff_client, clip):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.QUEUED)

    page = staff_client.get(f"/admin/clips/clip/{clip.pk}/delete/").content.decode()
    assert "дождитесь окончания или отмените её" in page
    staff_client.post(f"/admin/clips/clip/{clip.pk}/delete/", {"post": "yes"})
    assert Clip.objects.filter(pk=clip.pk).exists()


def test_admin_deletes_an_idle_clip_through_the_service(staff_client, clip):
    PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.PUBLISHED)
    staff_client.post(f"/admin/clips/clip/{clip.pk}/delete/", {"post": "yes"})
    assert not Clip.objects.filter(pk=clip.pk).exists()


def test_admin_lists_resumable_uploads(staff_client, user):
    upload_create(owner=user, length=100, filename="большой.mp4")
    page = staff_client.get("/admin/clips/clipupload/").content.decode()
    assert "большой.mp4" in page


# --- the clip list's uploader ----------------------------------------------------------------


def test_clip_list_offers_drop_zone_resumable_endpoint_and_unfinished_uploads(client_in, user):
    upload = upload_create(owner=user, length=1000, filename="ночной.mp4")
    upload_create(owner=UserFactory(), length=1000, filename="чужой.mp4")

    html = client_in.get("/clips/").content.decode()

    assert "data-drop-zone" in html
    assert 'data-tus-endpoint="/api/v1/uploads/"' in html
    assert "vendor/tus-js-client/tus.min.js" in html
    assert "«ночной.mp4» — 0 %" in html
    assert "чужой.mp4" not in html

    after = client_in.post(f"/clips/uploads/{upload.pk}/discard/", follow=True).content.decode()
    assert "Незавершённая загрузка «ночной.mp4» удалена." in after
    assert f'data-upload-id="{upload.pk}"' not in after


def test_another_users_upload_cannot_be_discarded(client_in):
    upload = upload_create(owner=UserFactory(), length=1000, filename="чужой.mp4")
    assert client_in.post(f"/clips/uploads/{upload.pk}/discard/").status_code == 404
