"""Local stand-in for the platforms' HTTP APIs and OAuth servers (see docs/sandbox.md).

Mounted under ``/sandbox/`` when ``PLATFORM_SANDBOX`` is on. It keeps its own state in a small
SQLite file (``SANDBOX_STATE_PATH``), never in the project's database, so every process that
serves, tests or drives it sees the same videos, faults and journal.
"""
