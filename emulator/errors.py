"""Bot API error replies with Telegram's codes and wording."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failed Bot API call, rendered as `{"ok": false, ...}`."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


def blocked() -> ApiError:
    return ApiError(403, "Forbidden: bot was blocked by the user")


def not_member(chat_type: str) -> ApiError:
    return ApiError(403, f"Forbidden: bot is not a member of the {chat_type} chat")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
