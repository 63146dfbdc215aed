"""Wrong input gets a short Indonesian message and the question again; nothing advances wrongly."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from store.models import Answer, FlowRun
from tests.flows.test_walk import start_pi1


async def cursor(db) -> str:
    async with db.session() as s:
        return (await s.scalar(select(FlowRun))).cursor


async def goto(chat, question_id: str) -> None:
    """Walk PI 1 with valid answers until `question_id` is asked."""
    steps = [  # each entry answers the named question; stops before `question_id` (or at "rtl")
        ("refleksi", lambda: chat.send("Belajar")), ("perasaan", lambda: chat.press("Senang")),
        ("skala", lambda: chat.press("Siap")), ("topik", lambda: chat.press("Visi")),
        ("topik_done", lambda: chat.press("Selesai")), ("jumlah", lambda: chat.send("30")),
        ("tanggal", lambda: chat.send("besok")), ("foto", lambda: chat.media()),
        ("foto_done", lambda: chat.press("Lanjut")),
    ]
    await start_pi1(chat)
    for name, act in steps:
        if name == question_id:
            return
        await act()


async def test_sticker_where_text_expected(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.other()
    assert "Mohon jawab dengan mengetik teks." in chat.text and "(1/9)" in chat.text
    await chat.media()
    assert "Mohon jawab dengan mengetik teks." in chat.text
    assert await cursor(db) == "refleksi"


async def test_empty_and_too_long_text(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("   ")
    assert "wajib dijawab" in chat.text and await cursor(db) == "refleksi"
    chat = chat_for(people["cgp2"])
    await goto(chat, "rtl")
    await chat.send("x" * 201)
    assert "201 karakter" in chat.text and "maksimal 200" in chat.text and "(8/9)" in chat.text
    await chat.send("x" * 200)
    assert await answer(db, "rtl") == "x" * 200 and "(9/9)" in chat.text


async def test_text_where_button_expected(db, people, chat_for):
    """Near misses of a button's label or number get the correction; nothing is chosen."""
    chat = chat_for(people["cgp"])
    await goto(chat, "perasaan")
    for near_miss in ("Senang sekali", "Sennang", "4", "0", "2,5"):
        await chat.send(near_miss)
        assert "pilih salah satu tombol" in chat.text and "(2/9)" in chat.text and "Senang" in chat.buttons()
    await chat.press("Senang")
    for near_miss in ("4", "Siap sekali", "Kembali lagi"):
        await chat.send(near_miss)
        assert "pilih nilai dengan tombol" in chat.text and await cursor(db) == "skala"
    await chat.press("Siap")
    await chat.send("Visi misi")
    assert "lalu tekan Selesai" in chat.text and await cursor(db) == "topik"
    await chat.press("Selesai")
    assert "minimal satu" in chat.text and await cursor(db) == "topik"


async def test_number_checks(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "jumlah")
    assert "Ketik angka antara 1 dan 40." in chat.text
    await chat.send("tiga puluh")
    assert "ketik sebuah angka" in chat.text
    await chat.send("41")
    assert "antara 1 dan 40" in chat.text and await cursor(db) == "jumlah"
    await chat.send("12,5")
    assert await cursor(db) == "tanggal"


async def test_unreadable_date_then_relative_in_own_zone(db, people, chat_for, clock):
    chat = chat_for(people["cgp"])
    await goto(chat, "tanggal")
    await chat.send("kapan-kapan")
    assert "Tanggal belum terbaca" in chat.text and "(6/9)" in chat.text and await cursor(db) == "tanggal"
    clock.set(datetime(2025, 3, 9, 17, 30, tzinfo=timezone.utc))  # 00:30 on 10 March in WIB
    await chat.send("hari ini", gap=0)
    async with db.session() as s:
        assert await s.scalar(select(Answer.value).where(Answer.question_id == "tanggal")) == "2025-03-10"


async def test_media_checks(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "foto")
    assert "Lanjut" not in chat.buttons()
    await chat.send("selesai")
    assert "minimal satu berkas" in chat.text and await cursor(db) == "foto"
    await chat.media("voice", "V1")
    assert "Mohon kirim foto, dokumen" in chat.text
    await chat.send("ini fotonya")
    assert "Mohon kirim foto, dokumen" in chat.text and await cursor(db) == "foto"
    await chat.media("photo", "P9")
    await chat.send("selesai")
    assert await cursor(db) == "rtl"


async def test_album_is_one_answer_with_one_reply(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "foto")
    replies = [await chat.media("photo", f"A{i}", caption="Album" if i == 0 else None, group="G1") for i in range(4)]
    assert "Album diterima" in replies[0][0].text
    assert replies[1:] == [[], [], []]
    await chat.media("document", "D1")
    assert "5 berkas" in chat.text
    await chat.press("Lanjut")
    async with db.session() as s:
        value = await s.scalar(select(Answer.value).where(Answer.question_id == "foto"))
    assert [i["file_id"] for i in value] == ["A0", "A1", "A2", "A3", "D1"] and value[0]["caption"] == "Album"


async def answer(db, question_id):
    async with db.session() as s:
        return await s.scalar(select(Answer.value).where(Answer.question_id == question_id))


async def test_quick_short_answers_are_never_joined(db, people, chat_for):
    """A teacher answering fast, or queued messages arriving together, answer one question each."""
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("Belajar tentang visi")
    await chat.send("Senang", gap=0)  # the same second: typed label of the choice question
    assert "Pesan panjang" not in chat.text and "(3/9)" in chat.text
    assert await answer(db, "refleksi") == "Belajar tentang visi" and await answer(db, "perasaan") == "senang"
    chat = chat_for(people["cgp2"])
    await goto(chat, "rtl")
    await chat.send("Rencana saya")
    await chat.send("Catatan saya", gap=0)
    assert await answer(db, "rtl") == "Rencana saya" and await answer(db, "catatan") == "Catatan saya"


async def test_a_long_complete_answer_and_a_quick_next_one_stay_apart(db, people, chat_for):
    """3,000 characters fit in one message: Telegram did not cut it, so the next text is the next answer."""
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("a" * 3000)
    await chat.send("Senang", gap=1)
    assert await answer(db, "refleksi") == "a" * 3000 and await answer(db, "perasaan") == "senang"


async def test_a_paste_cut_at_the_limit_is_joined(db, people, chat_for):
    """A mobile app cuts a 4,100-character paste at 4,096: the 4-character rest joins it, even mid-word."""
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("a" * 4095 + "b")
    await chat.send("cdef", gap=1)
    assert "lanjutannya sudah saya sambungkan ke jawaban pertanyaan 1" in chat.text and "(2/9)" in chat.text
    assert await answer(db, "refleksi") == "a" * 4095 + "bcdef" and await cursor(db) == "perasaan"
    await chat.send("Senang", gap=1)  # the paste is over: the next text answers the question asked
    assert await answer(db, "perasaan") == "senang"


async def test_a_paste_cut_in_three_at_breaks_is_joined_in_order(db, people, chat_for):
    """Telegram Desktop cuts at a paragraph or sentence in the second half of the limit; the parts chain."""
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    parts = ["p" * 2500, "q" * 3900, "r" * 1000]
    await chat.send(parts[0])
    for part in parts[1:]:
        await chat.send(part, gap=1)
    assert await answer(db, "refleksi") == "\n".join(parts) and await cursor(db) == "perasaan"


async def test_a_part_after_the_window_answers_the_next_question(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("a" * 4096)
    await chat.send("Senang", gap=6)
    assert await answer(db, "refleksi") == "a" * 4096 and await answer(db, "perasaan") == "senang"


async def test_a_paste_refused_as_too_long_is_answered_once(db, people, chat_for):
    """The first part is refused (rtl takes 200 characters); its rest is not taken as the answer either."""
    chat = chat_for(people["cgp"])
    await goto(chat, "rtl")
    await chat.send("r" * 4096)
    assert "4096 karakter" in chat.text and "maksimal 200" in chat.text
    assert await chat.send("rest of the paste", gap=1) == []
    assert await cursor(db) == "rtl" and await answer(db, "rtl") is None
    await chat.send("Rencana singkat", gap=1)  # a short text after a short part: a new answer
    assert await answer(db, "rtl") == "Rencana singkat"


async def test_a_paste_longer_than_the_answer_limit_keeps_what_fits(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("a" * 4096)
    for _ in range(3):
        await chat.send("b" * 4096, gap=1)
    assert len(await answer(db, "refleksi")) == 16384
    await chat.send("c" * 10, gap=1)
    assert "gabungannya (16394 karakter) melebihi batas 16384 karakter untuk pertanyaan 1" in chat.text
    assert "(2/9)" in chat.text and len(await answer(db, "refleksi")) == 16384 and await cursor(db) == "perasaan"


async def test_text_in_review_asks_for_kirim(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "foto_done")
    await chat.press("Lanjut")
    await chat.send("Rencana")
    await chat.press("Lewati")
    await chat.send("halo")
    assert "Tekan Kirim" in chat.text and set(chat.buttons()) == {"Kirim", "Ubah"}


async def test_album_where_text_expected_gets_one_reply(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    replies = [await chat.media("photo", f"A{i}", group="G2") for i in range(3)]
    assert "Mohon jawab dengan mengetik teks." in replies[0][0].text and replies[1:] == [[], []]
    await chat.media("photo", "B", group="G3")
    assert "Mohon jawab dengan mengetik teks." in chat.text
    assert await cursor(db) == "refleksi"
