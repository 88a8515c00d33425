"""Prometheus metrics: counters every process writes (multiprocess mode), gauges read at
scrape time, and the ``/metrics`` registry that adds them up. See docs/operations.md."""
