"""The in-process control side: playing users and reading the bot's messages."""
from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes

from emulator import BotApiEmulator, NoMessage
from emulator.state import use_time_source

from .conftest import StartBot

ANI = 1001


async def test_wait_for_skips_to_the_next_match_and_consumes(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    for text in ("satu", "dua", "tiga"):
        await app.bot.send_message(ANI, text)
    assert (await emu.wait_for(ANI, "dua")).text == "dua"
    assert (await emu.wait_for(ANI)).text == "tiga"
    with pytest.raises(NoMessage, match="satu"):
        await emu.wait_for(ANI, "satu", timeout=0.05)  # already passed over


async def test_wait_for_waits_for_later_messages_and_edits(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    first = await app.bot.send_message(ANI, "Menunggu…")
    emu.mark_read(ANI)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await app.bot.edit_message_text("Selesai", chat_id=ANI, message_id=first.message_id)

    task = asyncio.create_task(later())
    edited = await emu.wait_for(ANI, lambda m: m.edited, timeout=1)
    await task
    assert edited.message_id == first.message_id and edited.text == "Selesai"
    await app.bot.edit_message_text("Lagi", chat_id=ANI, message_id=first.message_id)
    with pytest.raises(NoMessage):
        await emu.wait_for(ANI, "Lagi", timeout=0.05, edits=False)


async def test_presses_reach_the_bot_even_for_foreign_data(emu: BotApiEmulator, start_bot: StartBot) -> None:
    presses: list[tuple[str, int]] = []

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        presses.append((update.callback_query.data, update.callback_query.message.message_id))
        await update.callback_query.answer()

    app = await start_bot(CallbackQueryHandler(pressed))
    emu.user(ANI, "Ani")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Sudah selesai", callback_data="s:done:7")]])
    message = await app.bot.send_message(ANI, "Pengingat", reply_markup=markup)
    emu.click(ANI, "Sudah selesai")
    emu.press(ANI, message.message_id, "s:stale-button")
    with pytest.raises(LookupError):
        emu.press(ANI, 999, "x")
    with pytest.raises(LookupError):
        emu.click(ANI, "Tidak ada")
    for _ in range(100):
        if len(emu.answered_callbacks) == 2:
            break
        await asyncio.sleep(0.01)
    assert presses == [("s:done:7", message.message_id), ("s:stale-button", message.message_id)]


async def test_press_on_a_deleted_message_sends_an_inaccessible_message(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y")]])
    message = await app.bot.send_message(ANI, "Lama", reply_markup=markup)
    await app.bot.delete_message(ANI, message.message_id)
    update = emu.press(ANI, message.message_id, "y")
    assert update["callback_query"]["message"] == {"chat": update["callback_query"]["message"]["chat"],
                                                   "message_id": message.message_id, "date": 0}


async def test_writing_to_a_blocked_bot_unblocks_it(emu: BotApiEmulator) -> None:
    emu.user(ANI, "Ani")
    kicked = emu.block(ANI)
    assert emu.block(ANI) is None and emu.is_blocked(ANI)
    emu.send_text(ANI, "/start")
    kinds = [next(k for k in u if k != "update_id") for u in emu.pending_updates]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    restored = emu.pending_updates[1]["my_chat_member"]
    assert kicked["my_chat_member"]["new_chat_member"] == {"user": emu.bot, "status": "kicked", "until_date": 0}
    assert restored["new_chat_member"]["status"] == "member" and not emu.is_blocked(ANI)


async def test_user_files_are_downloadable_by_the_bot(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    update = emu.send_document(ANI, "rpp.docx", b"isi rpp")
    file = await app.bot.get_file(update["message"]["document"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"isi rpp"
    photo = emu.send_photo(ANI)["message"]["photo"][-1]
    data = await (await app.bot.get_file(photo["file_id"])).download_as_bytearray()
    assert bytes(data).startswith(b"\x89PNG")


async def test_a_reader_of_one_chat_wakes_only_for_that_chat(emu: BotApiEmulator, start_bot: StartBot) -> None:
    """Fifty simulated users each wait on their own chat: a message to one must not wake the other 49."""
    app = await start_bot()
    emu.user(ANI, "Ani")
    emu.user(ANI + 1, "Budi")
    woken = []
    original = emu.world.signal.wait

    async def counting(timeout: float, chat_id: int | None = None) -> bool:
        result = await original(timeout, chat_id)
        woken.append((chat_id, result))
        return result

    emu.world.signal.wait = counting
    waiting = asyncio.create_task(emu.wait_events(ANI, 0, 1.0))
    await asyncio.sleep(0.01)
    for n in range(3):
        await app.bot.send_message(ANI + 1, f"untuk Budi {n}")
    await app.bot.send_message(ANI, "untuk Ani")
    events = await waiting
    assert [m.text for _, _, m in events] == ["untuk Ani"]
    assert woken == [(ANI, True)]


async def test_sent_since_reads_every_chat_in_sending_order_from_a_position(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    emu.user(ANI + 1, "Budi")
    for chat, text in ((ANI, "satu"), (ANI + 1, "dua"), (ANI, "tiga")):
        await app.bot.send_message(chat, text)
    first, position = emu.sent_since()
    assert [(m.chat_id, m.text) for m in first] == [(ANI, "satu"), (ANI + 1, "dua"), (ANI, "tiga")]
    await app.bot.send_message(ANI + 1, "empat")
    later, _ = emu.sent_since(position)
    assert [m.text for m in later] == ["empat"]


async def test_forget_drops_old_messages_and_keeps_positions_and_recent_ones_working(
        emu: BotApiEmulator, start_bot: StartBot) -> None:
    now = [1_800_000_000.0]
    use_time_source(lambda: now[0])
    try:
        pressed: list[str] = []

        async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            pressed.append(update.callback_query.data)
            await update.callback_query.answer()
            await update.callback_query.edit_message_text("sudah")

        app = await start_bot(CallbackQueryHandler(on_press))
        emu.user(ANI, "Ani")
        emu.user(ANI + 1, "Budi")
        old = await app.bot.send_message(ANI, "lama")
        await app.bot.send_message(ANI + 1, "lama juga")
        _, position = emu.sent_since()
        now[0] += 3600
        button = InlineKeyboardMarkup([[InlineKeyboardButton("Tekan", callback_data="p")]])
        await app.bot.send_message(ANI, "baru", reply_markup=button)
        cursor = len(emu.events(ANI))

        assert emu.forget(now[0] - 1) == 2
        assert [m.text for m in emu.sent(ANI)] == ["baru"] and emu.sent(ANI + 1) == []
        assert [m.text for m in emu.sent_since(position)[0]] == ["baru"]
        assert emu.sent_since(0)[1] == 3
        assert [m.text for _, _, m in emu.events(ANI)] == ["baru"]
        emu.click(ANI, "Tekan")
        assert (await emu.wait_for(ANI, "sudah")).text == "sudah"
        assert pressed == ["p"] and [seq for seq, _, _ in emu.events(ANI, cursor)] == [cursor + 1]
        with pytest.raises(BadRequest, match="not found"):
            await app.bot.edit_message_text("diubah", ANI, old.message_id)
    finally:
        use_time_source(None)


async def test_hold_after_lets_the_first_calls_through_and_stalls_the_rest(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    emu.hold("sendMessage", after=1)
    first = await app.bot.send_message(ANI, "satu")
    second = asyncio.create_task(app.bot.send_message(ANI, "dua"))
    await asyncio.sleep(0.2)
    assert first.text == "satu" and not second.done() and [m.text for m in emu.sent(ANI)] == ["satu"]
    emu.release("sendMessage")
    assert (await second).text == "dua"
    emu.hold("sendMessage")  # after=0: nothing goes through
    third = asyncio.create_task(app.bot.send_message(ANI, "tiga"))
    await asyncio.sleep(0.2)
    assert not third.done()
    emu.release("sendMessage")
    await third
