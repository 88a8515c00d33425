"""The chaos suite's stack: started once for the module, stopped at its end.

Needs ``redis-server`` and PostgreSQL's ``initdb``/``pg_ctl`` (and ``runuser`` when run as root);
without them the tests are skipped with the reason, and with ``CI`` set they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.scenarios import Chaos
from tests.reliability.stack import Stack, _pg_bin

# The short version (make test): a handful of publications per scenario, each harm once.
SHORT_PUBLICATIONS = 6


def _missing() -> list[str]:
    missing = [name for name in ("redis-server", "redis-cli") if not shutil.which(name)]
    missing += [name for name in ("initdb", "pg_ctl") if not Path(_pg_bin(name)).exists()]
    if os.geteuid() == 0 and not shutil.which("runuser"):
        missing.append("runuser")
    return missing


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chaos]:
    missing = _missing()
    if missing:
        message = f"the chaos suite needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    stack = Stack(tmp_path_factory.mktemp("chaos"))
    try:
        stack.start()
        yield Chaos.seed(stack, publications=SHORT_PUBLICATIONS)
    finally:
        stack.close()
