"""The shared HTTP layer: streamed bodies, progress, short files, scrubbing, Retry-After.

How uploads behave over real sockets (a reset before the end vs. a failure after the whole
body, silence, deadlines) is part of every provider's contract (``contract.py``)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from requests_toolbelt.multipart.decoder import MultipartDecoder

from platforms.providers import ClipFileMissing
from platforms.providers.http import MIB, multipart_body, parse_retry_after, raw_body, scrub

from .support import clip_bytes


def test_bodies_read_large_chunks_whatever_urllib3_asks_for():
    body = raw_body(
        fileobj=io.BytesIO(clip_bytes(3 * MIB)),
        size=3 * MIB,
        content_type="video/mp4",
        progress=None,
    )

    first = body.read(16384)

    assert len(first) == MIB
    assert len(body) == 3 * MIB
    assert not body.finished
    assert len(body.read(16384)) == MIB and len(body.read(16384)) == MIB
    assert body.read(16384) == b""
    assert body.finished


def test_multipart_body_length_matches_the_bytes_it_yields():
    progress: list[int] = []
    body = multipart_body(
        fields={"chat_id": -100, "caption": "Привет"},
        file_field="video",
        fileobj=io.BytesIO(clip_bytes(2 * MIB + 5)),
        size=2 * MIB + 5,
        filename="clip.mp4",
        content_type="video/mp4",
        progress=progress.append,
    )

    streamed = b""
    while chunk := body.read(16384):  # what urllib3 does
        streamed += chunk

    assert len(streamed) == len(body)
    assert body.finished
    parts = {
        part.headers[b"Content-Disposition"].decode(): part.content
        for part in MultipartDecoder(streamed, body.content_type).parts
    }
    assert parts == {
        'form-data; name="chat_id"': b"-100",
        'form-data; name="caption"': "Привет".encode(),
        'form-data; name="video"; filename="clip.mp4"': clip_bytes(2 * MIB + 5),
    }
    assert progress == [MIB, 2 * MIB, 2 * MIB + 5]
    assert body.content_type.startswith("multipart/form-data; boundary=")


def test_progress_is_throttled_to_about_a_hundred_calls():
    size = 300 * MIB // 100  # 3 MiB, with 64 KiB chunks: 48 reads
    progress: list[int] = []
    body = raw_body(
        fileobj=io.BytesIO(bytes(size)),
        size=size,
        content_type="video/mp4",
        progress=progress.append,
        chunk_size=64 * 1024,
    )

    while body.read(16384):
        pass

    assert progress == sorted(set(progress))
    assert progress[-1] == size
    assert len(progress) <= 101


def test_a_file_shorter_than_its_size_fails_instead_of_hanging():
    class Liar(io.BytesIO):
        def seek(self, *args):  # storage that cannot tell its real size
            raise OSError("not seekable")

    body = raw_body(fileobj=Liar(bytes(100)), size=1000, content_type="video/mp4", progress=None)

    with pytest.raises(ClipFileMissing):
        while body.read(16384):
            pass


def test_the_real_file_size_wins_over_the_recorded_one():
    body = raw_body(
        fileobj=io.BytesIO(bytes(1234)), size=999_999, content_type="video/mp4", progress=None
    )

    assert len(body) == 1234


def test_scrub_removes_known_secrets_and_token_shapes():
    text = (
        "url /bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendVideo "
        "access_token=abc123secret&v=5.199 Authorization: Bearer abcdefghijkl "
        "error_code=5 mine-SECRET"
    )

    cleaned = scrub(text, ["mine-SECRET"])

    for secret in (
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "abc123secret",
        "abcdefghijkl",
        "mine-SECRET",
    ):
        assert secret not in cleaned
    assert "error_code=5" in cleaned
    assert "v=5.199" in cleaned


def test_scrub_hides_tokens_in_a_json_body_a_platform_echoes():
    text = '{"error": "invalid_grant", "refresh_token": "1.r-SECRET-42", "access_token":"a-SECRET"}'

    cleaned = scrub(text)

    assert "r-SECRET-42" not in cleaned and "a-SECRET" not in cleaned
    assert '"error": "invalid_grant"' in cleaned


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12.0), ("1.5", 1.5), (None, 60.0), ("", 60.0), ("garbage", 60.0), ("-3", 0.0)],
)
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value, 60.0) == expected


def test_parse_retry_after_http_date():
    when = datetime.now(UTC) + timedelta(seconds=90)

    assert 85 <= parse_retry_after(format_datetime(when, usegmt=True), 60.0) <= 91
