"""`pendamping demo`: chat with the real bot in a terminal, through the local Bot API emulator.

Everything is throw-away: a temporary SQLite database with the demo roster, an emulator on
127.0.0.1, and the bot long-polling it. Buttons show as numbered choices; type the number to press.
"""
from __future__ import annotations

import asyncio
import csv
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.app import build_application
from bot.embedded import polling
from bot.logs import setup_logging
from bot.services import Services
from core.clock import SystemClock
from core.content import load_content
from core.settings import SHIPPED_CONTENT_DIR, Settings
from emulator import BotApiEmulator, SentMessage
from store import roster
from store.db import Database
from store.migrate import upgrade

DEMO_TOKEN = "100200300:DEMO-offline-token-not-secret"
DEMO_ROSTER = SHIPPED_CONTENT_DIR / "examples" / "roster.csv"
PERSONAS = ("CGP01", "PP01", "K001")  # ids in the demo roster: a CGP, her PP, the koordinator
QUIET_AFTER = 0.7  # seconds without a new bot message before the prompt comes back
MAX_WAIT = 10.0

HELP = """Perintah demo (selain perintah bot seperti /refleksi, /bantuan):
  angka        tekan tombol bernomor pada pesan terakhir
  /ganti [n]   ganti orang            /foto [keterangan]   kirim foto
  /album n     kirim n foto sekaligus /berkas PATH         kirim berkas
  /keluar      selesai"""


@dataclass
class Persona:
    external_id: str
    name: str
    role: str
    user_id: int
    code: str
    joined: bool = False
    seen: int = 0  # emulator events already shown


class DemoChat:
    """The terminal side: who is talking, what to print, how to turn input into updates."""

    def __init__(self, emulator: BotApiEmulator, personas: list[Persona], write=print) -> None:
        self.emulator, self.personas, self.write = emulator, personas, write
        self.current: Persona | None = None
        self.last_buttons: list[tuple[str, str, int]] = []  # (label, data, message id)

    def menu(self) -> None:
        self.write("\nPilih siapa Anda:")
        for i, p in enumerate(self.personas, 1):
            self.write(f"  {i}. {p.name} — {p.role}")

    async def choose(self, choice: str) -> bool:
        if not (choice.isdigit() and 1 <= int(choice) <= len(self.personas)):
            self.write("Ketik nomor orang dari daftar di atas.")
            return False
        self.current = self.personas[int(choice) - 1]
        self.write(f"\n— Sekarang Anda {self.current.name} ({self.current.role}) —")
        if not self.current.joined:
            self.current.joined = True
            await self.send_text(f"/start {self.current.code}")
        else:
            await self.show_new(self.current)
        return True

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to quit."""
        line = line.strip()
        if not line:
            return True
        if line == "/keluar":
            return False
        if self.current is None or line.startswith("/ganti"):
            parts = line.split()
            if len(parts) == 2:
                await self.choose(parts[1])
            elif self.current is None:
                await self.choose(line)
            else:
                self.menu()
            return True
        if line in ("/demo", "/help"):
            self.write(HELP)
        elif line.isdigit() and self.last_buttons:
            await self.press(int(line))
        elif line.startswith("/foto"):
            self.emulator.send_photo(self.current.user_id, caption=line[5:].strip() or None)
            await self.show_replies()
        elif line.startswith("/album"):
            count = line[6:].strip()
            self.emulator.send_album(self.current.user_id, int(count) if count.isdigit() else 3)
            await self.show_replies()
        elif line.startswith("/berkas "):
            path = Path(line[8:].strip()).expanduser()
            if not path.is_file():
                self.write(f"Berkas tidak ditemukan: {path}")
            else:
                self.emulator.send_document(self.current.user_id, path.name, path.read_bytes())
                await self.show_replies()
        else:
            await self.send_text(line)
        return True

    async def send_text(self, text: str) -> None:
        if text.startswith("/start "):  # typed for the person on first contact
            self.write(f"{self.current.name}> {text}")
        self.emulator.send_text(self.current.user_id, text)
        await self.show_replies()

    async def press(self, number: int) -> None:
        if not 1 <= number <= len(self.last_buttons):
            self.write(f"Tidak ada tombol nomor {number}.")
            return
        label, data, message_id = self.last_buttons[number - 1]
        self.write(f"   ↳ menekan [{label}]")
        self.emulator.press(self.current.user_id, message_id, data)
        await self.show_replies()

    async def show_replies(self) -> None:
        """Print what the bot says until it has been quiet for a moment."""
        persona, loop = self.current, asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        got_any = False
        while loop.time() < deadline:
            events = await self.emulator.wait_events(persona.user_id, persona.seen, QUIET_AFTER if got_any else MAX_WAIT)
            if not events:
                break
            got_any = True
            await self.show_new(persona)
        self.announce_others()

    async def show_new(self, persona: Persona) -> None:
        for seq, kind, message in self.emulator.events(persona.user_id, persona.seen):
            persona.seen = seq
            self.print_message(message, edited=kind == "edited")

    def print_message(self, message: SentMessage, edited: bool) -> None:
        prefix = "🤖 ✏️ " if edited else "🤖 "
        if message.kind == "text":
            body = message.text or ""
        else:
            name = f" {message.filename}" if message.filename else ""
            body = f"[{message.kind}{name}] {message.text or ''}".rstrip()
        self.write("\n".join(prefix + line if i == 0 else "   " + line for i, line in enumerate(body.splitlines() or [""])))
        if message.buttons:
            self.last_buttons = []
            for row in message.buttons:
                cells = []
                for label, data in row:
                    self.last_buttons.append((label, data, message.message_id))
                    cells.append(f"[{len(self.last_buttons)}] {label}")
                self.write("   " + "   ".join(cells))

    def announce_others(self) -> None:
        for persona in self.personas:
            if persona is self.current or not persona.joined:
                continue
            new = self.emulator.events(persona.user_id, persona.seen)
            if new:
                self.write(f"   📨 {len(new)} pesan baru untuk {persona.name} (ketik /ganti {self.personas.index(persona) + 1})")


def _roster_people() -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(DEMO_ROSTER.read_text(encoding="utf-8-sig")))
    return {row["id"]: row for row in rows}


async def _lines(script: Path | None, chat: DemoChat):
    """Yield input lines: from the script (echoed), else from the keyboard."""
    if script is not None:
        for line in script.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                who = chat.current.name if chat.current else "Nomor"
                chat.write(f"{who}> {line}")
                yield line
        return
    loop = asyncio.get_running_loop()
    while True:
        who = chat.current.name if chat.current else "Nomor"
        try:
            yield await loop.run_in_executor(None, input, f"{who}> ")
        except EOFError:
            return


async def run_demo(script: Path | None = None) -> int:
    setup_logging(DEMO_TOKEN, level=logging.WARNING)
    content = load_content(SHIPPED_CONTENT_DIR)
    with tempfile.TemporaryDirectory(prefix="pendamping-demo-") as tmp:
        database_url = f"sqlite:///{tmp}/demo.db"
        upgrade(database_url)
        db = Database(database_url)
        async with db.session() as session:
            result = await roster.import_file(session, DEMO_ROSTER.read_bytes(), SystemClock())
        codes = {person.external_id: code for person, code in result.issued}
        people = _roster_people()
        emulator = BotApiEmulator()
        await emulator.start()
        personas = []
        for n, external_id in enumerate(PERSONAS, 1):
            row = people[external_id]
            personas.append(Persona(external_id, row["nama"], content.text(f"role.{row['peran']}"), 1000 + n, codes[external_id]))
            emulator.user(1000 + n, row["nama"].split()[0])
        settings = Settings.from_env(
            telegram_bot_token=DEMO_TOKEN, telegram_api_url=emulator.base_url, database_url=database_url,
            content_dir=SHIPPED_CONTENT_DIR, koordinator_ids="",
        )
        services = Services(settings=settings, content=content, db=db, clock=SystemClock())
        chat = DemoChat(emulator, personas)
        try:
            async with polling(build_application(services)):
                chat.write("Pendamping — demo offline (tanpa token, tanpa internet).")
                chat.write(f"Emulator Bot API: {emulator.base_url} · basis data sementara: {tmp}/demo.db")
                chat.write(HELP)
                chat.menu()
                async for line in _lines(script, chat):
                    if not await chat.handle(line):
                        break
        finally:
            await emulator.stop()
            await db.dispose()
        chat.write("Sampai jumpa! Data demo dihapus.")
    return 0
