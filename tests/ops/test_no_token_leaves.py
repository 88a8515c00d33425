"""Real-shaped tokens of all four platforms, logged everywhere they could be, never leave a
real web server (gunicorn: error log, access log, the DEBUG error page) or a real worker.

``tests.ops.leaky`` logs each token in a message, in ``%s`` arguments, in an event's top-level
and nested fields, in URLs, in a logged exception with its traceback, then raises with all of
them. Telegram, VK and Дзен tokens are caught by their shape; the Rutube token has none and is
caught because the process registered it (received in a form on the web, decrypted in the
worker). OAuth ``code`` and ``state`` travel in the query string.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.worker import database_url
from tests.ops.tokens import leaked, real_shaped_tokens

BASE_DIR = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def leaky_gunicorn(tmp_path, transactional_db):  # type: ignore[no-untyped-def]
    """gunicorn with the production config, DEBUG on and the leaking view mounted."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.leaky_settings",
        "DATABASE_URL": database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "TESTING": "1",
        "CONN_MAX_AGE": "0",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:clipmaker.gunicorn_conf",
             "clipmaker.wsgi"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/healthz", timeout=10)
            break
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{log.read_text()}")
            time.sleep(0.2)
    else:
        pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
    yield url, log
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


@pytest.mark.integration
def test_no_token_leaves_the_web_server_its_logs_or_the_debug_page(leaky_gunicorn):
    url, log = leaky_gunicorn
    tokens = real_shaped_tokens()

    page = requests.post(
        f"{url}/leak/",
        # ?debug=1: Django's debug page, which people do not get (clipmaker/error_pages.py).
        params={"code": tokens["code"], "state": tokens["state"], "debug": "1"},
        data={
            "vk": tokens["vk"],
            "dzen": tokens["dzen"],
            "tg": tokens["telegram"],
            "token": tokens["rutube"],
        },
        headers={"Accept": "text/html", "Authorization": f"Bearer {tokens['vk']}"},
        timeout=30,
    )
    bot_path = requests.get(f"{url}/sandbox/telegram/bot{tokens['telegram']}/getMe", timeout=30)
    time.sleep(0.5)  # the access line is written after the response
    output = log.read_text()

    # The DEBUG page was rendered, with the exception, and holds no token.
    assert page.status_code == 500
    assert "LeakError" in page.text and "unhandled with" in page.text
    assert not leaked(page.text, tokens), leaked(page.text, tokens)
    assert bot_path.status_code in (200, 401, 404)
    # Every kind of line was written, JSON, and none holds a token.
    assert '"event": "leak_probe"' in output
    assert "leak_exception" in output and "Traceback" in output
    assert '"logger": "django.request"' in output  # the unhandled exception's report
    assert '"event": "http_request"' in output and "code=[redacted]&state=[redacted]" in output
    assert "/sandbox/telegram/bot[redacted]/getMe" in output
    assert '"request_id": "' + page.headers["X-Request-ID"] + '"' in output
    assert not leaked(output, tokens), leaked(output, tokens)


@pytest.mark.integration
@pytest.mark.live
def test_no_token_leaves_a_worker(worker_factory):
    from tests.factories import PlatformConnectionFactory

    tokens = real_shaped_tokens()
    connection = PlatformConnectionFactory(platform="rutube", tokens=(tokens["rutube"], None))
    worker = worker_factory(include=("tests.ops.leaky",), env={"LOG_FORMAT": "json"})
    # OAuth codes and states never reach a worker (the web's callback consumes them), and a
    # bare random string is recognisable only where it was received: the worker gets the
    # platforms' tokens.
    del tokens["code"], tokens["state"]
    shaped = {k: tokens[k] for k in ("vk", "dzen", "telegram")}

    from tests.ops.leaky import leak_task

    leak_task.apply_async(args=[str(connection.pk), shaped], queue="default")
    worker.wait_for(lambda: "LeakError" in worker.log and "raised unexpected" in worker.log)
    output = worker.log

    assert '"event": "leak_probe"' in output and "leak_exception" in output
    assert '"task": "tests.ops.leaky.leak_task"' in output
    assert not leaked(output, tokens), leaked(output, tokens)
