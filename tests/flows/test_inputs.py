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
    await chat.send("x" * 4097)
    assert "4097 karakter" in chat.text and "maksimal 4096" in chat.text
    await chat.send("x" * 4096)
    assert await cursor(db) == "perasaan"


async def test_text_where_button_expected(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "perasaan")
    await chat.send("Senang")
    assert "pilih salah satu tombol" in chat.text and "(2/9)" in chat.text and "Senang" in chat.buttons()
    await chat.press("Senang")
    await chat.send("3")
    assert "pilih nilai dengan tombol" in chat.text and await cursor(db) == "skala"
    await chat.press("Siap")
    await chat.send("Visi")
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


async def test_second_text_within_window_is_joined(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("Bagian pertama.")
    await chat.send("Bagian kedua.", gap=2)
    assert "sambungkan ke jawaban pertanyaan 1" in chat.text and "(2/9)" in chat.text
    await chat.send("Bagian ketiga.", gap=2)
    async with db.session() as s:
        value = await s.scalar(select(Answer.value).where(Answer.question_id == "refleksi"))
    assert value == "Bagian pertama.\nBagian kedua.\nBagian ketiga."
    assert await cursor(db) == "perasaan"


async def test_text_after_window_is_not_joined(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "refleksi")
    await chat.send("Jawaban.")
    await chat.send("Lain", gap=4)
    assert "pilih salah satu tombol" in chat.text
    async with db.session() as s:
        assert await s.scalar(select(Answer.value).where(Answer.question_id == "refleksi")) == "Jawaban."


async def test_join_respects_max_length(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "rtl")
    await chat.send("r" * 150)
    assert await cursor(db) == "catatan"
    await chat.send("s" * 100, gap=1)  # would make rtl longer than its 200 characters: answers catatan
    async with db.session() as s:
        values = dict((await s.execute(select(Answer.question_id, Answer.value))).all())
    assert values["rtl"] == "r" * 150 and values["catatan"] == "s" * 100


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
