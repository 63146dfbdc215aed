"""The aiohttp transport: Telegram's answers and the network's failures become the errors HTTPXRequest gave."""
from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.request import AiohttpRequest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _refusal(code: int, description: str, **parameters: int) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response({**body, "parameters": parameters} if parameters else body, status=code)


async def _telegram(request: web.Request) -> web.Response:
    form = await request.json() if request.content_type == "application/json" else await request.post()
    name = request.match_info["method"]
    if name == "slow":
        await asyncio.sleep(1)
    if name == "blocked":
        return _refusal(403, "Forbidden: bot was blocked by the user")
    if name == "flood":
        return _refusal(429, "Too Many Requests: retry after 7", retry_after=7)
    if name == "bad":
        return _refusal(400, "Bad Request: message text is empty")
    upload = form.get("document")
    fields = {key: value for key, value in form.items() if key != "document"}
    file = [upload.filename, upload.file.read().decode()] if upload is not None else None
    return web.json_response({"ok": True, "result": {"fields": fields, "file": file}})


@pytest.fixture
async def api() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/{method}", _telegram)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest()
    yield request
    await request.shutdown()


async def test_parameters_go_as_json_and_files_as_multipart(api, request_):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y")]])
    plain = RequestData([RequestParameter.from_input(name, value)
                         for name, value in (("chat_id", 5), ("text", "halo"), ("reply_markup", markup))])
    assert await request_.post(f"{api}/sendMessage", plain) == {"fields": {
        "chat_id": 5, "text": "halo", "reply_markup": {"inline_keyboard": [[{"text": "Ya", "callback_data": "y"}]]}},
        "file": None}
    upload = RequestData([RequestParameter.from_input("chat_id", 5),
                          RequestParameter.from_input("document", InputFile(b"isi", filename="a.csv"))])
    assert await request_.post(f"{api}/sendDocument", upload) == {
        "fields": {"chat_id": "5"}, "file": ["a.csv", "isi"]}


async def test_telegram_refusals_raise_what_python_telegram_bot_raises(api, request_):
    with pytest.raises(Forbidden, match="bot was blocked"):
        await request_.post(f"{api}/blocked")
    with pytest.raises(RetryAfter) as flood:
        await request_.post(f"{api}/flood")
    assert flood.value.retry_after in (7, timedelta(seconds=7))  # a timedelta with PTB_TIMEDELTA
    with pytest.raises(BadRequest, match="Message text is empty"):
        await request_.post(f"{api}/bad")


async def test_a_timeout_is_timed_out_and_a_refused_connection_a_network_error(api, request_):
    with pytest.raises(TimedOut):
        await request_.post(f"{api}/slow", read_timeout=0.1)
    with pytest.raises(NetworkError) as refused:
        await request_.post(f"http://127.0.0.1:{_free_port()}/getMe")
    assert not isinstance(refused.value, TimedOut) and "aiohttp.ClientConnectorError" in str(refused.value)
