"""`pendamping demo --script` plays a conversation through the emulator, as a newcomer would type it."""
from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from openpyxl import load_workbook

from bot.demo import DEMO_TOKEN
from tests.e2e.demo_play import play_demo

ANSWER = "Komunitas belajar kami mulai berbagi praktik baik setiap Jumat."


async def test_demo_script_walks_pgp_and_sekolah_penggerak_people(tmp_path):
    transcript = await play_demo("demo_script.txt", tmp_path)
    assert "Selamat datang di Pendamping, Dewi Lestari" in transcript
    assert "[1] ▫️ Pendampingan Individu 1" in transcript  # buttons shown as numbered choices
    assert "(1/" in transcript and "(2/" in transcript  # pressing a choice advanced the flow
    assert "tersimpan sebagai draf" in transcript
    assert "Selamat datang di Pendamping, Bambang Sutrisno" in transcript
    assert "✏️ Pendampingan Individu 1" in transcript  # the PP sees Dewi's draft in /ringkasan

    # /ganti alone shows every persona, and the number then picks one (not a button of the last message)
    assert "3. Eko Prasetyo — Kepala Sekolah" in transcript
    assert "4. Lina Marpaung — Fasilitator Sekolah Penggerak (FSP)" in transcript
    assert "Nomor> 4\n\n— Sekarang Anda Lina Marpaung" in transcript
    assert "Selamat datang di Pendamping, Eko Prasetyo" in transcript
    # the summary for the idle FSP is announced as soon as it is sent, and shown when switching to her
    sent = transcript.index("sudah terkirim")
    # the summary (and her morning digest too when the planner's first run came after Eko's submission)
    announced = re.search(r"📨 [12] pesan baru untuk Lina Marpaung \(ketik /ganti 4\)", transcript).start()
    back = transcript.rindex("— Sekarang Anda Lina Marpaung")
    assert sent < announced < back
    assert "Eko Prasetyo mengirim Komunitas Belajar 1 — LK1 Mulai dari Diri" in transcript[back:]

    # back with the PP, a number presses his own last buttons, not those of the FSP's chat
    back = transcript.rindex("— Sekarang Anda Bambang Sutrisno")
    assert "↳ menekan [Dewi Lestari]" in transcript[back:] and "Jawaban Dewi Lestari" in transcript[back:]

    # files the bot sends are saved, and their path printed
    saved = [line.split("💾 disimpan: ")[1] for line in transcript.splitlines() if "💾 disimpan: " in line]
    assert len(saved) == 1 and saved[0].startswith("demo-berkas/jawaban-") and saved[0].endswith(".xlsx")
    book = load_workbook(io.BytesIO((tmp_path / saved[0]).read_bytes()))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert "Eko Prasetyo" in cells and ANSWER in cells
    assert "Sampai jumpa" in transcript and "tetap ada di demo-berkas/" in transcript


class Terminal:
    """The demo in a pseudo-terminal, as a person at a keyboard runs it."""

    def __init__(self, cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "160", "LINES": "50"}
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "demo"], stdin=slave, stdout=slave,
                                        stderr=slave, cwd=cwd, env=env)
        os.close(slave)
        self.screen = b""

    def read_until(self, wanted: bytes, start: int = 0, timeout: float = 30.0) -> int:
        """Read output until `wanted` appears after byte `start`; return where it ends."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(wanted, start)) < 0:
            left = deadline - time.monotonic()
            assert left > 0, f"{wanted!r} not shown; the screen ends with {self.screen[-1500:]!r}"
            if select.select([self.master], [], [], min(left, 0.2))[0]:
                self.screen += os.read(self.master, 65536)
        return found + len(wanted)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.type("/keluar\r")
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        os.close(self.master)


async def test_messages_arriving_while_idle_show_at_once_above_the_prompt(tmp_path):
    terminal = Terminal(tmp_path)
    try:
        await asyncio.to_thread(terminal.read_until, b"Nomor>")
        terminal.type("1\r")
        at = await asyncio.to_thread(terminal.read_until, b"Contoh: ketik /refleksi")  # Dewi has joined
        at = await asyncio.to_thread(terminal.read_until, b"Dewi Lestari>", at)
        terminal.type("/ban")  # half typed, then the bot sends while she is idle
        at = await asyncio.to_thread(terminal.read_until, b"/ban", at)
        url = re.search(rb"Emulator Bot API: (http://[0-9.:]+)", terminal.screen).group(1).decode()
        async with aiohttp.ClientSession() as http:
            api = f"{url}/bot{DEMO_TOKEN}"
            await http.post(f"{api}/sendMessage", json={"chat_id": 1001, "text": "Pengingat: PI 2 besok pukul 09.00"})
            form = aiohttp.FormData({"chat_id": "1001"})
            form.add_field("document", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="jadwal.ics")
            await http.post(f"{api}/sendDocument", data=form)
        shown = await asyncio.to_thread(terminal.read_until, b"Pengingat: PI 2 besok pukul 09.00", at)
        shown = await asyncio.to_thread(terminal.read_until, b"disimpan: demo-berkas/jadwal.ics", shown)
        redrawn = await asyncio.to_thread(terminal.read_until, b"Dewi Lestari>", shown)
        await asyncio.to_thread(terminal.read_until, b"/ban", redrawn)  # what she had typed is still there
        terminal.type("tuan\r")
        await asyncio.to_thread(terminal.read_until, b"Berikut yang dapat", redrawn)
        assert (tmp_path / "demo-berkas" / "jadwal.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    finally:
        terminal.close()
