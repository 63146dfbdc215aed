"""HTTP control side under /_control/: play users and read what the bot did from another process."""
from __future__ import annotations

import asyncio
import base64
import dataclasses
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from emulator.emulator import BotApiEmulator

USER_ACTIONS = (
    "user", "send_text", "press", "click", "send_photo", "send_document", "send_voice", "send_video",
    "send_sticker", "send_album", "send_location", "block", "unblock", "group", "post_in_channel",
)
EMULATOR = web.AppKey("emulator", object)


def add_control_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    """Mount the control endpoints on the emulator's application."""
    app[EMULATOR] = emulator
    for action in USER_ACTIONS:
        app.router.add_post(f"/_control/{action}", _user_action)
    app.router.add_post("/_control/flood_limits", _flood_limits)
    for name, handler in (
        ("sent", _sent), ("events", _events), ("commands", _commands), ("visible_commands", _visible_commands),
        ("keyboard", _keyboard), ("answered_callbacks", _answered), ("stats", _stats), ("pending_updates", _pending),
    ):
        app.router.add_get(f"/_control/{name}", handler)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(reason: str) -> web.Response:
    return web.json_response({"ok": False, "description": reason}, status=400)


def _emulator(request: web.Request) -> BotApiEmulator:
    return request.app[EMULATOR]  # type: ignore[return-value]


async def _user_action(request: web.Request) -> web.Response:
    action = request.path.rsplit("/", 1)[1]
    try:
        body = await request.json()
        if body.get("content") is not None:
            body["content"] = base64.b64decode(body["content"])
        result = getattr(_emulator(request), action)(**body)
    except (AttributeError, TypeError, ValueError, LookupError) as error:
        return _fail(str(error))
    if dataclasses.is_dataclass(result):
        result = dataclasses.asdict(result)
    return _ok(result)


async def _flood_limits(request: web.Request) -> web.Response:
    body = await request.json()
    _emulator(request).flood_limits = bool(body.get("enabled"))
    return _ok(True)


def _int(request: web.Request, name: str, default: int | None = None) -> int:
    value = request.query.get(name)
    if value is None:
        if default is None:
            raise ValueError(f"{name} is required")
        return default
    return int(value)


async def _sent(request: web.Request) -> web.Response:
    """List the bot's messages with message_id > after, long-polling up to `timeout` seconds."""
    emulator = _emulator(request)
    try:
        chat_id, after = _int(request, "chat_id"), _int(request, "after", 0)
        timeout = float(request.query.get("timeout", 0))
    except ValueError as error:
        return _fail(str(error))
    include_deleted = request.query.get("include_deleted") in ("1", "true")
    deadline = asyncio.get_running_loop().time() + timeout

    def found() -> list[dict[str, Any]]:
        return [m.to_json() for m in emulator.sent(chat_id, include_deleted) if m.message_id > after]

    while not (messages := found()):
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0 or not await emulator.world.signal.wait(remaining, chat_id):
            break
    return _ok(messages)


async def _events(request: web.Request) -> web.Response:
    """List chat events (new messages and text edits) with seq > after, long-polling up to `timeout`."""
    emulator = _emulator(request)
    try:
        chat_id, after = _int(request, "chat_id"), _int(request, "after", 0)
        timeout = float(request.query.get("timeout", 0))
    except ValueError as error:
        return _fail(str(error))
    events = await emulator.wait_events(chat_id, after, timeout)
    return _ok([{"seq": seq, "kind": kind, "message": m.to_json()} for seq, kind, m in events])


async def _commands(request: web.Request) -> web.Response:
    scope: str | int = request.query.get("scope", "default")
    if isinstance(scope, str) and scope.lstrip("-").isdigit():
        scope = int(scope)
    pairs = _emulator(request).commands(scope, request.query.get("language_code", ""))
    return _ok([list(pair) for pair in pairs])


async def _visible_commands(request: web.Request) -> web.Response:
    try:
        user_id = _int(request, "user_id")
    except ValueError as error:
        return _fail(str(error))
    return _ok([list(pair) for pair in _emulator(request).visible_commands(user_id)])


async def _keyboard(request: web.Request) -> web.Response:
    try:
        return _ok(_emulator(request).keyboard(_int(request, "chat_id")))
    except ValueError as error:
        return _fail(str(error))


async def _answered(request: web.Request) -> web.Response:
    return _ok([dataclasses.asdict(a) for a in _emulator(request).answered_callbacks])


async def _stats(request: web.Request) -> web.Response:
    stats = _emulator(request).stats
    return _ok({"sends": stats.sends, "rejected": stats.rejected, "per_second": stats.per_second(),
                "send_times": list(stats.send_times), "rejected_times": list(stats.rejected_times),
                "paid_sends": stats.paid_sends, "billed": stats.billed, "stars_spent": str(stats.stars_spent)})


async def _pending(request: web.Request) -> web.Response:
    return _ok(_emulator(request).pending_updates)
