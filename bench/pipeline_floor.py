"""The pipeline benchmark's floor (bench/pipeline.py): the platform calls of a publication made
straight from forked processes, with no engine around them — what the engine is compared with."""

from __future__ import annotations

import os
import time
from typing import Any


def floor_worker(jobs: list[dict[str, Any]], start_at: float, out: Any) -> None:
    """One floor process: the engine's provider calls for ``jobs``, nothing else.

    Each job is one publication: ``publish`` (with the same clip, metadata and credentials the
    engine uses), then, when the platform answers "processing", one ``check`` at once (as the
    engine does) and further checks, without sleeping, after the other jobs. One adapter per
    platform for the whole process (its HTTP session reused), no Celery, no database.
    """
    from django.core.files.storage import default_storage

    from platforms.providers import ClipFile, PublishState, get_provider

    providers = {job["platform"]: get_provider(job["platform"]) for job in jobs}
    pending: list[tuple[dict[str, Any], Any]] = []
    done: list[float] = []
    errors = 0

    def finished(job: dict[str, Any], result: Any) -> None:
        if result.state == PublishState.PUBLISHED:
            done.append(time.time())
        else:
            pending.append((job, result.handle))

    while time.time() < start_at:
        time.sleep(0.001)
    for job in jobs:
        provider = providers[job["platform"]]
        name = job["name"]
        clip = ClipFile(
            name=name,
            size=default_storage.size(name),
            open=lambda name=name: default_storage.open(name, "rb"),
            filename=os.path.basename(name),
            content_type="video/mp4",
            public_url=job["public_url"],
        )
        try:
            result = provider.publish(
                credentials=job["credentials"],
                clip=clip,
                meta=job["meta"],
                resume=None,
                progress=lambda sent: None,
                on_handle=lambda handle: None,
            )
            if result.state == PublishState.PROCESSING:
                result = provider.check(credentials=job["credentials"], handle=result.handle)
        except Exception:
            errors += 1
            continue
        finished(job, result)
    deadline = time.time() + 120
    while pending and time.time() < deadline:
        job, handle = pending.pop(0)
        try:
            result = providers[job["platform"]].check(credentials=job["credentials"], handle=handle)
        except Exception:
            errors += 1
            continue
        finished(job, result)
    out.put({"done": done, "errors": errors + len(pending)})


def run_floor(jobs: list[dict[str, Any]], processes: int) -> dict[str, Any]:
    """The floor: ``jobs`` split over ``processes`` forked processes, all starting together."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # the children never touch the database
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.5
    children = [
        ctx.Process(target=floor_worker, args=(jobs[i::processes], start_at, out))
        for i in range(processes)
    ]
    for child in children:
        child.start()
    results = [out.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=10)
    done = [t for r in results for t in r["done"]]
    errors = sum(r["errors"] for r in results)
    seconds = (max(done) - start_at) if done else float("nan")
    return {
        "published": len(done),
        "errors": errors,
        "seconds": seconds,
        "per_second": len(done) / seconds if done else 0.0,
    }
