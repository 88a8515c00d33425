"""VK's answers shared by the VK adapter's test modules (data only)."""

from __future__ import annotations

from platforms.providers import Credentials
from tests.fixtures.platform_urls import fake_url

TOKEN = "vk1.a.SECRET-access-token-0123456789"
API = fake_url("VK_API_URL")
VK_ID = fake_url("VK_ID_URL")
WEB = "https://vk.com"
UPLOAD_URL = "https://vu.vk.test/upload.php?act=add_video&hash=abc&rhash=def&api=1"
V = "5.199"
CLIPS_V = "5.249"
CREDS = Credentials(
    access_token=TOKEN, refresh_token="vk-refresh-SECRET", account_id="1234", extra={}
)
VIDEO_CREDS = Credentials(access_token=TOKEN, account_id="1234", extra={"vk_mode": "video"})
GROUP_ID = 777


def vk_ok(response: object) -> dict:
    return {"response": response}


def vk_error(code: int, msg: str = "error") -> dict:
    return {"error": {"error_code": code, "error_msg": msg, "request_params": []}}


# video.save's answer, and the upload server's for it.
SAVED = {
    "upload_url": UPLOAD_URL,
    "video_id": 456239017,
    "owner_id": 1234,
    "access_key": "ak1",
    "title": "Закат над Волгой",
    "description": "",
}
UPLOADED = {"video_hash": "h", "size": 3000, "owner_id": 1234, "video_id": 456239017}

# shortVideo.create's answer, and the upload server's for it.
CREATED = {"upload_url": UPLOAD_URL, "video_id": 456239017, "owner_id": 1234}
CLIP_UPLOADED = {"video_id": 456239017, "owner_id": 1234}
