"""Reading ``/metrics`` in tests: one sample's value, before and after."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def scrape(client: Any, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def has(samples: dict[Any, float], name: str, **labels: str) -> bool:
    return (name, frozenset(labels.items())) in samples
