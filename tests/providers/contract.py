"""The provider contract: what every platform adapter promises the engine, tested once.

The engine acts on our error classes and on a few promises about uploads (DESIGN.md, "Provider
interface"); every adapter must keep them the same way. In the style of django-anymail's shared
test cases, the cases live here once, and each provider's test module (``test_<platform>.py``)
states only its data in a ``ContractSpec`` subclass — what its platform's answers look like —
next to its own quirks. Every case is parametrised over the provider registry
(``conftest.pytest_generate_tests``), so a registered provider with no spec fails.

The cases, for every provider:

- an error answer on the first call of a publish maps by status to the class the engine acts
  on (401 ``AuthExpired``, 429 ``RateLimited`` with the platform's delay, 5xx
  ``TransientError``, other 4xx ``PermanentError``), carries the platform, status and code,
  says in Russian what happens next, and shows no secret in ``str``, ``repr`` or the
  platform's message;
- network failures are ``TransientError`` with ``body_sent`` telling whether the platform may
  have what was sent, and no secret from the failing URL;
- a missing clip file fails before anything is sent;
- uploads stream the file in the adapter's chunks (never read whole), report progress that ends
  at the file size, hand the handle over before the first byte where the platform gives one
  first, and a resume never creates a second video;
- over real sockets: a connection reset mid-body is "not sent", a failure after the whole body
  is "sent", a platform that stays silent after the body times out, and an upload past its
  deadline is stopped.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import responses

from platforms.constants import MB
from platforms.providers import (
    AuthExpired,
    ClipFile,
    ClipFileMissing,
    Credentials,
    PermanentError,
    PlatformHandle,
    PlatformProvider,
    ProviderError,
    RateLimited,
    TransientError,
    get_provider,
    platform_values,
    provider_class,
)

from .support import META, Recorder, assert_no_secret, assert_russian, clip_bytes

PUBLIC_URL = "https://clipmaker.test/public/clips/signed-token/"
REFUSAL = "Запрос отклонён"
RETRY_AFTER = 17

# How a status maps when the platform says nothing more specific (a spec may override a row).
STATUS_CLASSES: dict[int, type[ProviderError]] = {
    400: PermanentError,
    401: AuthExpired,
    403: PermanentError,
    404: PermanentError,
    413: PermanentError,
    429: RateLimited,
    500: TransientError,
    502: TransientError,
    503: TransientError,
    504: TransientError,
}


# --- The spec each provider's tests fill in ------------------------------------------------------

SPECS: dict[str, type[ContractSpec]] = {}


class ContractSpec:
    """How one platform answers: the data the shared cases need. Subclass it in
    ``tests/providers/test_<platform>.py``; the subclass registers itself by ``platform``."""

    platform: ClassVar[str]
    credentials: ClassVar[Credentials]
    # What must never show in an error: tokens, signed upload URLs' signatures.
    secrets: ClassVar[tuple[str, ...]]
    # The first request of a publish of a new clip (its create call, or the upload itself).
    first_request: ClassVar[tuple[str, str]]
    # The first request of ``verify``.
    verify_request: ClassVar[tuple[str, str]]
    # Statuses the platform means differently from STATUS_CLASSES.
    status_classes: ClassVar[Mapping[int, type[ProviderError]]] = {}
    # Requests an adapter makes to confirm what an error status means before it decides (a
    # Telegram 404 counts as "token invalid" only when getMe fails too); in the shared error
    # case they fail the same way.
    confirmations: ClassVar[Mapping[int, tuple[tuple[str, str], ...]]] = {}
    # The platform names the video before the file is sent (the handle comes first).
    handle_before_upload: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "platform" in cls.__dict__:
            SPECS[str(cls.platform)] = cls

    @property
    def cls(self) -> type[PlatformProvider]:
        return provider_class(self.platform)

    def provider(self) -> PlatformProvider:
        return get_provider(self.platform)

    # Errors ----------------------------------------------------------------------------------

    def error_answer(
        self, status: int, message: str, *, retry_after: int | None = None
    ) -> tuple[dict[str, Any], object]:
        """The platform's error answer (``responses`` keyword arguments) with ``message`` as
        its text and the delay it asks for, and the ``code`` our error must carry."""
        raise NotImplementedError

    # A whole successful publish of a new clip --------------------------------------------------

    def answer_publish(self, api: responses.RequestsMock) -> None:
        """Every answer a successful publish of a new clip needs."""
        self.prepare_upload(api)
        method, url = self.upload_request
        api.add(method, url, **self.upload_answer())
        self.answer_after_upload(api)

    # Platforms that receive the file ------------------------------------------------------------

    # The upload request (method, URL) of a new clip.
    upload_request: ClassVar[tuple[str, str]]

    def prepare_upload(self, api: responses.RequestsMock) -> None:
        """Answer the calls a publish makes before its upload (none by default)."""

    def upload_answer(self) -> dict[str, Any]:
        """The platform's answer to a whole upload (``responses`` keyword arguments)."""
        raise NotImplementedError

    def answer_after_upload(self, api: responses.RequestsMock) -> None:
        """Answers for the calls after a successful upload (none by default)."""

    def uploaded_file(self, request: Any) -> bytes:
        """The clip's bytes as the upload request carried them."""
        raise NotImplementedError

    def route_to(self, server: Any, settings: Any) -> None:
        """Point the adapter at a real server (``server.base``) and teach the server the answers
        before the upload (``server.answers``) and the upload's path (``server.upload_path``)."""
        raise NotImplementedError

    # Platforms that fetch the clip by URL --------------------------------------------------------

    def link_sent(self, request: Any) -> str:
        """The clip URL the create request handed to the platform."""
        raise NotImplementedError

    # Resume ----------------------------------------------------------------------------------------

    def finished_handle(self) -> PlatformHandle:
        """A handle a previous attempt stored after the platform got the whole clip."""
        raise NotImplementedError

    def answer_finished(self, api: responses.RequestsMock) -> None:
        """What the platform answers when a resume asks about that handle (maybe nothing)."""

    def unfinished_handle(self) -> PlatformHandle:
        """A handle stored before the upload (to ``upload_request``), whose upload never
        completed."""
        raise NotImplementedError

    def answer_unfinished(self, api: responses.RequestsMock) -> None:
        """The platform says it knows the video but never got its file."""
        raise NotImplementedError


def load_specs() -> dict[str, type[ContractSpec]]:
    """Every provider test module's spec (importing them registers their subclasses)."""
    package = Path(__file__).parent
    for module in pkgutil.iter_modules([str(package)]):
        if module.name.startswith("test_"):
            importlib.import_module(f"{__package__}.{module.name}")
    return SPECS


def spec_for(platform: str) -> type[ContractSpec]:
    spec = load_specs().get(platform)
    if spec is None:
        pytest.fail(
            f"{platform!r} is registered but has no contract spec: add a ContractSpec subclass "
            f"to tests/providers/test_{platform}.py stating how the platform answers."
        )
    return spec


Predicate = Callable[[type[PlatformProvider], type[ContractSpec]], bool]


def applies_to(predicate: Predicate) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run a case only for the providers it concerns (by their declared facts or spec)."""

    def mark(case: Callable[..., Any]) -> Callable[..., Any]:
        case.contract_applies = predicate  # type: ignore[attr-defined]
        return case

    return mark


def contract_platforms(case: Callable[..., Any]) -> list[str]:
    """The registered platforms a case runs for; one without a spec is always included (its
    run fails, saying what is missing)."""
    specs = load_specs()
    predicate: Predicate | None = getattr(case, "contract_applies", None)
    return [
        platform
        for platform in platform_values()
        if predicate is None
        or platform not in specs
        or predicate(provider_class(platform), specs[platform])
    ]


def uploads(cls: type[PlatformProvider], spec: type[ContractSpec]) -> bool:
    return not cls.fetches_by_url


def fetches(cls: type[PlatformProvider], spec: type[ContractSpec]) -> bool:
    return cls.fetches_by_url


def names_before_upload(cls: type[PlatformProvider], spec: type[ContractSpec]) -> bool:
    return uploads(cls, spec) and spec.handle_before_upload


# --- Clips that watch how they are read ------------------------------------------------------------


class WatchedFile(io.BytesIO):
    """The clip in storage; refuses to be read whole and logs every read."""

    def __init__(self, data: bytes, log: list[tuple[str, int]]) -> None:
        super().__init__(data)
        self.log = log

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and size >= 0, "the whole file was asked for at once"
        self.log.append(("read", size))
        return super().read(size)


def watched_clip(
    contract: ContractSpec, size: int, log: list[tuple[str, int]], *, missing: bool = False
) -> ClipFile:
    content = clip_bytes(size)

    def opener() -> WatchedFile:
        if missing:
            raise FileNotFoundError("clips/1/clip.mp4")
        return WatchedFile(content, log)

    return ClipFile(
        name="clips/1/clip.mp4",
        size=size,
        open=opener,
        public_url=PUBLIC_URL if contract.cls.fetches_by_url else None,
    )


def publish(
    contract: ContractSpec,
    clip: ClipFile,
    *,
    provider: PlatformProvider | None = None,
    resume: PlatformHandle | None = None,
    recorder: Recorder | None = None,
) -> Any:
    provider = provider or contract.provider()
    recorder = recorder or Recorder()
    return provider.publish(
        credentials=contract.credentials,
        clip=clip,
        meta=META,
        resume=resume,
        **recorder.kwargs(),
    )


def requests_made(api: responses.RequestsMock) -> list[tuple[str, str]]:
    return [(call.request.method, call.request.url) for call in api.calls]


# --- Registry ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", platform_values())
def test_every_registered_provider_has_a_contract_spec(platform):
    spec = spec_for(platform)

    assert spec.platform == platform
    for name in ("credentials", "secrets", "first_request", "verify_request"):
        assert hasattr(spec, name), f"the {platform} spec states no {name}"


# --- Errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(STATUS_CLASSES))
def test_an_error_answer_maps_by_status_with_a_russian_message_and_no_secret(api, contract, status):
    secret = contract.secrets[0]
    answer, code = contract.error_answer(
        status, f"{REFUSAL}: {secret}", retry_after=RETRY_AFTER if status == 429 else None
    )
    method, url = contract.first_request
    api.add(method, url, **answer)
    confirmations = list(contract.confirmations.get(status, ()))
    for confirm_method, confirm_url in confirmations:
        api.add(confirm_method, confirm_url, **answer)
    expected = {**STATUS_CLASSES, **contract.status_classes}[status]

    with pytest.raises(ProviderError) as info:
        publish(contract, watched_clip(contract, 3000, []))

    err = info.value
    assert type(err) is expected, f"{status} became {type(err).__name__}"
    assert (err.platform, err.status, err.code) == (contract.platform, status, code)
    assert REFUSAL in err.platform_message  # support sees what the platform said...
    assert_no_secret(err, *contract.secrets)  # ...without the secret it echoed
    assert_russian(str(err))
    if expected in (TransientError, RateLimited):
        assert "автоматически" in str(err)
    if expected is AuthExpired:
        assert "подключите" in str(err).lower()
    if expected is RateLimited:
        assert err.retry_after == RETRY_AFTER
    if status == 413:
        assert contract.cls.max_file_size_label() in str(err)
    if status == 400:
        assert REFUSAL in str(err)  # the user is told the platform's reason
    if contract.first_request == getattr(contract, "upload_request", None):
        assert err.body_sent is True  # that request carried the whole file
    # Nothing more after a refusal than what confirms it.
    assert requests_made(api) == [contract.first_request, *confirmations]


def test_a_429_that_names_no_delay_waits_the_adapters_default(api, contract):
    answer, _ = contract.error_answer(429, REFUSAL)
    method, url = contract.first_request
    api.add(method, url, **answer)

    with pytest.raises(RateLimited) as info:
        publish(contract, watched_clip(contract, 3000, []))

    assert info.value.retry_after == contract.cls.default_retry_after


def test_a_gateway_page_instead_of_an_answer_is_transient(api, contract):
    method, url = contract.first_request
    api.add(method, url, status=502, body="<html><body>502 Bad Gateway</body></html>")

    with pytest.raises(TransientError) as info:
        publish(contract, watched_clip(contract, 3000, []))

    assert info.value.status == 502
    assert_russian(str(info.value))


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (requests.ConnectTimeout, "не отвечает"),
        (requests.ReadTimeout, "вовремя"),
        (requests.ConnectionError, "прервалось"),
    ],
    ids=["connect-timeout", "read-timeout", "connection-error"],
)
def test_network_failures_are_transient_not_sent_and_keep_no_secret(api, contract, failure, words):
    # The exception text carries the URL, and with it any secret the URL holds.
    secret = contract.secrets[0]
    method, url = contract.verify_request
    api.add(method, url, body=failure(f"Max retries exceeded with url: /x/{secret}/y"))

    with pytest.raises(TransientError) as info:
        contract.provider().verify(credentials=contract.credentials)

    err = info.value
    assert err.body_sent is False  # nothing was created: sending it again is safe
    assert err.platform == contract.platform
    assert words in str(err)
    assert_no_secret(err, *contract.secrets)
    assert err.__cause__ is None and err.__suppress_context__


def test_a_missing_clip_file_fails_before_anything_is_sent(api, contract):
    with pytest.raises(ClipFileMissing) as info:
        publish(contract, watched_clip(contract, 3000, [], missing=True))

    assert len(api.calls) == 0
    assert info.value.platform == contract.platform
    assert_russian(str(info.value))


# --- Uploads -----------------------------------------------------------------------------------------


@applies_to(uploads)
def test_the_file_is_streamed_in_the_adapters_chunks_never_read_whole(api, contract):
    contract.answer_publish(api)
    method, url = contract.upload_request
    provider = contract.provider()
    provider.upload_chunk_size = 64 * 1024
    size = 3 * MB + 123
    log: list[tuple[str, int]] = []

    publish(contract, watched_clip(contract, size, log), provider=provider)

    reads = [n for kind, n in log if kind == "read"]
    assert reads and max(reads) <= provider.upload_chunk_size
    [upload] = [c.request for c in api.calls if (c.request.method, c.request.url) == (method, url)]
    assert contract.uploaded_file(upload) == clip_bytes(size)


@applies_to(uploads)
def test_progress_rises_chunk_by_chunk_to_the_file_size(api, contract):
    contract.answer_publish(api)
    provider = contract.provider()
    provider.upload_chunk_size = 700
    recorder = Recorder()

    publish(contract, watched_clip(contract, 5000, []), provider=provider, recorder=recorder)

    assert recorder.progress == [700, 1400, 2100, 2800, 3500, 4200, 4900, 5000]


@applies_to(fetches)
def test_a_platform_that_fetches_the_clip_gets_its_link_and_none_of_its_bytes(api, contract):
    contract.answer_publish(api)
    log: list[tuple[str, int]] = []
    recorder = Recorder()

    result = publish(contract, watched_clip(contract, 5000, log), recorder=recorder)

    assert [kind for kind, _ in log] == []  # opened to check it exists, never read
    assert contract.link_sent(api.calls[0].request) == PUBLIC_URL
    assert recorder.progress == [5000]  # the hand-off is the whole "upload"
    assert recorder.handles == [result.handle]
    assert contract.cls.holds_upload(result.handle)


def publish_logging_handles(
    contract: ContractSpec, clip: ClipFile, log: list[tuple[str, int]]
) -> tuple[Any, list[PlatformHandle]]:
    handles: list[PlatformHandle] = []

    def on_handle(handle: PlatformHandle) -> None:
        handles.append(handle)
        log.append(("handle", 0))

    result = contract.provider().publish(
        credentials=contract.credentials,
        clip=clip,
        meta=META,
        resume=None,
        progress=lambda sent: None,
        on_handle=on_handle,
    )
    return result, handles


@applies_to(names_before_upload)
def test_the_handle_is_handed_over_before_the_first_byte(api, contract):
    contract.answer_publish(api)
    log: list[tuple[str, int]] = []

    result, handles = publish_logging_handles(contract, watched_clip(contract, 3000, log), log)

    kinds = [kind for kind, _ in log]
    assert kinds[0] == "handle", kinds
    # A placeholder (no id: stored before a create call, so that a lost answer is looked for)
    # may come first; the platform's handle follows, still before the first byte.
    handles = [h for h in handles if h.id]
    first, last = handles[0], handles[-1]
    assert not contract.cls.holds_upload(first)  # cancelling then cannot hide a post
    assert contract.cls.holds_upload(last) and kinds[-1] == "handle"  # confirmed after the file
    assert first.id == last.id == result.handle.id


@applies_to(lambda cls, spec: uploads(cls, spec) and not spec.handle_before_upload)
def test_a_platform_that_names_the_post_in_its_answer_hands_it_over_once_after_the_file(
    api, contract
):
    contract.answer_publish(api)
    log: list[tuple[str, int]] = []

    result, handles = publish_logging_handles(contract, watched_clip(contract, 3000, log), log)

    kinds = [kind for kind, _ in log]
    assert kinds[-1] == "handle" and kinds.count("handle") == 1
    assert handles == [result.handle]
    assert contract.cls.holds_upload(result.handle)  # the handle means the platform has it


def test_a_resume_of_a_finished_upload_creates_nothing_and_sends_no_byte(api, contract):
    contract.answer_finished(api)
    resume = contract.finished_handle()
    log: list[tuple[str, int]] = []
    recorder = Recorder()

    result = publish(contract, watched_clip(contract, 3000, log), resume=resume, recorder=recorder)

    assert contract.first_request not in requests_made(api)
    assert [kind for kind, _ in log] == []
    assert result.handle.id == resume.id
    assert all(h.id == resume.id for h in recorder.handles)


@applies_to(names_before_upload)
def test_a_resume_of_an_unfinished_upload_sends_the_file_to_the_same_video(api, contract):
    method, upload_url = contract.upload_request
    resume = contract.unfinished_handle()
    contract.answer_unfinished(api)
    api.add(method, upload_url, **contract.upload_answer())
    contract.answer_after_upload(api)
    recorder = Recorder()

    result = publish(contract, watched_clip(contract, 3000, []), resume=resume, recorder=recorder)

    assert contract.first_request not in requests_made(api)
    assert (method, upload_url) in requests_made(api)
    assert result.handle.id == resume.id
    assert contract.cls.holds_upload(recorder.handles[-1])
    assert recorder.progress[-1] == 3000


@applies_to(uploads)
@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        ({"status": 500, "body": "<html>oops</html>"}, TransientError),
        ({"status": 401, "json": {}}, AuthExpired),
        ({"status": 200, "body": "not json"}, TransientError),
        ({"body": requests.ReadTimeout("read timed out")}, TransientError),
        ({"body": requests.ConnectionError("Connection reset by peer")}, TransientError),
    ],
    ids=["500", "401", "not-json", "read-timeout", "connection-reset"],
)
def test_a_failure_after_the_whole_body_went_out_says_it_was_sent(
    api, contract, answer, error_class
):
    contract.prepare_upload(api)
    method, url = contract.upload_request
    api.add(method, url, **answer)
    recorder = Recorder()

    with pytest.raises(error_class) as info:
        publish(contract, watched_clip(contract, 3000, []), recorder=recorder)

    assert info.value.body_sent is True  # the platform may have it: check before re-sending
    named = [h for h in recorder.handles if h.id]  # placeholders have no id
    assert len(named) == (1 if contract.handle_before_upload else 0)
    assert_russian(str(info.value))
    assert_no_secret(info.value, *contract.secrets)


# --- Uploads over real sockets --------------------------------------------------------------------


def socket_provider(contract: ContractSpec, server: Any, settings: Any) -> PlatformProvider:
    contract.route_to(server, settings)
    provider = contract.provider()
    provider.read_timeout = 0.5
    provider.upload_timeout = 2.0  # the read timeout after the body: max(0.5, 2.0 / 4)
    return provider


@applies_to(uploads)
def test_a_connection_reset_mid_body_is_transient_and_not_sent(
    contract, misbehaving_server, settings
):
    server = misbehaving_server("reset", read_limit=64 * 1024)
    provider = socket_provider(contract, server, settings)
    # Far beyond loopback socket buffers, within what the platform takes (Telegram: 50 MB).
    size = min(64 * MB, contract.cls.max_file_size_bytes())

    with pytest.raises(TransientError) as info:
        publish(contract, watched_clip(contract, size, []), provider=provider)

    assert info.value.body_sent is False
    assert server.received < size
    assert_no_secret(info.value, *contract.secrets)


@applies_to(uploads)
def test_a_connection_closed_after_the_whole_body_is_sent_with_an_unknown_outcome(
    contract, misbehaving_server, settings
):
    server = misbehaving_server("close")
    provider = socket_provider(contract, server, settings)
    size = 8 * MB

    with pytest.raises(TransientError) as info:
        publish(contract, watched_clip(contract, size, []), provider=provider)

    assert info.value.body_sent is True
    assert server.received >= size
    assert_no_secret(info.value, *contract.secrets)


@applies_to(uploads)
def test_no_answer_after_the_whole_body_times_out_as_sent(contract, misbehaving_server, settings):
    server = misbehaving_server("stall")
    provider = socket_provider(contract, server, settings)

    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        publish(contract, watched_clip(contract, 8 * MB, []), provider=provider)

    assert info.value.body_sent is True
    assert "вовремя" in str(info.value)
    assert time.monotonic() - started < 4


@applies_to(uploads)
def test_an_upload_past_its_deadline_is_stopped_as_not_sent(contract, misbehaving_server, settings):
    server = misbehaving_server("close")
    provider = socket_provider(contract, server, settings)
    provider.upload_timeout = -1.0  # past the deadline at the first read

    with pytest.raises(TransientError) as info:
        publish(contract, watched_clip(contract, 8 * MB, []), provider=provider)

    assert "не уложилась" in str(info.value)
    assert info.value.body_sent is False
