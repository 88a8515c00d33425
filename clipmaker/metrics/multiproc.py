"""prometheus-client's multiprocess mode, shared by every process of a host.

Each process (gunicorn worker, Celery pool child, beat) writes its counters into files under
``PROMETHEUS_MULTIPROC_DIR`` (set by settings, ``METRICS_DIR``); ``/metrics`` adds up all the
files of the host. Files are named by host name and process id, not by process id alone: in
docker-compose the web and worker containers share the directory and each container numbers
its processes from 1.

The directory is emptied when the whole stack starts (``metrics_dir_prepare(clean=True)``:
``make run``, the test session; in docker-compose it is a tmpfs volume, empty until the first
container mounts it), never under running processes, whose counts would vanish.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

from prometheus_client import CollectorRegistry, values
from prometheus_client.multiprocess import MultiProcessCollector

_HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:48] or "host"


def process_identifier() -> str:
    """Unique among the processes writing to one directory, across containers too."""
    return f"{_HOST}-{os.getpid()}"


def metrics_dir() -> Path:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        raise RuntimeError("PROMETHEUS_MULTIPROC_DIR is not set (clipmaker.settings sets it).")
    return Path(path)


def metrics_dir_prepare(*, clean: bool = False) -> Path:
    """Create the directory; with ``clean``, remove what earlier runs left (start of a stack)."""
    path = metrics_dir()
    if clean and path.exists():
        for entry in path.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def multiprocess_values_install() -> None:
    """Make every metric created from now on write to this host's shared directory."""
    metrics_dir_prepare()
    values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)


def scrape_registry() -> CollectorRegistry:
    """A registry with the counters of every process of this host."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir()))
    return registry
