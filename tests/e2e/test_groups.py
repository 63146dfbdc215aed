"""The bot serves private chats only: in groups and channels nothing personal is shown and nobody is re-bound."""
from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.embedded import polling
from bot.handlers.private_only import PrivateOnly
from services.context import Deps
from store.models import Person
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import FAST_JOBS, KOORDINATOR_ID, TOKEN, RunningBot, daytime_clock, settings_for

GROUP, NEW_GROUP, CHANNEL, OLD_CHANNEL = -1001234567890, -4005006007, -1009876543210, -1001112223334
SECRET = "Rahasia kelas Dewi 4417"
NOTICE = "Maaf, Pendamping hanya melayani percakapan pribadi. Silakan chat langsung dengan @pendamping_demo_bot."
EVERY_COMMAND = (
    "/start", "/bantuan", "/profil", "/refleksi", "/batal", "/ringkasan", "/ekspor", "/jadwal", "/siaran",
    "/ringkasan@pendamping_demo_bot", "/ekspor@pendamping_demo_bot", "/tidakada", "halo semua",
)


async def _people(db) -> dict[str, Person]:
    async with db.session() as s:
        return {p.external_id: p for p in (await s.scalars(select(Person))).all()}


@pytest.fixture
async def cohort(bot):
    """Bambang (PP01) and his mentee Dewi (CGP01) joined in private; Dewi has answered part of PI 1."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp, dewi = bot.user(7001, "Bambang"), bot.user(7003, "Dewi")
    await pp.join(codes['PP01'], "Selamat datang")
    await dewi.join(codes['CGP01'], "Selamat datang")
    await dewi.say("/refleksi", "Pilih refleksi")
    await dewi.press("Pendampingan Individu 1", "(1/20)")
    await dewi.press("Sudah", "(2/20)")
    await dewi.say(SECRET, "(3/20)")
    return {"pp": pp, "dewi": dewi, "codes": codes}


async def _post_as_bot(emulator, chat_id: int, label: str, data: str) -> dict:
    """A message with the bot's button, as an earlier version of the bot would have posted it in that chat."""
    markup = {"inline_keyboard": [[{"text": label, "callback_data": data}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/bot{TOKEN}/sendMessage",
                             json={"chat_id": chat_id, "text": "Perkembangan mentee", "reply_markup": markup}) as response:
            return (await response.json())["result"]


async def _settled(users) -> None:
    """Each user's updates are handled in order: a private /bantuan answered means their group ones were too."""
    for user in users:
        user.emulator.mark_read(user.id)
        await user.say("/bantuan", lambda m: "/bantuan" in (m.text or "") or "belum terhubung" in (m.text or ""))


async def test_every_command_in_a_group_gets_one_line_and_the_bot_leaves(bot, emulator, db, cohort):
    pp, dewi = cohort["pp"], cohort["dewi"]
    koordinator, newcomer = bot.user(KOORDINATOR_ID, "Sri"), bot.user(7005, "Agus")
    emulator.group(GROUP, "Grup Angkatan 11", "supergroup")  # the bot was in it before this version
    before = await _people(db)
    shown_before = {user.id: len(emulator.sent(user.id)) for user in (pp, dewi)}
    for user in (pp, dewi, koordinator):
        for text in EVERY_COMMAND:
            emulator.send_text(user.id, text, chat_id=GROUP)
    emulator.send_text(newcomer.id, f"/start {cohort['codes']['CGP02']}", chat_id=GROUP)
    await _settled([pp, dewi, koordinator, newcomer])

    in_group = emulator.sent(GROUP, include_deleted=True)
    assert [(m.kind, m.text, m.history) for m in in_group] == [("text", NOTICE, [])]
    assert emulator.has_left(GROUP)
    after = await _people(db)
    assert after["PP01"].tg_chat_id == before["PP01"].tg_chat_id == pp.id
    assert after["CGP01"].tg_chat_id == before["CGP01"].tg_chat_id == dewi.id
    assert after["CGP02"].tg_user_id is None  # an invite code sent in a group joins nobody
    async with db.session() as s:
        assert await s.scalar(select(Person).where(Person.tg_user_id == KOORDINATOR_ID)) is None
    for user in (pp, dewi):  # nothing from the group commands went to the private chats either
        later = emulator.sent(user.id)[shown_before[user.id]:]
        assert [m.text.partition(" ")[0] for m in later] == ["Berikut"]  # the reply to the private /bantuan
    summary = await pp.say("/ringkasan", "Perkembangan mentee")  # private use is unchanged
    assert "Dewi Lestari" in summary.labels


async def test_a_busy_group_gets_one_line_while_the_bot_is_leaving(bot, emulator, cohort):
    members = [cohort["pp"], cohort["dewi"], bot.user(7005, "Agus"), bot.user(7006, "Rina")]
    emulator.group(GROUP, "Grup Angkatan 11", "supergroup")
    emulator.hold("leaveChat")  # a slow network: the bot is still in the group while the others' commands arrive
    for user in members:
        emulator.send_text(user.id, "/ringkasan", chat_id=GROUP)
    await emulator.wait_for(GROUP, NOTICE)
    await _settled(members[1:])  # unthrottled, each would post the line as well and wait to leave
    emulator.release("leaveChat")
    await _settled(members[:1])
    assert [m.text for m in emulator.sent(GROUP)] == [NOTICE]
    assert emulator.has_left(GROUP)


async def test_added_to_a_group_the_bot_says_so_once_and_leaves(bot, emulator, cohort):
    pp = cohort["pp"]
    emulator.group(NEW_GROUP, "Grup PP", "group", added_by=pp.id)
    notice = await emulator.wait_for(NEW_GROUP, NOTICE)
    assert notice.text == NOTICE
    await _settled([pp])
    assert emulator.has_left(NEW_GROUP)
    assert emulator.send_text(pp.id, "/ringkasan", chat_id=NEW_GROUP) is None  # the bot no longer sees the group
    assert [m.text for m in emulator.sent(NEW_GROUP)] == [NOTICE]


async def test_a_button_pressed_in_a_group_is_refused(bot, emulator, db, cohort):
    pp = cohort["pp"]
    summary = await pp.say("/ringkasan", "Perkembangan mentee")
    data = summary.data_for("Dewi Lestari")
    emulator.group(GROUP, "Grup Angkatan 11", "supergroup")
    old = await _post_as_bot(emulator, GROUP, "Dewi Lestari", data)  # posted in the group before this version
    emulator.mark_read(pp.id)
    emulator.press(pp.id, old["message_id"], data, chat_id=GROUP)
    await _settled([pp])

    [answered] = [a for a in emulator.answered_callbacks if a.data == data]
    assert (answered.user_id, answered.text, answered.show_alert) == (pp.id, NOTICE, True)
    [still] = emulator.sent(GROUP, include_deleted=True)
    assert (still.text, still.history) == ("Perkembangan mentee", [])
    assert emulator.has_left(GROUP)
    shown = "\n".join(m.text or "" for chat in (GROUP, pp.id) for m in emulator.sent(chat))
    assert SECRET not in shown and "Jawaban Dewi" not in shown
    assert (await _people(db))["PP01"].tg_chat_id == pp.id


async def test_a_channel_is_left_without_a_post(bot, emulator, cohort):
    pp = cohort["pp"]
    emulator.group(CHANNEL, "Info Angkatan 11", "channel", added_by=pp.id)
    emulator.post_in_channel(CHANNEL, "/ringkasan")
    await _settled([pp])  # the my_chat_member came from Bambang: handled before his /bantuan
    assert emulator.has_left(CHANNEL)
    assert emulator.sent(CHANNEL, include_deleted=True) == []


async def test_a_button_pressed_in_a_channel_is_refused(bot, emulator, db, cohort):
    pp = cohort["pp"]
    summary = await pp.say("/ringkasan", "Perkembangan mentee")
    data = summary.data_for("Dewi Lestari")
    emulator.group(OLD_CHANNEL, "Kanal lama", "channel")  # the bot was made an admin before this version
    emulator.post_in_channel(OLD_CHANNEL, "/ekspor")  # channel posts are not even asked for
    old = await _post_as_bot(emulator, OLD_CHANNEL, "Dewi Lestari", data)
    emulator.press(pp.id, old["message_id"], data, chat_id=OLD_CHANNEL)
    await _settled([pp])
    [answered] = [a for a in emulator.answered_callbacks if a.data == data]
    assert (answered.text, answered.show_alert) == (NOTICE, True)
    assert [(m.text, m.history) for m in emulator.sent(OLD_CHANNEL, include_deleted=True)] == [("Perkembangan mentee", [])]
    assert emulator.has_left(OLD_CHANNEL)
    assert (await _people(db))["PP01"].tg_chat_id == pp.id


async def test_start_alone_never_binds_a_group(emulator, db, content):
    """Even without the private-only guard, /start from a group neither joins nor re-points a chat."""
    deps = Deps(settings=settings_for(emulator, db.url), content=content, db=db, clock=daytime_clock(),
                        extras={"timings": FAST_JOBS})
    application = build_application(deps)
    [guard] = [h for h in application.handlers[-1] if isinstance(h.callback, PrivateOnly)]
    application.remove_handler(guard, group=-1)
    async with polling(application):
        bot = RunningBot(emulator, deps)
        codes = await bot.import_roster(EXAMPLES / "roster.csv")
        pp = bot.user(7001, "Bambang")
        await pp.join(codes['PP01'], "Selamat datang")
        emulator.group(GROUP, "Grup Angkatan 11", "supergroup")
        emulator.send_text(pp.id, "/start", chat_id=GROUP)
        emulator.send_text(7002, f"/start {codes['PP02']}", chat_id=GROUP)
        emulator.send_text(KOORDINATOR_ID, "/start", chat_id=GROUP)
        await _settled([pp, bot.user(7002), bot.user(KOORDINATOR_ID)])
    people = await _people(db)
    assert people["PP01"].tg_chat_id == pp.id
    assert people["PP02"].tg_user_id is None
    assert GROUP not in {p.tg_chat_id for p in people.values()}
    assert emulator.sent(GROUP) == []
