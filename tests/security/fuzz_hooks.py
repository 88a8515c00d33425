"""Hooks for the API fuzzer (tests/security/test_api_fuzz.py): the resumable upload's parts are
``application/offset+octet-stream`` (tus), raw bytes like ``application/octet-stream``."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
