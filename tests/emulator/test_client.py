"""Driving the emulator over HTTP with EmulatorClient, and running it standalone."""
from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from emulator import BotApiEmulator, NoMessage
from emulator.client import EmulatorClient, EmulatorError

from .conftest import StartBot

ANI = 1001
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def client(emu: BotApiEmulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emu.base_url) as control:
        yield control


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.set_my_commands([BotCommand("menu", "Menu")], scope=BotCommandScopeChat(update.effective_chat.id))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Lanjut", callback_data="f:next")]])
    await update.message.reply_text("Selamat datang", reply_markup=markup)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text("Langkah 2")


async def files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message.document:
        await message.reply_text(f"dokumen {message.document.file_name}")
    else:
        await message.reply_text(f"foto {message.media_group_id or 'tunggal'}")


async def test_dialog_over_http(emu: BotApiEmulator, start_bot: StartBot, client: EmulatorClient) -> None:
    await start_bot(CommandHandler("start", start), CallbackQueryHandler(pressed),
                    MessageHandler(filters.Document.ALL | filters.PHOTO, files))
    await client.user(ANI, "Ani", username="ani_guru")
    await client.send_text(ANI, "/start")
    welcome = await client.wait_for(ANI, "Selamat datang")
    assert welcome.buttons == [[("Lanjut", "f:next")]]
    assert await client.commands(ANI) == [("menu", "Menu")] == await client.visible_commands(ANI)
    await client.press(ANI, welcome.message_id, "f:next")
    assert (await client.wait_for(ANI, "Langkah 2")).history == ["Selamat datang"]
    await client.send_document(ANI, "laporan.pdf", b"%PDF")
    assert (await client.wait_for(ANI)).text == "dokumen laporan.pdf"
    await client.send_photo(ANI, caption="kegiatan")
    assert (await client.wait_for(ANI)).text == "foto tunggal"
    album = await client.send_album(ANI, 2)
    assert len(album) == 2
    await client.wait_for(ANI, "foto")
    await client.wait_for(ANI, "foto")
    assert len(await client.answered_callbacks()) == 1
    texts = [m.text for m in await client.sent(ANI, after=welcome.message_id)]
    assert texts[0] == "dokumen laporan.pdf" and len(texts) == 4
    with pytest.raises(NoMessage):
        await client.wait_for(ANI, timeout=0.1)


async def test_block_and_reads_over_http(emu: BotApiEmulator, start_bot: StartBot, client: EmulatorClient) -> None:
    app = await start_bot()
    await client.user(ANI, "Ani")
    update = await client.block(ANI)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert emu.is_blocked(ANI)
    await client.unblock(ANI)
    later = asyncio.create_task(client.sent(ANI, timeout=2))
    await asyncio.sleep(0.05)
    await app.bot.send_document(ANI, b"abc", filename="x.txt")
    [document] = await later
    assert (document.kind, document.filename, document.content) == ("document", "x.txt", b"abc")
    await client.set_flood_limits(True)
    assert emu.flood_limits and (await client.stats())["sends"] == 1
    await app.bot.send_message(ANI, "siaran", allow_paid_broadcast=True)
    stats = await client.stats()
    assert (stats["sends"], stats["paid_sends"], stats["billed"], stats["stars_spent"]) == (2, 1, 0, "0.0")
    assert [m.paid_broadcast for m in await client.sent(ANI)] == [False, True]
    with pytest.raises(EmulatorError, match="no message 42"):
        await client.press(ANI, 42, "x")


async def test_standalone_server_runs_and_stops() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "emulator", "--port", "0", "--flood-limits",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        base_url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        async with aiohttp.ClientSession() as http, http.get(f"{base_url}/bot1:x/getMe") as response:
            assert (await response.json())["result"]["username"] == "pendamping_demo_bot"
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 5) == 0
