"""`pendamping demo`: chat with the real bot in a terminal, through the local Bot API emulator.

Everything is throw-away: a temporary SQLite database with the demo roster, an emulator on
127.0.0.1, and the bot long-polling it. Buttons show as numbered choices; type the number to press.
Files the bot sends are saved under ./demo-berkas/ and their path printed.

Interactively, messages that arrive while you are idle (a mentee's summary, a reminder) are printed
as they come, above the prompt (prompt_toolkit keeps what you are typing intact). With --script the
output is deterministic instead: after each line the demo waits until the bot has handled it (no update
waiting or being handled) and the outbox holds nothing due, then prints what arrived.
"""
from __future__ import annotations

import asyncio
import csv
import io
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.patch_stdout import patch_stdout

from bot.app import build_application
from bot.embedded import polling
from bot.logs import setup_logging
from core.clock import ShiftedClock, SystemClock
from core.content import load_content
from core.settings import SHIPPED_CONTENT_DIR, Settings
from emulator import BotApiEmulator, SentMessage
from services import background, intake
from services.privacy_callbacks import Agree
from services.context import Deps
from store.db import Database
from store.migrate import upgrade

DEMO_TOKEN = "100200300:DEMO-offline-token-not-secret"
DEMO_PAID_MIN = 5  # /siaran to five or more shows the paid broadcast option (the emulator counts the Stars)
DEMO_STARS = 50  # the bot's Star balance in the emulator, shown with that option
DEMO_ROSTER = SHIPPED_CONTENT_DIR / "examples" / "roster.csv"
# Ids in the demo roster: a CGP and her PP (PGP); a kepala sekolah and his FSP (Sekolah Penggerak); the koordinator.
PERSONAS = ("CGP01", "PP01", "KS01", "FSP01", "K001")
FILES_DIR = Path("demo-berkas")  # in the current directory, kept after the demo
QUIET_AFTER = 0.7  # seconds without a new bot message before the prompt comes back
MAX_WAIT = 10.0
SETTLE_POLL = 0.02  # scripted: how often to ask whether the bot is done with the line

HELP = """Perintah demo (selain perintah bot seperti /refleksi, /bantuan):
  angka        tekan tombol bernomor pada pesan terakhir
  /ganti [n]   ganti orang            /foto [keterangan]   kirim foto
  /album n     kirim n foto sekaligus /berkas PATH         kirim berkas
  /keluar      selesai
Berkas dari bot (ekspor, jadwal .ics, kode undangan) disimpan di ./demo-berkas/."""


@dataclass
class Persona:
    external_id: str
    name: str
    role: str
    user_id: int
    code: str
    joined: bool = False
    seen: int = 0  # emulator events already shown
    announced: int = 0  # events already announced while someone else was chatting
    buttons: list[tuple[str, str, int]] = field(default_factory=list)  # the last shown: (label, data, message id)


class DemoChat:
    """The terminal side: who is talking, what to print, how to turn input into updates."""

    def __init__(self, emulator: BotApiEmulator, personas: list[Persona], write: Callable[[str], None] = print,
                 files_dir: Path = FILES_DIR, settled: Callable[[], Awaitable[bool]] | None = None) -> None:
        self.emulator, self.personas, self.write = emulator, personas, write
        self.files_dir, self.settled = files_dir, settled
        self.current: Persona | None = None
        self.choosing = True  # the next number picks a person, not a button
        self.saved: list[Path] = []

    @property
    def prompt(self) -> str:
        return f"{self.current.name if self.current and not self.choosing else 'Nomor'}> "

    def menu(self) -> None:
        self.choosing = True
        self.write("\nPilih siapa Anda:")
        for i, p in enumerate(self.personas, 1):
            self.write(f"  {i}. {p.name} — {p.role}")

    async def choose(self, choice: str) -> bool:
        if not (choice.isdigit() and 1 <= int(choice) <= len(self.personas)):
            self.write("Ketik nomor orang dari daftar di atas.")
            return False
        self.current, self.choosing = self.personas[int(choice) - 1], False
        self.write(f"\n— Sekarang Anda {self.current.name} ({self.current.role}) —")
        if not self.current.joined:
            self.current.joined = True
            await self.send_text(f"/start {self.current.code}")
            agree = [n for n, (_, data, _) in enumerate(self.current.buttons, 1) if data == Agree().pack()]
            if agree:  # the privacy notice: the newcomer agrees (a demo of everything after it)
                await self.press(agree[0])
        else:
            self.show_new(self.current)
        return True

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to quit."""
        line = line.strip()
        if not line:
            return True
        if line == "/keluar":
            return False
        if line.startswith("/ganti"):
            number = line[len("/ganti"):].strip()
            if number:
                await self.choose(number)
            else:
                self.menu()
        elif self.choosing:
            await self.choose(line)
        elif line in ("/demo", "/help"):
            self.write(HELP)
        elif line.isdigit() and self.current.buttons:
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
        if not 1 <= number <= len(self.current.buttons):
            self.write(f"Tidak ada tombol nomor {number}.")
            return
        label, data, message_id = self.current.buttons[number - 1]
        self.write(f"   ↳ menekan [{label}]")
        self.emulator.press(self.current.user_id, message_id, data)
        await self.show_replies()

    async def show_replies(self) -> None:
        """Print what the bot says: scripted, once the bot has handled the line and sent everything due;
        interactively, until it has been quiet for a moment."""
        if self.settled is None:
            await self._until_quiet()
        else:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + MAX_WAIT
            while not await self.settled() and loop.time() < deadline:
                await asyncio.sleep(SETTLE_POLL)
            self.show_new(self.current)
        self.announce_others()

    async def _until_quiet(self, first_wait: float = MAX_WAIT) -> None:
        persona, loop = self.current, asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        wait = first_wait
        while loop.time() < deadline:
            if not await self.emulator.wait_events(persona.user_id, persona.seen, wait):
                break
            wait = QUIET_AFTER
            self.show_new(persona)

    async def watch(self) -> None:
        """Print messages as they arrive while the person is idle (interactive mode); runs until cancelled."""
        while True:
            if self.current is not None:
                self.show_new(self.current)
            self.announce_others()
            await self.emulator.wait_activity(60)

    def show_new(self, persona: Persona) -> None:
        for seq, kind, message in self.emulator.events(persona.user_id, persona.seen):
            persona.seen = persona.announced = seq
            self.print_message(persona, message, edited=kind == "edited")

    def print_message(self, persona: Persona, message: SentMessage, edited: bool) -> None:
        prefix = "🤖 ✏️ " if edited else "🤖 "
        if message.kind == "text":
            body = message.text or ""
        else:
            name = f" {message.filename}" if message.filename else ""
            body = f"[{message.kind}{name}] {message.text or ''}".rstrip()
        self.write("\n".join(prefix + line if i == 0 else "   " + line for i, line in enumerate(body.splitlines() or [""])))
        if message.kind == "document" and message.content is not None and not edited:
            self.write(f"   💾 disimpan: {self.save(message)}")
        if message.buttons:
            persona.buttons = []
            for row in message.buttons:
                cells = []
                for label, data in row:
                    persona.buttons.append((label, data, message.message_id))
                    cells.append(f"[{len(persona.buttons)}] {label}")
                self.write("   " + "   ".join(cells))

    def save(self, message: SentMessage) -> Path:
        """Write a file the bot sent into files_dir under its own name (numbered if taken); return the path."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        name = Path(Path(message.filename or f"berkas-{message.message_id}").name)
        path, n = self.files_dir / name, 2
        while path.exists():
            path, n = self.files_dir / f"{name.stem}-{n}{name.suffix}", n + 1
        path.write_bytes(message.content or b"")
        self.saved.append(path)
        return path

    def announce_others(self) -> None:
        for number, persona in enumerate(self.personas, 1):
            if persona is self.current or not persona.joined:
                continue
            new = self.emulator.events(persona.user_id, persona.announced)
            if new:
                persona.announced = new[-1][0]
                unseen = len(self.emulator.events(persona.user_id, persona.seen))
                self.write(f"   📨 {unseen} pesan baru untuk {persona.name} (ketik /ganti {number})")


def _roster_people() -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(DEMO_ROSTER.read_text(encoding="utf-8-sig")))
    return {row["id"]: row for row in rows}


async def play_script(chat: DemoChat, script: Path) -> None:
    """Play the lines of a file (echoed, comments skipped), waiting for the bot after each."""
    for line in script.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            chat.write(f"{chat.prompt}{line}")
            if not await chat.handle(line):
                return


async def chat_in_terminal(chat: DemoChat) -> None:
    """Read lines from the keyboard while printing what arrives meanwhile, until /keluar or end of input."""
    watcher = asyncio.create_task(chat.watch())
    try:
        if sys.stdin.isatty() and sys.stdout.isatty():
            session: PromptSession[str] = PromptSession()
            with patch_stdout(raw=True):  # prints land above the prompt, which is redrawn with what was typed
                while True:
                    try:
                        line = await session.prompt_async(chat.prompt)
                    except (EOFError, KeyboardInterrupt):
                        return
                    if not await chat.handle(line):
                        return
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):  # piped input: no prompt to protect
            if not await chat.handle(line):
                return
    finally:
        watcher.cancel()


async def run_demo(script: Path | None = None, start: datetime | None = None) -> int:
    setup_logging(DEMO_TOKEN, level=logging.WARNING)
    content = load_content(SHIPPED_CONTENT_DIR)
    with tempfile.TemporaryDirectory(prefix="pendamping-demo-") as tmp:
        database_url = f"sqlite:///{tmp}/demo.db"
        upgrade(database_url)
        db = Database(database_url)
        emulator = BotApiEmulator()
        await emulator.start()
        emulator.stars_balance = DEMO_STARS
        settings = Settings.from_env(
            telegram_bot_token=DEMO_TOKEN, telegram_api_url=emulator.base_url, database_url=database_url,
            content_dir=SHIPPED_CONTENT_DIR, koordinator_ids="", paid_broadcast_min_recipients=DEMO_PAID_MIN,
        )
        deps = Deps(settings=settings, content=content, db=db, clock=ShiftedClock(start) if start else SystemClock())
        imported = await intake.import_roster(deps, intake.read_roster_file(DEMO_ROSTER.read_bytes()))
        codes = {person.external_id: code for person, code in imported.issued}
        people = _roster_people()
        personas = []
        for n, external_id in enumerate(PERSONAS, 1):
            row = people[external_id]
            personas.append(Persona(external_id, row["nama"], content.text(f"role.{row['peran']}"), 1000 + n, codes[external_id]))
            emulator.user(1000 + n, row["nama"].split()[0])
        application = build_application(deps)

        async def settled() -> bool:
            """No update waiting or being handled, nothing due in the outbox: all the line caused is out."""
            return (not emulator.pending_updates and application.update_queue.empty()
                    and application.update_processor.current_concurrent_updates == 0
                    and not await background.outbox_due(deps))

        chat = DemoChat(emulator, personas, settled=settled if script is not None else None)
        try:
            async with polling(application):
                chat.write("Pendamping — demo offline (tanpa token, tanpa internet).")
                chat.write(f"Emulator Bot API: {emulator.base_url} · basis data sementara: {tmp}/demo.db")
                chat.write(HELP)
                chat.menu()
                if script is not None:
                    await play_script(chat, script)
                else:
                    await chat_in_terminal(chat)
        finally:
            await emulator.stop()
            await db.dispose()
        kept = f" Berkas yang diterima tetap ada di {chat.files_dir}/." if chat.saved else ""
        chat.write(f"Sampai jumpa! Data demo dihapus.{kept}")
    return 0
