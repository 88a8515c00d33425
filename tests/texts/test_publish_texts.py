"""Per-platform text on publishing: stored on the publication, validated, in the API, on the
page (counters and previews), in the admin."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import linebreaksbr

from platforms.constants import Platform
from platforms.providers import provider_class
from publishing.models import Publication
from publishing.services import PublicationValidationError, publication_create
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


# --- the service -------------------------------------------------------------------------------


def test_each_publication_keeps_its_own_platforms_text_over_the_shared_one(user, clip, connected):
    pubs = publication_create(
        user=user,
        clip=clip,
        platforms=[Platform.VK, Platform.TELEGRAM],
        title="Общий заголовок",
        description="Общее описание",
        platform_texts={Platform.TELEGRAM: {"title": "Для канала", "description": ""}},
    )

    rows = {p.platform: p for p in pubs}
    assert rows[Platform.VK].texts == {}
    assert rows[Platform.TELEGRAM].texts == {"title": "Для канала"}
    assert rows[Platform.TELEGRAM].title == "Общий заголовок"
    assert rows[Platform.TELEGRAM].sent_title is None  # nothing sent yet


def test_an_override_too_long_for_its_platform_is_refused_by_platform_and_nothing_created(
    user, clip, connected
):
    with pytest.raises(PublicationValidationError) as caught:
        publication_create(
            user=user,
            clip=clip,
            platforms=[Platform.VK, Platform.TELEGRAM],
            vk_mode="video",  # a video's name is 128 at most; a Клип has no title
            platform_texts={
                Platform.VK: {"title": "з" * 129},
                Platform.TELEGRAM: {"description": "д" * 1100},
            },
        )

    assert caught.value.errors == {
        "vk": ["Заголовок для VK длиннее 128 символов (129). Сократите его."],
        "telegram": [
            "Подпись для Telegram (заголовок и описание вместе) длиннее 1024 символов (1110). "
            "Сократите текст."
        ],
    }
    assert not Publication.objects.exists()


def test_the_shared_text_is_never_refused_for_length_only_cut(user, clip, connected):
    pubs = publication_create(
        user=user, clip=clip, platforms=[Platform.VK], title="з" * 200, description="д" * 6000
    )

    assert len(pubs) == 1


# --- the API -----------------------------------------------------------------------------------


def _publish(api, clip, **body):
    return api.post(f"/api/v1/clips/{clip.pk}/publish/", body, format="json")


def test_api_takes_texts_by_platform_and_shows_them_with_what_was_sent(api, clip, connected):
    response = _publish(
        api,
        clip,
        platforms=["vk", "rutube"],
        texts={"rutube": {"title": "Для Rutube", "description": "Своё описание"}},
    )

    assert response.status_code == 201, response.json()
    body = {p["platform"]: p for p in response.json()}
    assert body["rutube"]["texts"] == {"title": "Для Rutube", "description": "Своё описание"}
    assert body["vk"]["texts"] == {}
    assert body["vk"]["sent_title"] is None and body["vk"]["sent_description"] is None


def test_api_refuses_a_text_too_long_for_its_platform_keyed_by_platform(api, clip, connected):
    response = _publish(
        api,
        clip,
        platforms=["vk"],
        vk_mode="video",
        texts={"vk": {"title": "з" * 129}, "nowhere": {"title": "x"}},
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["vk"] == ["Заголовок для VK длиннее 128 символов (129). Сократите его."]
    assert errors["nowhere"][0].startswith("Неизвестная платформа «nowhere» в texts.")
    assert not Publication.objects.exists()


def test_api_shows_the_sent_text_of_a_publication(api, clip):
    pub = PublicationFactory(clip=clip, sent_title="Отправлено", sent_description="")

    body = api.get(f"/api/v1/publications/{pub.pk}/").json()

    assert (body["sent_title"], body["sent_description"]) == ("Отправлено", "")


# --- the page ----------------------------------------------------------------------------------


def _previews(response):
    return {p.platform: p for p in response.context["text_previews"]}


def test_the_publish_panel_previews_each_platform_with_its_counters(client_in, clip, connected):
    clip.title = "з" * 150
    clip.save()

    response = client_in.get(f"/clips/{clip.pk}/")

    rutube = _previews(response)["rutube"]
    assert rutube.sent.title == "з" * 100 and rutube.sent.cut
    title = next(c for c in rutube.counters if c.key == "title")
    assert (title.used, title.limit, title.over) == (150, 100, True)
    html = response.content.decode()
    assert 'data-testid="cut-rutube"' in html
    assert 'data-counter="title" data-used="150" data-limit="100"' in html
    assert 'name="text_telegram_title"' in html
    assert f'<div class="post-title" data-part="title">{"з" * 100}</div>' in html
    # A VK Клип (VK's default) shows one text, as VK gets it.
    assert _previews(response)["vk"].sent.caption is not None


def test_the_preview_shows_the_caption_exactly_as_the_provider_sends_it(client_in, clip, connected):
    telegram = provider_class(Platform.TELEGRAM)
    description = "🎬 кадр за <кадром> " * 80
    response = client_in.post(
        f"/clips/{clip.pk}/text-preview/",
        {"title": "Общий", "description": description, "text_telegram_title": "Для канала"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    sent = telegram.text_sent(title="Для канала", description=description)
    assert sent.cut
    preview = _previews(response)["telegram"]
    assert preview.sent == sent
    html = response.content.decode()
    assert f'data-part="caption">{linebreaksbr(sent.caption, autoescape=True)}</div>' in html
    # The counters beside the platform's own text come along, out of band.
    joined = telegram.text_joined(title="Для канала", description=description)
    assert 'id="counters-telegram" data-testid="counters-telegram" hx-swap-oob="true"' in html
    assert f'data-counter="caption" data-used="{telegram.text_length(joined)}"' in html


def test_the_preview_of_another_users_clip_is_not_found(client_in, other_clip):
    response = client_in.post(f"/clips/{other_clip.pk}/text-preview/", {"title": "x"})

    assert response.status_code == 404


def test_publishing_from_the_page_stores_the_override(client_in, clip, connected):
    destination = connected[Platform.TELEGRAM].destinations.get()
    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {
            "destinations": [destination.pk],
            "title": "Общий",
            "text_telegram_title": "Для канала",
            "action": "now",
        },
    )

    assert response.status_code == 302
    assert Publication.objects.get().texts == {"title": "Для канала"}


def test_an_override_too_long_shows_its_error_beside_the_platforms_text(client_in, clip, connected):
    destination = connected[Platform.RUTUBE].destinations.get()
    response = client_in.post(
        f"/clips/{clip.pk}/publish/",
        {"destinations": [destination.pk], "text_rutube_title": "з" * 101, "action": "now"},
    )

    assert response.status_code == 400
    assert _previews(response)["rutube"].errors == [
        "Заголовок для Rutube длиннее 100 символов (101). Сократите его."
    ]
    html = response.content.decode()
    assert 'data-testid="text-errors-rutube"' in html
    assert 'id="publish-errors"' not in html
    assert '<details class="platform-text" data-platform="rutube" open>' in html


def test_the_publications_table_shows_the_title_actually_sent(client_in, clip):
    PublicationFactory(
        clip=clip, title="Общий", texts={"title": "Свой"}, sent_title="Так ушло на платформу"
    )

    html = client_in.get(f"/clips/{clip.pk}/").content.decode()

    assert "«Так ушло на платформу»</div>" in html


def test_the_admin_shows_the_texts_read_only(admin_client, clip):
    pub = PublicationFactory(
        clip=clip, texts={"title": "Своё"}, sent_title="Отправлено", sent_description="Описание"
    )

    page = admin_client.get(f"/admin/publishing/publication/{pub.pk}/change/").content.decode()

    assert "Отправленный заголовок" in page and "Отправлено" in page
    assert 'name="sent_title"' not in page and 'name="texts"' not in page
