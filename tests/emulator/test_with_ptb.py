"""The emulator driven by a real python-telegram-bot Application over real HTTP."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bench.echo_bot import build_echo_application
from emulator import BotApiEmulator

from .conftest import TOKEN, StartBot

ANI = 1001


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"echo: {update.message.text}")


async def test_getme_reports_the_token_bot(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    assert app.bot.id == 424242
    assert app.bot.username == "pendamping_demo_bot"
    assert emu.tokens == [TOKEN]


async def test_echo_round_trip_with_increasing_message_ids(emu: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot(MessageHandler(filters.TEXT, echo))
    emu.user(ANI, "Ani")
    first = emu.send_text(ANI, "halo")
    reply = await emu.wait_for(ANI, "echo: halo")
    emu.send_text(ANI, "lagi")
    second_reply = await emu.wait_for(ANI, "echo: lagi")
    assert first["message"]["message_id"] < reply.message_id < second_reply.message_id
    assert reply.raw["from"]["is_bot"] is True
    assert isinstance(reply.date, int)


async def test_commands_carry_entities_and_reach_command_handlers(emu: BotApiEmulator, start_bot: StartBot) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"start args={context.args}")

    await start_bot(CommandHandler("start", start))
    update = emu.send_text(ANI, "/start KODE123")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert (await emu.wait_for(ANI)).text == "start args=['KODE123']"


async def test_inline_keyboard_press_and_edit(emu: BotApiEmulator, start_bot: StartBot) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = [[InlineKeyboardButton("Ya", callback_data="f:yes"), InlineKeyboardButton("Tidak", callback_data="f:no")]]
        await update.message.reply_text("Lanjut?", reply_markup=InlineKeyboardMarkup(keyboard))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Dicatat")
        await query.edit_message_text(f"Pilihan: {query.data}")

    await start_bot(CommandHandler("menu", menu), CallbackQueryHandler(pressed))
    emu.send_text(ANI, "/menu")
    question = await emu.wait_for(ANI, "Lanjut?")
    assert question.buttons == [[("Ya", "f:yes"), ("Tidak", "f:no")]]
    emu.press(ANI, question.message_id, "f:no")
    edited = await emu.wait_for(ANI, "Pilihan")
    assert edited.message_id == question.message_id
    assert edited.text == "Pilihan: f:no" and edited.history == ["Lanjut?"]
    assert edited.buttons == []  # editing without reply_markup drops the keyboard, as on Telegram
    assert [(a.data, a.text) for a in emu.answered_callbacks] == [("f:no", "Dicatat")]


async def test_unchanged_edit_is_refused(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="x")]])
    message = await app.bot.send_message(ANI, "Sama", reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await app.bot.edit_message_text("Sama", chat_id=ANI, message_id=message.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await app.bot.edit_message_reply_markup(chat_id=ANI, message_id=message.message_id, reply_markup=markup)
    changed = await app.bot.edit_message_reply_markup(chat_id=ANI, message_id=message.message_id)
    assert changed.reply_markup is None or changed.reply_markup.inline_keyboard == ()


async def test_document_upload_and_download_round_trip(emu: BotApiEmulator, start_bot: StartBot) -> None:
    async def receive(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = update.message.document
        data = await (await document.get_file()).download_as_bytearray()
        await update.message.reply_document(bytes(data).upper(), filename=f"upper-{document.file_name}",
                                            caption=f"{len(data)} bytes", disable_notification=True)

    await start_bot(MessageHandler(filters.Document.ALL, receive))
    emu.send_document(ANI, "roster.csv", b"nama,peran\nani,cgp\n", caption="roster")
    reply = await emu.wait_for(ANI, "bytes")
    assert reply.kind == "document"
    assert reply.filename == "upper-roster.csv"
    assert reply.content == b"NAMA,PERAN\nANI,CGP\n"
    assert reply.text == "19 bytes" and reply.disable_notification


async def test_bot_photos_albums_and_file_ids(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    photo = await app.bot.send_photo(ANI, b"\x89PNG fake", caption="foto")
    again = await app.bot.send_photo(ANI, photo.photo[-1].file_id)
    album = await app.bot.send_media_group(ANI, [InputMediaPhoto(b"one"), InputMediaPhoto(b"two", caption="dua")])
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    assert len({m.media_group_id for m in album}) == 1 and album[0].media_group_id
    assert bytes(await (await app.bot.get_file(album[1].photo[-1].file_id)).download_as_bytearray()) == b"two"
    assert [m.kind for m in emu.sent(ANI)] == ["photo"] * 4
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await app.bot.send_photo(ANI, "no-such-file-id")


async def test_user_media_reaches_the_bot(emu: BotApiEmulator, start_bot: StartBot) -> None:
    seen: list[Update] = []

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    await start_bot(MessageHandler(filters.ALL, collect))
    emu.send_photo(ANI, caption="kegiatan")
    emu.send_voice(ANI)
    emu.send_sticker(ANI)
    emu.send_location(ANI, -6.2, 106.8)
    emu.send_album(ANI, 3, caption="album")
    for _ in range(100):
        if len(seen) == 7:
            break
        await asyncio.sleep(0.01)
    messages = [u.message for u in seen]
    assert messages[0].caption == "kegiatan" and len(messages[0].photo) == 2
    assert messages[1].voice.mime_type == "audio/ogg"
    assert messages[2].sticker.emoji == "👍"
    assert messages[3].location.latitude == pytest.approx(-6.2)
    assert len({m.media_group_id for m in messages[4:]}) == 1 and messages[4].caption == "album"


async def test_commands_per_scope(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    await app.bot.set_my_commands([BotCommand("start", "Mulai"), BotCommand("bantuan", "Bantuan")])
    await app.bot.set_my_commands([BotCommand("refleksi", "Isi refleksi")], scope=BotCommandScopeChat(ANI))
    assert emu.commands("default") == [("start", "Mulai"), ("bantuan", "Bantuan")]
    assert emu.commands(ANI) == [("refleksi", "Isi refleksi")]
    assert emu.visible_commands(ANI) == [("refleksi", "Isi refleksi")]
    assert emu.visible_commands(2002) == [("start", "Mulai"), ("bantuan", "Bantuan")]
    assert [c.command for c in await app.bot.get_my_commands(scope=BotCommandScopeChat(ANI))] == ["refleksi"]
    await app.bot.delete_my_commands(scope=BotCommandScopeChat(ANI))
    assert emu.visible_commands(ANI) == emu.commands(BotCommandScopeDefault().to_dict())
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await app.bot.set_my_commands([BotCommand("x", "y")], scope=BotCommandScopeChat(999))


# PTB 22.8 itself warns when it builds RetryAfter unless PTB_TIMEDELTA is set.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_limits_answer_429_with_retry_after(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.flood_limits = True
    for user_id in range(1, 32):
        emu.user(user_id)
    for text in ("satu", "dua", "tiga"):  # a short burst in one chat is tolerated, as by Telegram
        await app.bot.send_message(1, text)
    with pytest.raises(RetryAfter, match=r"Retry in (3 seconds|0:00:03)"):
        await app.bot.send_message(1, "empat")
    for user_id in range(2, 29):
        await app.bot.send_message(user_id, "siaran")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(31, "siaran")
    assert emu.stats.sends == 30 and emu.stats.rejected == 2
    assert sum(emu.stats.per_second()) == 30


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_paid_broadcast_lifts_the_overall_limit_for_stars(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.flood_limits = True
    emu.limiter.clock = lambda: 100.0  # every send in the same second, however slow the machine
    emu.stars_balance = 10_000
    for user_id in range(1, 61):
        emu.user(user_id)
    for user_id in range(1, 41):
        await app.bot.send_message(user_id, "siaran", allow_paid_broadcast=True)
    await app.bot.send_photo(41, b"\x89PNG\r\n\x1a\n", caption="grafik", allow_paid_broadcast=True)
    await app.bot.send_media_group(42, [InputMediaPhoto(b"\x89PNG\r\n\x1a\n")] * 2, allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):  # without the flag, the 30 a second still hold
        await app.bot.send_message(50, "siaran")
    with pytest.raises(RetryAfter):  # and with it, one chat's limit (a burst of 3)
        for _ in range(3):
            await app.bot.send_message(1, "lagi", allow_paid_broadcast=True)
    stats = emu.stats
    assert (stats.paid_sends, stats.billed, stats.stars_spent) == (45, 15, Decimal("1.5"))
    [first] = emu.sent(1)[:1]
    assert first.paid_broadcast and not first.billed
    assert emu.sent(40)[0].billed and emu.sent(42)[1].billed
    assert emu.sent(41)[0].kind == "photo" and emu.sent(41)[0].paid_broadcast
    balance = await app.bot.get_my_star_balance()
    assert (balance.amount, balance.nanostar_amount) == (9_998, 500_000_000)


async def test_blocked_user_gives_403_and_my_chat_member_updates(emu: BotApiEmulator, start_bot: StartBot) -> None:
    changes: list[tuple[str, str]] = []

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        changes.append((change.old_chat_member.status, change.new_chat_member.status))

    app = await start_bot(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    emu.user(ANI, "Ani")
    emu.block(ANI)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await app.bot.send_message(ANI, "halo")
    emu.unblock(ANI)
    await app.bot.send_message(ANI, "halo lagi")
    for _ in range(100):
        if len(changes) == 2:
            break
        await asyncio.sleep(0.01)
    assert changes == [(ChatMember.MEMBER, ChatMember.BANNED), (ChatMember.BANNED, ChatMember.MEMBER)]
    assert [m.text for m in emu.sent(ANI)] == ["halo lagi"]


async def test_telegram_errors_for_bad_calls(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await app.bot.send_message(777, "siapa?")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await app.bot.send_message(ANI, "1 < 2 <b>tebal", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await app.bot.send_message(ANI, "Selesai.", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=ANI, message_id=99)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await app.bot.answer_callback_query("123")
    ok = await app.bot.send_message(ANI, "<b>Tebal</b> &amp; biasa", parse_mode=ParseMode.HTML)
    assert ok.text == "Tebal & biasa"


async def test_reply_keyboard_and_delete(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani")
    sent = await app.bot.send_message(ANI, "Pilih peran", reply_markup=ReplyKeyboardMarkup([["CGP", "PP"]]))
    assert emu.keyboard(ANI) == [["CGP", "PP"]]
    assert await app.bot.delete_message(ANI, sent.message_id)
    assert emu.sent(ANI) == [] and emu.sent(ANI, include_deleted=True)[0].deleted
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await app.bot.delete_message(ANI, sent.message_id)


async def test_echo_baseline_application(emu: BotApiEmulator, start_bot: StartBot) -> None:
    await start_bot(application=build_echo_application(emu.base_url))
    emu.send_text(ANI, "apa kabar")
    assert (await emu.wait_for(ANI)).text == "apa kabar"


async def test_chat_info_actions_menu_button_and_session_calls(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    emu.user(ANI, "Ani", username="ani_guru")
    chat = await app.bot.get_chat(ANI)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Ani", "ani_guru")
    assert await app.bot.send_chat_action(ANI, ChatAction.TYPING)
    assert await app.bot.set_chat_menu_button(ANI, MenuButtonCommands())
    assert emu.menu_button(ANI) == {"type": "commands"}
    assert await app.bot.get_webhook_info() is not None
    assert await app.bot.log_out() and await app.bot.close()


async def test_video_from_a_user(emu: BotApiEmulator, start_bot: StartBot) -> None:
    app = await start_bot()
    update = emu.send_video(ANI, caption="praktik")
    video = update["message"]["video"]
    assert (video["width"], video["height"], update["message"]["caption"]) == (640, 360, "praktik")
    assert bytes(await (await app.bot.get_file(video["file_id"])).download_as_bytearray()).startswith(b"\x00\x00\x00\x18ftyp")


async def test_groups_channels_and_leaving(emu: BotApiEmulator, start_bot: StartBot) -> None:
    seen: list[Update] = []

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="f:yes")]])
        await update.message.reply_text("Lanjut?", reply_markup=markup)

    app = await start_bot(CommandHandler("menu", menu), MessageHandler(filters.ALL, collect),
                          CallbackQueryHandler(collect), ChatMemberHandler(collect, ChatMemberHandler.MY_CHAT_MEMBER))
    await app.updater.stop()  # poll again, asking for channel posts as well
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    emu.user(ANI, "Ani")
    emu.group(-100500, "Grup CGP", "supergroup", added_by=ANI)
    emu.group(-42, "Kanal Info", "channel", added_by=ANI)
    emu.send_text(ANI, "/menu@pendamping_demo_bot", chat_id=-100500)
    question = await emu.wait_for(-100500, "Lanjut?")
    emu.click(ANI, "Ya", chat_id=-100500)
    emu.post_in_channel(-42, "pengumuman")
    for _ in range(200):
        if len(seen) == 4:
            break
        await asyncio.sleep(0.01)
    added_group, added_channel, press, post = seen
    assert (added_group.my_chat_member.chat.type, added_group.my_chat_member.new_chat_member.status) == ("supergroup", "member")
    assert added_group.my_chat_member.from_user.id == ANI
    assert added_channel.my_chat_member.new_chat_member.status == "administrator"
    assert press.callback_query.message.chat.id == -100500 and press.callback_query.from_user.id == ANI
    assert question.chat_id == -100500 and emu.sent(ANI) == []
    assert (post.channel_post.chat.type, post.channel_post.text, post.effective_user) == ("channel", "pengumuman", None)

    assert await app.bot.leave_chat(-100500)
    assert emu.has_left(-100500) and not emu.has_left(-42)
    with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
        await app.bot.send_message(-100500, "halo")
    assert emu.send_text(ANI, "/menu", chat_id=-100500) is None  # the bot no longer sees the group
    with pytest.raises(BadRequest, match="private chats"):
        await app.bot.leave_chat(ANI)
    with pytest.raises(ValueError):
        emu.group(42, "positive id")
