"""The aiohttp application serving /bot<token>/<method> and /file/bot<token>/<path>."""
from __future__ import annotations

import asyncio

import inspect
import logging

from aiohttp import web

from emulator.errors import ApiError, not_found
from emulator.methods import METHODS
from emulator.params import Params
from emulator.state import World

log = logging.getLogger(__name__)

MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for bot uploads
WORLD = web.AppKey("world", World)


def build_app(world: World) -> web.Application:
    """Return the Bot API application for one emulated Telegram."""
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[WORLD] = world
    app.router.add_route("*", "/bot{token}/{method}", _call)
    app.router.add_get("/file/bot{token}/{path:.+}", _download)
    return app


async def _call(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    name = request.match_info["method"]
    try:
        world.use_token(request.match_info["token"])
        handler = METHODS.get(name.lower())
        if handler is None:
            raise not_found()
        params = await Params.from_request(request)
        held = world.held.get(name.lower())
        if held is not None and world.held_after.get(name.lower(), 0) > 0:
            world.held_after[name.lower()] -= 1
            held = None
        if held is not None and not await asyncio.shield(held):
            raise ApiError(502, "Bad Gateway: dropped while held")
        if failures := world.failing.get(name.lower()):
            raise failures.pop(0)
        result = handler(world, params)
        if inspect.isawaitable(result):
            result = await result
    except ApiError as error:
        log.debug("%s -> %s %s", name, error.code, error.description)
        return web.json_response(error.payload(), status=error.code)
    except Exception:
        log.exception("emulator failed in %s", name)
        return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500)
    return web.json_response({"ok": True, "result": result})


async def _download(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    try:
        world.use_token(request.match_info["token"])
    except ApiError as error:
        return web.json_response(error.payload(), status=error.code)
    stored = world.files.by_path(request.match_info["path"])
    if stored is None:
        return web.json_response(not_found().payload(), status=404)
    return web.Response(body=stored.content, headers={"Content-Type": stored.mime_type})
