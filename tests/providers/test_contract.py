"""Runs the shared provider contract (``contract.py``) for every registered platform, and
checks that the contract notices a platform nobody wrote a spec for."""

from __future__ import annotations

import pytest

from platforms.constants import MB
from platforms.providers import registry
from tests.fixtures.fake_provider import FakeProvider

from .contract import *  # noqa: F403 - the shared cases, collected here
from .contract import (
    contract_platforms,
    spec_for,
    test_a_gateway_page_instead_of_an_answer_is_transient,
)


class SpeclessProvider(FakeProvider):
    platform = "specless"
    label = "Без спецификации"
    max_file_size = MB


def test_a_registered_provider_without_a_spec_is_reported():
    with registry.registered(SpeclessProvider):
        platforms = contract_platforms(test_a_gateway_page_instead_of_an_answer_is_transient)
        assert "specless" in platforms
        with pytest.raises(pytest.fail.Exception, match="has no contract spec"):
            spec_for("specless")
