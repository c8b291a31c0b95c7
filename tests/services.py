"""Reaching the real services some tests need (PostgreSQL, Redis, S3 on loopback).

A missing service skips its tests with the reason on a developer's machine, and fails them when the `CI`
environment variable is set, so that a broken CI machine cannot pass by skipping.
"""

from __future__ import annotations

import os
import socket
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """Whether the tests run in continuous integration (the `CI` variable is set and not empty)."""
    return bool(os.environ.get("CI"))


def service_unavailable(reason: str) -> NoReturn:
    """Skip the current test with `reason`, or fail it when running in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so a missing service is an error)", pytrace=False)
    pytest.skip(reason)


def tcp_reachable(host: str, port: int, *, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_tcp_service(name: str, host: str, port: int) -> None:
    """Skip (or, in CI, fail) unless the service `name` listens at host:port."""
    if not tcp_reachable(host, port):
        service_unavailable(f"{name} is not reachable at {host}:{port}")
