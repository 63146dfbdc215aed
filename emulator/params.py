"""Read Bot API parameters from JSON, form-urlencoded or multipart requests.

Telegram treats every parameter as a string and converts it per method; python-telegram-bot
sends form data whose non-string values are JSON-encoded, so each accessor accepts both.
"""
from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulator.errors import bad_request

_TRUE = {"true", "1", "yes"}


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request."""

    filename: str
    content: bytes
    content_type: str


class Params:
    """Typed access to one call's parameters."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        """Collect query, JSON, form and multipart parameters of a request."""
        values: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            values.update(body)
        elif request.can_read_body:
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    content_type = value.content_type or _guess_type(value.filename)
                    values[name] = Upload(value.filename or name, value.file.read(), content_type)
                else:
                    values[name] = value
        return cls(values)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def required_str(self, name: str, empty_reason: str | None = None) -> str:
        value = self.str(name)
        if not value:
            raise bad_request(empty_reason or f"{name} is empty")
        return value

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str) -> int:
        value = self.int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in _TRUE

    def json(self, name: str, default: Any = None) -> Any:
        """Return a JSON-typed parameter, decoding it when it arrived as a string."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def upload(self, name: str) -> Upload | None:
        value = self.values.get(name)
        return value if isinstance(value, Upload) else None


def _guess_type(filename: str | None) -> str:
    return mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
