"""The scripted platform the engine's tests publish through: strict like an HTTP mock.

A test that relies on ``fake`` must fail when the engine calls it where the script says
nothing, or does not make a call the script expects; these tests prove it does.
"""

from __future__ import annotations

import io

import pytest

from platforms.providers import (
    ClipFile,
    Credentials,
    PlatformHandle,
    PublishMeta,
    PublishState,
    TransientError,
    get_provider,
    is_platform,
    registry,
)
from tests.factories import TINY_MP4
from tests.fixtures.fake_provider import (
    FakePlatform,
    UnexpectedCall,
    fail,
    handle,
    processing,
    published,
    upload,
)

CREDS = Credentials(access_token="t")
META = PublishMeta(title="Т", description="О")


def clip() -> ClipFile:
    return ClipFile(name="c.mp4", size=len(TINY_MP4), open=lambda: io.BytesIO(TINY_MP4))


def publish(platform: FakePlatform, resume: PlatformHandle | None = None):  # type: ignore[no-untyped-def]
    handles: list[PlatformHandle] = []
    progress: list[int] = []
    result = get_provider(platform.name).publish(
        credentials=CREDS,
        clip=clip(),
        meta=META,
        resume=resume,
        progress=progress.append,
        on_handle=handles.append,
    )
    return result, handles, progress


def test_it_is_a_registered_platform_only_while_the_test_runs():
    platform = FakePlatform("fleeting")
    assert not is_platform("fleeting")

    with registry.registered(platform.provider):
        assert is_platform("fleeting")
    assert not is_platform("fleeting")


def test_a_script_runs_step_by_step_and_every_call_is_recorded(fake):
    fake.facts(upload_chunk_size=16)
    fake.publish(handle(), upload(), processing())

    result, handles, progress = publish(fake)

    assert result.state == PublishState.PROCESSING
    assert [h.data["uploaded"] for h in handles] == [False, True]
    assert progress == [16, 32, len(TINY_MP4)]
    assert fake.received == [len(TINY_MP4)]
    [call] = fake.calls
    assert (call.method, call.resume, call.meta) == ("publish", None, META)


def test_a_resume_starts_from_the_stored_handle_and_creates_nothing(fake):
    stored = PlatformHandle(id="old-1", data={"uploaded": True})
    fake.publish(published())

    result, handles, _ = publish(fake, resume=stored)

    assert result.handle == stored and handles == []
    assert fake.calls[0].resume == stored


def test_a_platform_that_names_the_post_only_in_its_answer(fake):
    fake.publish(upload(), published())

    result, handles, _ = publish(fake)

    assert handles == [result.handle] and result.handle.data["uploaded"] is True


def test_a_scripted_error_is_raised_where_the_script_puts_it(fake):
    fake.publish(handle(), upload(upto=16), fail(TransientError(body_sent=False)))

    with pytest.raises(TransientError):
        publish(fake)
    assert fake.received == [16]


def test_a_call_nobody_scripted_fails_and_is_remembered():
    platform = FakePlatform("strict")

    with pytest.raises(UnexpectedCall):
        platform.answer(
            __import__("tests.fixtures.fake_provider", fromlist=["Call"]).Call("verify", CREDS)
        )
    with pytest.raises(AssertionError, match="unexpected calls"):
        platform.assert_done()


def test_a_scripted_call_that_never_came_fails_at_the_end():
    platform = FakePlatform("idle")
    platform.check(published())

    with pytest.raises(AssertionError, match="never came"):
        platform.assert_done()


def test_only_facts_an_adapter_can_declare_may_be_changed():
    with pytest.raises(AttributeError):
        FakePlatform().facts(no_such_fact=True)
