"""Helpers for the app's Pilot tests."""

from __future__ import annotations

import asyncio
from typing import Any, Callable


async def wait_until(pilot: Any, predicate: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Let the app run until `predicate()` holds (a worker finished, a debounce fired); fail after `limit` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def showing(app: Any, screen_type: type) -> bool:
    """The app's top screen is a `screen_type` and has been composed (its widgets can be queried)."""
    screen = app.screen
    return isinstance(screen, screen_type) and bool(screen.children) and screen.is_mounted
