"""Malformed or forged button data, in every namespace, gets the namespace's "no longer valid" answer, never an error;
well-formed data about someone else's cohort or mentee is refused as such."""
from __future__ import annotations

import pytest

from tests.e2e.harness import KOORDINATOR_ID
from tests.e2e.scheduling import join

HUGE = "9" * 20  # larger than any database integer ("Python int too large to convert to SQLite INTEGER")
HUGE36 = "z" * 14
APOLOGY = "terjadi gangguan"

STALE = "Tombol ini sudah tidak berlaku."
FLOW_STALE = "Tombol itu dari pesan lama"
UNKNOWN_REMINDER = "Maaf, tombol ini sudah tidak berlaku."
REFUSED = "tidak dapat melihat data peserta ini"
NOT_MENTEE = "bukan mentee Bapak/Ibu"
NO_DATE = "tidak dapat mengatur tanggal ini"
SIARAN_EXPIRED = "Ketik /siaran untuk memulai lagi"

PRESSES = {
    "CGP01": [
        ("", STALE), ("x", STALE), ("f:", FLOW_STALE), ("f:s:", FLOW_STALE),
        (f"f:r:{HUGE36}:refleksi:c0", FLOW_STALE), ("f:r:1²:refleksi:c0", FLOW_STALE), ("f:r:1:refleksi:c²", FLOW_STALE),
        ("f:r:-1:refleksi:c0", FLOW_STALE), ("f:r: 1:refleksi:c0", FLOW_STALE), ("f:r:1:refleksi:", FLOW_STALE),
        (f"r:m:{HUGE}", REFUSED), ("r:m:²", REFUSED), ("r:m:", REFUSED), ("r:", REFUSED),
        (f"s:kd:sakit:{HUGE}", UNKNOWN_REMINDER), ("s:kd:sakit:²", UNKNOWN_REMINDER), ("s:", UNKNOWN_REMINDER),
        ("s:done:", UNKNOWN_REMINDER),
        ("p:", STALE), ("p:zone:", STALE), (f"p:zone:{HUGE}", STALE), (f"p:quiet:{HUGE}", STALE),
        ("b:x:1", STALE),
    ],
    "PP01": [
        (f"f:m:jurnal_pi1:{HUGE36}", FLOW_STALE), ("f:m:jurnal_pi1:", FLOW_STALE), ("f:m::1", FLOW_STALE),
        (f"j:m:{HUGE}", UNKNOWN_REMINDER), ("j:m:²", UNKNOWN_REMINDER), (f"j:p:{HUGE}:1", UNKNOWN_REMINDER),
        (f"j:p:1:{HUGE}", UNKNOWN_REMINDER), ("j:", UNKNOWN_REMINDER), ("j:p:999999:1", NO_DATE),
    ],
    "koordinator": [
        (f"j:c:{HUGE}", UNKNOWN_REMINDER), (f"j:l:{HUGE}:1", UNKNOWN_REMINDER), (f"j:l:1:{HUGE}", UNKNOWN_REMINDER),
        ("j:l:1:²", UNKNOWN_REMINDER), ("j:c:999", NO_DATE),
        (f"b:x:{HUGE}", SIARAN_EXPIRED), ("b:x:²", SIARAN_EXPIRED), (f"b:p:{HUGE}", SIARAN_EXPIRED),
        (f"b:v:{HUGE}", SIARAN_EXPIRED), ("b:", SIARAN_EXPIRED), (f"r:m:{HUGE}", REFUSED),
    ],
}


@pytest.mark.parametrize("who", list(PRESSES))
async def test_malformed_button_data_is_refused_like_a_stale_button(bot, emulator, who):
    users = await join(bot, "CGP01", "PP01")
    if who == "koordinator":
        user = bot.user(KOORDINATOR_ID, "Sri")
        await user.join(expect="Koordinator")
    else:
        user = users[who]
    anchor = (await user.say("/bantuan")).message_id
    for data, expected in PRESSES[who]:
        emulator.press(user.id, anchor, data)
        reply = await user.next()
        assert APOLOGY not in reply.text, f"{data!r} reached the generic apology"
        assert expected in reply.text, f"{data!r}: {reply.text!r}"
