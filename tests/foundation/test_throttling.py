"""The per-user limits count every request exactly once, even when requests arrive together."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from clipmaker.throttling import hit


def _key() -> str:
    return f"throttle_test_{uuid.uuid4().hex}"


def test_concurrent_requests_never_pass_more_than_the_limit():
    key = _key()
    start = threading.Barrier(8)
    waits: list[float] = []
    lock = threading.Lock()

    def burst() -> None:
        start.wait()
        for _ in range(5):
            wait = hit(key, limit=20, window=60)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(waits) == 40
    assert waits.count(0.0) == 20
    assert all(0 < w <= 60 for w in waits if w)


def test_the_window_slides_and_the_wait_says_when_the_next_request_passes():
    key = _key()
    assert hit(key, limit=2, window=0.5) == 0.0
    assert hit(key, limit=2, window=0.5) == 0.0

    wait = hit(key, limit=2, window=0.5)
    assert 0 < wait <= 0.5

    time.sleep(wait + 0.05)
    assert hit(key, limit=2, window=0.5) == 0.0


def test_refused_requests_are_not_counted():
    key = _key()
    hit(key, limit=1, window=0.4)
    for _ in range(5):
        assert hit(key, limit=1, window=0.4) > 0

    time.sleep(0.45)

    # Only the first request was recorded, so the window is free again.
    assert hit(key, limit=1, window=0.4) == 0.0


@pytest.mark.django_db
@pytest.mark.parametrize("other_user", [False, True])
def test_the_publish_limit_counts_per_user_through_the_api(other_user):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    first, second = UserFactory(), UserFactory()
    api = APIClient()
    api.force_authenticate(first)
    for _ in range(20):  # an unknown clip still counts: the limit is checked first
        api.post("/api/v1/clips/999999/publish/", {"platforms": ["vk"]}, format="json")
    if other_user:
        api.force_authenticate(second)

    answer = api.post("/api/v1/clips/999999/publish/", {"platforms": ["vk"]}, format="json")

    assert answer.status_code == (404 if other_user else 429)


@pytest.mark.django_db
def test_password_attempts_are_limited_per_address_on_the_page_and_the_api(client, settings):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    # The rate limit alone (the lockout after failed attempts: tests/security/test_logins.py).
    settings.AXES_FAILURE_LIMIT = 1000

    user = UserFactory(username="anna")
    user.set_password("right-password")
    user.save()
    api = APIClient()
    for _ in range(10):
        page = client.post("/accounts/login/", {"username": "anna", "password": "wrong"})
        assert page.status_code == 200
        token = api.post("/api/v1/auth/token/", {"username": "anna", "password": "wrong"})
        assert token.status_code == 400

    # Even the right password waits now: the address has used its 20 attempts a minute.
    page = client.post("/accounts/login/", {"username": "anna", "password": "right-password"})
    token = api.post("/api/v1/auth/token/", {"username": "anna", "password": "right-password"})
    elsewhere = APIClient(REMOTE_ADDR="10.0.0.7").post(
        "/api/v1/auth/token/", {"username": "anna", "password": "right-password"}
    )

    assert page.status_code == 429
    assert "Слишком много попыток входа" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert token.status_code == 429
    assert "Слишком много попыток входа" in token.json()["detail"]
    assert elsewhere.status_code == 200 and elsewhere.json()["token"]
