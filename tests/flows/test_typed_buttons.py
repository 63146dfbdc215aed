"""Typing a button's label or an option's number does what pressing it does; Lanjut keeps a saved answer."""
from __future__ import annotations

from tests.flows.test_inputs import answer, cursor, goto
from tests.flows.test_walk import answer_all_pi1, answers_of, start_pi1


async def test_typed_choice_label_in_any_case_and_spacing_or_its_number_chooses_it(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "perasaan")
    await chat.send("  biasa   SAJA ")
    assert await answer(db, "perasaan") == "biasa" and await cursor(db) == "skala"
    assert chat.text.startswith("✔️ Biasa saja\n\n▶️ Bagian Inti") and not chat.replies[0].edit
    await chat.press("Kembali")
    await chat.send("3")
    assert await answer(db, "perasaan") == "cemas" and chat.text.startswith("✔️ Cemas")


async def test_typed_scale_label_or_value_chooses_it(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "skala")
    await chat.send("siap")
    assert await answer(db, "skala") == 3 and await cursor(db) == "topik"
    await chat.press("Kembali")
    await chat.send("1")
    assert await answer(db, "skala") == 1
    await chat.press("Kembali")
    await chat.send("2 · cukup")
    assert await answer(db, "skala") == 2 and chat.text.startswith("✔️ 2 (Cukup)")


async def test_typed_multi_labels_toggle_and_selesai_finishes(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "topik")
    await chat.send("visi")
    assert "✅ Visi" in chat.buttons() and not chat.replies[0].edit and await cursor(db) == "topik"
    await chat.send("3")
    assert {"✅ Visi", "✅ Diferensiasi", "▫️ Budaya positif"} <= set(chat.buttons())
    await chat.send("VISI")  # typed again, like a second press: unticked
    assert "▫️ Visi" in chat.buttons()
    await chat.send("selesai")
    assert await answer(db, "topik") == ["diferensiasi"] and chat.text.startswith("✔️ Diferensiasi")


async def test_a_number_typed_for_a_number_question_is_the_answer(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "jumlah")
    await chat.send("2")
    assert await answer(db, "jumlah") == 2 and await cursor(db) == "tanggal"
    await chat.send("kembali")  # the shown Kembali, typed
    assert await cursor(db) == "jumlah" and "Jawaban tersimpan: 2" in chat.text
    await chat.send("3")  # a number, not a button: the new answer
    assert await answer(db, "jumlah") == 3


async def test_typed_lewati_skips_an_optional_question(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "tanggal")
    await chat.send("Lewati")
    assert await cursor(db) == "foto" and await answer(db, "tanggal") is None
    assert chat.text.startswith("✔️ (dilewati)")


async def test_text_questions_take_any_text_as_the_answer(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "rtl")
    await chat.send("Kembali")
    assert await answer(db, "rtl") == "Kembali" and await cursor(db) == "catatan"
    await chat.send("lewati")
    assert await answer(db, "catatan") == "lewati"


async def test_lanjut_after_kembali_keeps_the_saved_answer(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    assert "Lanjut" not in chat.buttons()
    await chat.send("Jawaban pertama")
    await chat.press("Kembali")
    assert "Jawaban tersimpan: Jawaban pertama" in chat.text and {"Lanjut"} <= set(chat.buttons())
    await chat.press("Lanjut")
    assert chat.replies[0].edit and "✔️ Jawaban pertama" in chat.replies[0].text and "(2/9)" in chat.text
    assert "Lanjut" not in chat.buttons()  # the next question has no saved answer yet
    await chat.press("Senang")
    await chat.press("Kembali")
    await chat.send("LANJUT")  # typed on a choice question: like pressing it
    assert await cursor(db) == "skala" and chat.text.startswith("✔️ Senang")
    await chat.press("Kembali")
    await chat.press("Kembali")
    await chat.send("Lanjut")  # typed on a text question: the answer
    assert await answer(db, "refleksi") == "Lanjut" and await cursor(db) == "perasaan"
    assert (await answers_of(db, people["cgp"].id)) == {"refleksi": "Lanjut", "perasaan": "senang"}


async def test_lanjut_is_offered_only_where_it_adds_something(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "jumlah")
    await chat.press("Kembali")  # multi: Selesai keeps the ticks shown
    assert "Lanjut" not in chat.buttons() and "Selesai" in chat.buttons()
    await chat.press("Selesai")
    await chat.send("30")
    await chat.press("Kembali")
    old_lanjut = chat.buttons()["Lanjut"]
    await chat.send("31")
    await chat.data(old_lanjut)  # from a question answered since: stale
    assert "pesan lama" in chat.text and await answer(db, "jumlah") == 31
    chat2 = chat_for(people["cgp2"])
    await start_pi1(chat2)
    await answer_all_pi1(chat2)
    await chat2.press("Ubah")
    await chat2.press("2. Bagaimana")
    assert "Lanjut" not in chat2.buttons() and "Kembali" in chat2.buttons()  # Kembali returns to the review
