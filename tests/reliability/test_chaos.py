"""The chaos suite, short version: every scenario once with a few publications, on real
processes (gunicorn, the upload worker with 2 prefork processes, the control worker, beat), a
private PostgreSQL cluster and a private Redis. ``make chaos`` runs the long version
(``tests/reliability/run.py``)."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import SHORT_PUBLICATIONS
from tests.reliability.scenarios import SCENARIOS, Chaos, run

pytestmark = pytest.mark.chaos


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_nothing_stuck_doubled_or_leaked(chaos: Chaos, scenario: str) -> None:
    result = run(chaos, scenario, SHORT_PUBLICATIONS)

    assert result["violations"] == [], result
    assert result["publications"] == SHORT_PUBLICATIONS, result
    terminal = result["published"] + result["failed"] + result["cancelled"]
    assert (terminal, result["stuck"], result["doubled"]) == (SHORT_PUBLICATIONS, 0, 0), result
    # The harm really hit work in progress (a kill of an idle worker proves nothing).
    if result["in_flight_at_harm"] is not None:
        assert all(result["in_flight_at_harm"]), result
