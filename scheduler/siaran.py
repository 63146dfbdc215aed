"""/siaran: a koordinator composes a broadcast; the dialogue's state lives in ChatInput (kind "siaran").

```mermaid
stateDiagram-v2
    [*] --> kind: start
    kind --> value: b:k:<kind> (not "all")
    kind --> text: b:k:all
    value --> value: typed search / b:p:<page>
    value --> text: b:v:<i>
    text --> confirm: message text (preview with recipient count)
    confirm --> [*]: b:send (due now)
    confirm --> when: b:sched
    when --> [*]: "25/11/2025 08:00" in the koordinator's zone
    kind --> [*]: b:cancel / any step
```
Outside the dialogue: b:list shows scheduled broadcasts, b:x:<id> cancels one.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.dates import format_date, format_time
from core.zones import abbreviation, zone_name, zone_of
from flows.replies import Button, Reply
from scheduler import dialogue_state
from scheduler.broadcasts import (
    AUDIENCE_KINDS, Audience, cancel_broadcast, count_audience, create_broadcast, describe_audience,
)
from store.models import Broadcast, ChatInput, Cohort, Person, Role

KIND = "siaran"
PAGE_SIZE = 8
MAX_TEXT = 4096
WHEN_FORMAT = "%d/%m/%Y %H:%M"
WHEN_PATTERN = re.compile(r"^\s*(\d{1,2})[/-](\d{1,2})[/-](\d{4})\s+(\d{1,2})[:.](\d{2})\s*$")


async def start(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """Begin a broadcast: ask for the kind of audience."""
    if person.role != Role.koordinator:
        return [Reply(content.text("siaran.not_allowed"))]
    await _save(session, person, {"step": "kind"})
    kinds = [Button(content.text(f"siaran.kind.{k}"), f"b:k:{k}") for k in AUDIENCE_KINDS]
    rows = [kinds[i:i + 2] for i in range(0, len(kinds), 2)]
    rows.append([Button(content.text("siaran.scheduled_list_button"), "b:list")])
    return [Reply(content.text("siaran.choose_kind"), rows)]


async def handle_text(session: AsyncSession, content: Content, person: Person, text: str, clock: Clock) -> list[Reply] | None:
    """Take a typed message for the composer; None when no broadcast is being composed."""
    state = await _load(session, person)
    if state is None:
        return None
    if person.role != Role.koordinator:
        await _clear(session, person)
        return [Reply(content.text("siaran.not_allowed"))]
    data = dict(state.data)
    match data.get("step"):
        case "value":
            data.update(query=text.strip(), page=0)
            return [await _value_prompt(session, content, person, data)]
        case "text":
            if len(text) > MAX_TEXT:
                return [Reply(content.text("siaran.text_too_long", panjang=len(text), maks=MAX_TEXT))]
            data.update(step="confirm", text=text)
            await _save(session, person, data)
            return [await _preview(session, content, data)]
        case "when":
            return [await _schedule(session, content, person, data, text, clock)]
    return [Reply(content.text("siaran.use_buttons"))]


async def handle_button(session: AsyncSession, content: Content, person: Person, data: str, clock: Clock) -> list[Reply]:
    """Act on a "b:" button of the composer or of the scheduled list."""
    if person.role != Role.koordinator:
        await _clear(session, person)
        return [Reply(content.text("siaran.not_allowed"))]
    action, _, arg = data.removeprefix("b:").partition(":")
    if action == "list":
        return [await _scheduled_list(session, content, person, clock)]
    if action == "x" and arg.isdigit():
        cancelled = await cancel_broadcast(session, int(arg))
        if cancelled is None:
            return [Reply(content.text("siaran.not_cancellable", nomor=arg))]
        return [Reply(content.text("siaran.broadcast_cancelled", nomor=arg, jumlah=cancelled))]
    state = await _load(session, person)
    if state is None:
        return [Reply(content.text("siaran.expired"))]
    draft = dict(state.data)
    step = draft.get("step")
    if action == "cancel":
        await _clear(session, person)
        return [Reply(content.text("siaran.cancelled"))]
    if action == "k" and step == "kind" and arg in AUDIENCE_KINDS:
        if arg == "all":
            return [await _ask_text(session, content, person, Audience("all"))]
        draft.update(step="value", kind=arg, query="", page=0)
        return [await _value_prompt(session, content, person, draft)]
    if action == "p" and step == "value" and arg.isdigit():
        draft["page"] = int(arg)
        return [await _value_prompt(session, content, person, draft)]
    if action == "v" and step == "value" and arg.isdigit() and int(arg) < len(draft.get("options", [])):
        return [await _ask_text(session, content, person, Audience(draft["kind"], draft["options"][int(arg)][1]))]
    if action == "send" and step == "confirm":
        return [await _create(session, content, person, draft, clock.now(), clock)]
    if action == "sched" and step == "confirm":
        draft["step"] = "when"
        await _save(session, person, draft)
        return [Reply(content.text("siaran.ask_when", zona=_zone_name(content, person), contoh=_example(content, person, clock)))]
    return [Reply(content.text("siaran.expired"))]


async def cancel(session: AsyncSession, content: Content, person: Person) -> list[Reply] | None:
    """Drop a broadcast being composed (for /batal); None when there is none."""
    if await _load(session, person) is None:
        return None
    await _clear(session, person)
    return [Reply(content.text("siaran.cancelled"))]


async def _ask_text(session: AsyncSession, content: Content, person: Person, audience: Audience) -> Reply:
    await _save(session, person, {"step": "text", "audience": audience.to_json()})
    return Reply(content.text("siaran.ask_text", penerima=await describe_audience(session, content, audience)))


async def _value_prompt(session: AsyncSession, content: Content, person: Person, draft: dict) -> Reply:
    """Show one page of the audience values (roles, cohorts, schools, districts, PPs), filtered by search."""
    values = await _values(session, content, draft["kind"], draft.get("query", ""))
    kind_label = content.text(f"siaran.kind.{draft['kind']}")
    if not values:
        draft["options"] = []
        await _save(session, person, draft)
        key = "siaran.no_match" if draft.get("query") else "siaran.no_values"
        return Reply(content.text(key, cari=draft.get("query", "")),
                     [[Button(content.text("siaran.cancel"), "b:cancel")]])
    pages = (len(values) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(draft.get("page", 0), pages - 1)
    shown = values[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    draft.update(page=page, options=shown)
    await _save(session, person, draft)
    rows = [[Button(label[:60], f"b:v:{i}")] for i, (label, _) in enumerate(shown)]
    nav = []
    if page > 0:
        nav.append(Button(content.text("siaran.back"), f"b:p:{page - 1}"))
    if page + 1 < pages:
        nav.append(Button(content.text("siaran.more"), f"b:p:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([Button(content.text("siaran.cancel"), "b:cancel")])
    return Reply(content.text("siaran.choose_value", jenis=kind_label.lower()), rows)


async def _values(session: AsyncSession, content: Content, kind: str, query: str) -> list[list[str]]:
    """[label, value] pairs for an audience kind, from the database, matching `query` if given."""
    needle = query.casefold()
    if kind == "role":
        roles = (await session.execute(select(distinct(Person.role)))).scalars().all()
        pairs = [[content.text(f"role.{r.value}"), r.value] for r in sorted(roles, key=lambda r: list(Role).index(r))]
    elif kind == "cohort":
        pairs = [[f"{c.code} · {c.name}", c.code] for c in (await session.execute(select(Cohort).order_by(Cohort.code))).scalars()]
    elif kind in ("school", "district"):
        column = Person.school if kind == "school" else Person.district
        query_ = select(distinct(column)).where(column.is_not(None)).order_by(column)
        if needle:
            query_ = query_.where(column.ilike(f"%{_escape_like(query)}%", escape="\\"))
        return [[v, v] for v in (await session.execute(query_)).scalars()]
    else:  # mentor_group
        pps = (await session.execute(select(Person.id, Person.name).where(Person.role == Role.pp).order_by(Person.name))).all()
        pairs = [[name, str(pid)] for pid, name in pps]
    return [p for p in pairs if needle in p[0].casefold()] if needle else pairs


async def _preview(session: AsyncSession, content: Content, draft: dict) -> Reply:
    audience = Audience.from_json(draft["audience"])
    joined, not_joined = await count_audience(session, audience)
    return Reply(
        content.text("siaran.preview", penerima=await describe_audience(session, content, audience),
                     pesan=draft["text"], jumlah=joined + not_joined, belum=not_joined),
        [[Button(content.text("siaran.send_now"), "b:send"), Button(content.text("siaran.schedule"), "b:sched")],
         [Button(content.text("siaran.cancel"), "b:cancel")]],
    )


async def _schedule(session: AsyncSession, content: Content, person: Person, draft: dict, text: str, clock: Clock) -> Reply:
    example = _example(content, person, clock)
    match = WHEN_PATTERN.match(text)
    try:
        day, month, year, hour, minute = (int(g) for g in match.groups()) if match else (0,) * 5
        when = datetime(year, month, day, hour, minute, tzinfo=_zone(content, person))
    except ValueError:
        return Reply(content.text("siaran.bad_when", contoh=example))
    if when <= clock.now():
        return Reply(content.text("siaran.past_when", contoh=example))
    return await _create(session, content, person, draft, when, clock)


async def _create(session: AsyncSession, content: Content, person: Person, draft: dict, send_at: datetime, clock: Clock) -> Reply:
    audience = Audience.from_json(draft["audience"])
    await create_broadcast(session, person, audience, draft["text"], send_at)
    await _clear(session, person)
    joined, not_joined = await count_audience(session, audience)
    if send_at <= clock.now():
        return Reply(content.text("siaran.queued", jumlah=joined + not_joined))
    return Reply(content.text("siaran.scheduled", waktu=_local(content, person, send_at), jumlah=joined + not_joined))


async def _scheduled_list(session: AsyncSession, content: Content, person: Person, clock: Clock) -> Reply:
    upcoming = (await session.execute(
        select(Broadcast).where(Broadcast.status == "scheduled", Broadcast.send_at > clock.now()).order_by(Broadcast.send_at)
    )).scalars().all()
    if not upcoming:
        return Reply(content.text("siaran.no_scheduled"))
    lines = [content.text("siaran.scheduled_header")]
    buttons = []
    for b in upcoming:
        snippet = b.text if len(b.text) <= 40 else b.text[:39] + "…"
        lines.append(f"#{b.id} " + content.text(
            "siaran.scheduled_item", waktu=_local(content, person, b.send_at),
            penerima=await describe_audience(session, content, Audience.from_json(b.audience)), cuplikan=snippet))
        buttons.append([Button(content.text("siaran.cancel_item", nomor=b.id), f"b:x:{b.id}")])
    return Reply("\n".join(lines), buttons)


async def _load(session: AsyncSession, person: Person) -> ChatInput | None:
    return await dialogue_state.load(session, person, KIND)


async def _save(session: AsyncSession, person: Person, data: dict) -> None:
    await dialogue_state.save(session, person, KIND, data)


async def _clear(session: AsyncSession, person: Person) -> None:
    await dialogue_state.clear(session, person, KIND)


def _zone(content: Content, person: Person) -> ZoneInfo:
    return zone_of(person, content.default_tz)


def _zone_name(content: Content, person: Person) -> str:
    return abbreviation(zone_name(person, content.default_tz))


def _local(content: Content, person: Person, at: datetime) -> str:
    """The time in words in the koordinator's zone: "Selasa, 25 November 2025, pukul 08.00 WIB"."""
    local = at.astimezone(_zone(content, person))
    return content.text("waktu.date_time_zone", tanggal=format_date(local.date()), jam=format_time(local.time()),
                        zona=_zone_name(content, person))


def _example(content: Content, person: Person, clock: Clock) -> str:
    tomorrow = clock.now().astimezone(_zone(content, person)) + timedelta(days=1)
    return tomorrow.replace(hour=8, minute=0).strftime(WHEN_FORMAT)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
