"""The shared HTTP layer: streamed bodies, progress, deadlines, scrubbing, and outcome tracking
of uploads over real sockets (a reset before the end vs. a failure after the whole body)."""

from __future__ import annotations

import io
import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from requests_toolbelt.multipart.decoder import MultipartDecoder

from platforms.providers import ClipFileMissing, PlatformHandle, TransientError, get_provider
from platforms.providers.http import MIB, multipart_body, parse_retry_after, raw_body, scrub

from .support import clip_bytes, make_clip

BIG = 8 * MIB  # larger than any socket buffer, so a reset lands mid-body


class RawServer:
    """A one-connection-at-a-time TCP server that misbehaves on purpose after reading a request."""

    def __init__(self, behaviour: str, read_limit: int | None = None) -> None:
        self.behaviour = behaviour
        self.read_limit = read_limit
        self.received = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/upload"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, rest = data.split(b"\r\n\r\n", 1)
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            self.received = len(rest)
            limit = self.read_limit if self.read_limit is not None else length
            while self.received < limit:
                chunk = conn.recv(min(65536, limit - self.received))
                if not chunk:
                    break
                self.received += len(chunk)
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.behaviour == "stall":
                self.stop.wait(5)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def server_factory() -> Iterator:
    servers: list[RawServer] = []

    def make(behaviour: str, read_limit: int | None = None) -> RawServer:
        servers.append(RawServer(behaviour, read_limit))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def upload_vk_to(url: str, size: int = BIG, *, upload_timeout: float = 2.0) -> None:
    """The VK upload step over a real socket (no HTTP mock: the mock would read the body first)."""
    vk = get_provider("vk")
    vk.read_timeout = 0.5
    vk.upload_timeout = upload_timeout  # read timeout after the body: max(0.5, upload_timeout / 4)
    clip = make_clip(size)
    handle = PlatformHandle(id="1_2", data={"owner_id": 1, "video_id": 2, "upload_url": url})
    vk.upload(handle, fileobj=clip.open(), clip=clip, progress=lambda sent: None)


def test_connection_reset_mid_body_is_transient_and_not_sent(server_factory):
    server = server_factory("reset", read_limit=64 * 1024)

    with pytest.raises(TransientError) as info:
        upload_vk_to(server.url, size=64 * MIB)  # far beyond loopback socket buffers

    assert info.value.body_sent is False
    assert server.received < 64 * MIB


def test_connection_closed_after_the_whole_body_is_outcome_unknown(server_factory):
    server = server_factory("close")

    with pytest.raises(TransientError) as info:
        upload_vk_to(server.url)

    assert info.value.body_sent is True
    assert server.received > BIG  # the file plus multipart framing


def test_no_answer_after_the_whole_body_times_out_as_outcome_unknown(server_factory):
    server = server_factory("stall")

    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        upload_vk_to(server.url)

    assert info.value.body_sent is True
    assert "вовремя" in str(info.value)
    assert time.monotonic() - started < 4


def test_upload_past_its_deadline_is_aborted(server_factory):
    server = server_factory("close")

    with pytest.raises(TransientError) as info:
        upload_vk_to(server.url, upload_timeout=-1.0)  # past the deadline at the first read

    assert "не уложилась" in str(info.value)
    assert info.value.body_sent is False


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
