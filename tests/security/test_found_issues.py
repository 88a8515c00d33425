"""The probe's findings, each pinned: a long Cyrillic file name uploads, a truncated MP4 is
refused in Russian, the API answers JSON 404 for any non-numeric id, ``platform_url`` is null or
a URI, and the schema documents the error answers."""

from __future__ import annotations

import io

import pytest
import yaml
from rest_framework.test import APIClient

from clipmaker.clips.demo import make_tiny_video
from clipmaker.clips.tasks import probe_clip
from publishing.models import PublicationStatus
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(victim):
    client = APIClient()
    client.force_login(victim.user)
    return client


def _file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_a_130_character_cyrillic_file_name_uploads(api):
    name = ("Праздничный" * 12)[:130] + ".mp4"
    answer = api.post("/api/v1/clips/", {"file": _file(name, make_tiny_video())})
    assert answer.status_code == 201, answer.content
    assert answer.json()["original_filename"] == name
    assert answer.json()["title"] == name[:-4]


def test_a_truncated_mp4_is_refused_with_a_russian_message(api):
    video = make_tiny_video(seconds=2, audio=True)
    answer = api.post("/api/v1/clips/", {"file": _file("clip.mp4", video[: len(video) * 3 // 4])})
    probe_clip(answer.json()["id"])

    clip = api.get(f"/api/v1/clips/{answer.json()['id']}/").json()

    assert clip["status"] == "rejected"
    assert clip["status_message"].startswith("Файл видео повреждён или не дописан")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/clips/abc/",
        "/api/v1/clips/1.5/publish/",
        "/api/v1/publications/%C2%84/retry/",
        "/api/v1/publications/-1/",
        "/api/v1/nothing-here/",
        "/api/oauth/vk/callbackx",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_api_address_answers_json_404(api, path, method):
    answer = getattr(api, method)(path)
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json()["detail"]


def test_platform_url_is_null_until_there_is_a_link(api, victim):
    published = PublicationFactory(
        clip=victim.clip,
        platform="rutube",
        status=PublicationStatus.PUBLISHED,
        platform_url="https://rutube.ru/video/abc/",
    )
    failed = api.get(f"/api/v1/publications/{victim.publication.pk}/").json()
    done = api.get(f"/api/v1/publications/{published.pk}/").json()
    assert failed["platform_url"] is None
    assert done["platform_url"] == "https://rutube.ru/video/abc/"


def test_the_schema_documents_every_error_answer():
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    url = schema["components"]["schemas"]["Publication"]["properties"]["platform_url"]
    assert url["format"] == "uri" and url.get("nullable") is True
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "400" in codes, (method, path)
    upload = schema["paths"]["/api/v1/clips/"]["post"]["requestBody"]["content"]
    file_field = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][file_field]["properties"]["file"]["format"] == "binary"


def test_a_bad_page_number_is_a_400_that_says_so(api):
    for page in ("", "0", "abc", "null"):
        answer = api.get(f"/api/v1/clips/?page={page}")
        assert answer.status_code == 400
        assert answer.json()["errors"]["page"]
    assert api.get("/api/v1/clips/?page=1").status_code == 200
