"""Bot API semantics over raw HTTP: encodings, getUpdates long polling, errors."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulator import BotApiEmulator

from .conftest import TOKEN

ANI = 1001


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http: aiohttp.ClientSession, emu: BotApiEmulator, method: str, token: str = TOKEN,
               **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emu.base_url}/bot{token}/{method}", **kwargs) as response:
        return response.status, await response.json()


async def test_json_form_and_multipart_bodies(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    emu.user(ANI, "Ani")
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "y"}]]}
    _, as_json = await call(http, emu, "sendMessage", json={"chat_id": ANI, "text": "json", "reply_markup": markup})
    _, as_form = await call(http, emu, "sendMessage",
                            data={"chat_id": str(ANI), "text": "form", "reply_markup": json.dumps(markup)})
    form = aiohttp.FormData()
    form.add_field("chat_id", str(ANI))
    form.add_field("document", b"%PDF-1.4", filename="tugas.pdf", content_type="application/pdf")
    _, as_multipart = await call(http, emu, "sendDocument", data=form)
    assert as_json["result"]["reply_markup"] == markup == as_form["result"]["reply_markup"]
    document = as_multipart["result"]["document"]
    assert document["file_name"] == "tugas.pdf" and document["mime_type"] == "application/pdf"
    _, file_info = await call(http, emu, "getFile", json={"file_id": document["file_id"]})
    async with http.get(f"{emu.base_url}/file/bot{TOKEN}/{file_info['result']['file_path']}") as response:
        assert await response.read() == b"%PDF-1.4"


async def test_errors_use_telegram_codes(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    assert await call(http, emu, "noSuchMethod") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await call(http, emu, "getMe", token="not-a-token")
    assert (status, body["description"]) == (401, "Unauthorized")
    status, body = await call(http, emu, "sendMessage", json={"chat_id": 5, "text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    status, body = await call(http, emu, "GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["id"] == 424242


async def test_get_updates_offset_confirms_and_limit(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    for text in ("a", "b", "c"):
        emu.send_text(ANI, text)
    _, first = await call(http, emu, "getUpdates", json={"limit": 2})
    ids = [u["update_id"] for u in first["result"]]
    assert [u["message"]["text"] for u in first["result"]] == ["a", "b"]
    _, again = await call(http, emu, "getUpdates", json={"offset": ids[1]})
    assert [u["message"]["text"] for u in again["result"]] == ["b", "c"]
    _, last = await call(http, emu, "getUpdates", json={"offset": -1})
    assert [u["message"]["text"] for u in last["result"]] == ["c"]


async def test_long_poll_waits_for_an_update_or_the_timeout(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    _, empty = await call(http, emu, "getUpdates", json={"timeout": 1})
    assert empty["result"] == [] and time.monotonic() - started >= 0.9
    poll = asyncio.create_task(call(http, emu, "getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    emu.send_text(ANI, "bangun")
    _, woken = await poll
    assert woken["result"][0]["message"]["text"] == "bangun" and time.monotonic() - started < 0.5


async def test_second_poller_terminates_the_first(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    first = asyncio.create_task(call(http, emu, "getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.1)
    await call(http, emu, "getUpdates", json={"timeout": 0})
    status, body = await first
    assert status == 409 and body["description"].startswith("Conflict: terminated by other getUpdates")


async def test_allowed_updates_and_webhook_conflict(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    emu.send_text(ANI, "teks")
    emu.block(ANI)
    _, only_members = await call(http, emu, "getUpdates", json={"allowed_updates": ["my_chat_member"]})
    assert [list(u)[1] for u in only_members["result"]] == ["my_chat_member"]
    assert await call(http, emu, "setWebhook", json={"url": "https://example.org/hook"}) == (200, {"ok": True, "result": True})
    status, body = await call(http, emu, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    _, info = await call(http, emu, "getWebhookInfo")
    assert info["result"]["url"] == "https://example.org/hook"
    await call(http, emu, "deleteWebhook", json={"drop_pending_updates": True})
    assert emu.webhook_url == "" and emu.pending_updates == []


async def test_stop_releases_a_waiting_long_poll(http: aiohttp.ClientSession) -> None:
    emu = BotApiEmulator()
    await emu.start()
    poll = asyncio.create_task(call(http, emu, "getUpdates", json={"timeout": 30}))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await emu.stop()
    _, body = await poll
    assert body["result"] == [] and time.monotonic() - started < 1


async def test_replies_to_existing_messages_only(emu: BotApiEmulator, http: aiohttp.ClientSession) -> None:
    asked = emu.send_text(ANI, "pertanyaan")["message"]
    _, reply = await call(http, emu, "sendMessage",
                          json={"chat_id": ANI, "text": "jawaban", "reply_parameters": {"message_id": asked["message_id"]}})
    assert reply["result"]["reply_to_message"]["text"] == "pertanyaan"
    assert emu.last(ANI).reply_to_message_id == asked["message_id"]
    status, body = await call(http, emu, "sendMessage",
                              json={"chat_id": ANI, "text": "x", "reply_parameters": {"message_id": 99}})
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")


async def test_restart_after_stop_serves_long_polls_again(http: aiohttp.ClientSession) -> None:
    emu = BotApiEmulator()
    await emu.start()
    await emu.stop()
    await emu.start()
    try:
        poll = asyncio.create_task(call(http, emu, "getUpdates", json={"timeout": 2}))
        await asyncio.sleep(0.1)
        assert not poll.done()
        emu.send_text(ANI, "lagi")
        _, body = await poll
        assert body["result"][0]["message"]["text"] == "lagi"
    finally:
        await emu.stop()
