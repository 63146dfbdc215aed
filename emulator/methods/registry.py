"""Bot API method table: lower-cased method name → handler(world, params)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

METHODS: dict[str, Callable[..., Any]] = {}


def method(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a handler under Bot API method names (matched case-insensitively)."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register
