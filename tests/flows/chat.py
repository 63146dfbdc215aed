"""Drive the engine like the bot does: one session (one commit) per update."""
from __future__ import annotations

from datetime import timedelta

from core.clock import FrozenClock
from core.content.schema import Content
from flows import engine
from flows.callbacks import FLOWS
from core.ui import Incoming
from core.ui import Attachment, Reply
from store.db import Database
from store.models import Person


class Chat:
    def __init__(self, db: Database, content: Content, person: Person, clock: FrozenClock) -> None:
        self.db, self.content, self.person, self.clock = db, content, person, clock
        self.replies: list[Reply] = []

    @property
    def text(self) -> str:
        return "\n---\n".join(r.text for r in self.replies)

    def buttons(self) -> dict[str, str]:
        """Label → data of the buttons in the last replies (later ones win)."""
        return {b.label: b.data for r in self.replies for row in r.buttons for b in row}

    def tick(self, seconds: float = 10) -> None:
        self.clock.set(self.clock.now() + timedelta(seconds=seconds))

    async def _run(self, call) -> list[Reply] | None:
        async with self.db.session() as session:
            person = await session.get(Person, self.person.id)
            result = await call(session, person)
        if isinstance(result, engine.Handled):
            result = result.replies
        self.replies = result or []
        return result

    async def menu(self) -> list[Reply]:
        return await self._run(lambda s, p: engine.open_menu(s, self.content, p, self.clock))

    async def cancel(self) -> list[Reply]:
        return await self._run(lambda s, p: engine.cancel(s, self.content, p, self.clock))

    async def incoming(self, incoming: Incoming) -> list[Reply] | None:
        return await self._run(lambda s, p: engine.handle(s, self.content, p, incoming, self.clock))

    async def send(self, text: str, gap: float = 10) -> list[Reply] | None:
        """Send a text `gap` seconds after the previous update."""
        self.tick(gap)
        return await self.incoming(Incoming("text", self.clock.now(), text=text))

    async def data(self, data: str) -> list[Reply] | None:
        """Press a button with this data (decoded as the bot does: None when malformed)."""
        self.tick()
        return await self._run(lambda s, p: engine.press(s, self.content, p, FLOWS.unpack(data), self.clock))

    async def press(self, label: str) -> list[Reply] | None:
        """Press the button whose label contains `label` in the last replies."""
        matches = [d for lab, d in self.buttons().items() if label in lab]
        assert matches, f"no button {label!r} in {list(self.buttons())}"
        return await self.data(matches[0])

    async def media(self, kind: str = "photo", file_id: str = "F1", caption: str | None = None, group: str | None = None):
        self.tick(1)
        item = Attachment(kind, file_id, caption)
        return await self.incoming(Incoming("media", self.clock.now(), media=item, media_group_id=group))

    async def other(self) -> list[Reply] | None:
        self.tick()
        return await self.incoming(Incoming("other", self.clock.now()))
