"""/siaran: a koordinator composes a broadcast; the dialogue's state lives in ChatInput (kind "siaran").

```mermaid
stateDiagram-v2
    [*] --> kind: start
    kind --> value: b:k:<kind> (not "all")
    kind --> text: b:k:all
    value --> value: typed search / b:p:<page>
    value --> text: b:v:<i>
    text --> confirm: message text (preview: counts, who is in quiet hours now)
    confirm --> [*]: b:send (now, respecting quiet hours) / b:urgent (now, through them) / b:paid (a paid broadcast)
    confirm --> when: b:sched
    when --> [*]: "25/11/2025 08:00" in the koordinator's zone, nobody in quiet hours then
    when --> confirm_at: some recipients in quiet hours at that time (preview at that time)
    when --> confirm_at: a paid broadcast is possible (preview with its cost)
    confirm_at --> [*]: b:at (respecting quiet hours) / b:atu (through them) / b:atp (a paid broadcast)
    kind --> [*]: b:cancel / any step
```
Outside the dialogue: b:list lists recent broadcasts, b:s:<id> shows one's live status, b:x:<id> cancels one.
The buttons are services/callbacks.py's ("b:").
The confirmation says how many messages go now, how many wait for quiet hours (until when, in the
recipients' own time) and how many cannot go; it never says "being sent" of messages that wait.
With PAID_BROADCAST_MIN_RECIPIENTS set, a broadcast to at least that many people may go as a Telegram
paid broadcast (up to 1,000 messages/s instead of 30, 0.1 Star per message beyond the free 30/s): the
preview shows the most it can cost and a button for it.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlalchemy import distinct, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.dates import LOCALE, format_date, format_time
from core.delivery import StarBalance
from core.ui import Button, Incoming, Reply
from core.zones import abbreviation, zone_name, zone_of
from scheduler.broadcasts import (
    AUDIENCE_KINDS, Audience, BroadcastReport, Forecast, broadcast_from_cli, broadcast_report, cancel_broadcast,
    create_broadcast, describe_audience, forecast,
)
from services import audit, dialogue_state
from services.callbacks import SIARAN  # re-exported: the presses bot/app.py sends to press()
from services.callbacks import (
    SiaranAt, SiaranAtPaid, SiaranAtUrgent, SiaranCancel, SiaranKind, SiaranList, SiaranPage, SiaranPaid,
    SiaranSchedule, SiaranSend,
    SiaranStatus, SiaranStop, SiaranUrgent, SiaranValue,
)
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import Broadcast, ChatInput, Cohort, Person, Role
from store.outbox import WAKE_STALE

KIND = "siaran"
PAGE_SIZE = 8
RECENT = 10  # broadcasts in the status list
SNIPPET = 40
MAX_TEXT = 4096
WHEN_FORMAT = "%d/%m/%Y %H:%M"
WHEN_PATTERN = re.compile(r"^\s*(\d{1,2})[/-](\d{1,2})[/-](\d{4})\s+(\d{1,2})[:.](\d{2})\s*$")
STARS_PER_PAID_MESSAGE = Decimal("0.1")


SiaranPress = (SiaranKind | SiaranPage | SiaranValue | SiaranSend | SiaranUrgent | SiaranPaid | SiaranSchedule
               | SiaranAt | SiaranAtUrgent | SiaranAtPaid | SiaranCancel | SiaranList | SiaranStatus | SiaranStop)


async def compose(deps: Deps, turn: Turn) -> Outcome:
    """/siaran: begin a broadcast."""
    return await act(deps, turn, lambda acting: start(acting.session, acting.content, acting.person, acting.clock),
                     command="siaran")


async def press(deps: Deps, turn: Turn, value: SiaranPress | None) -> Outcome:
    """A "b:" button of a koordinator; anyone else's, and stale or forged data, get "no longer valid"."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def _press(acting: Acting, value: SiaranPress | None) -> list[Reply]:
    if acting.person.role is not Role.koordinator:
        return acting.reply("error.stale_button")
    return await handle_button(acting.session, acting.content, acting.person, value, acting.clock,
                               paid_min=acting.deps.settings.paid_broadcast_min_recipients)


async def take_message(acting: Acting, incoming: Incoming) -> list[Reply] | None:
    """A koordinator's text for the composer; None when they compose nothing (or it is no text)."""
    if acting.person.role is not Role.koordinator or incoming.kind != "text":
        return None
    return await handle_text(acting.session, acting.content, acting.person, incoming.text, acting.clock,
                             paid_min=acting.deps.settings.paid_broadcast_min_recipients,
                             stars=acting.deps.extras.get("star_balance"))


async def cancel_draft(acting: Acting) -> list[Reply] | None:
    """/batal of a koordinator's draft; None when there is none."""
    if acting.person.role is not Role.koordinator:
        return None
    return await cancel(acting.session, acting.content, acting.person)


async def from_command_line(deps: Deps, audience: str, text: str, at: datetime | None,
                            urgent: bool, paid: bool = False) -> tuple[Broadcast, Forecast, str]:
    """`pendamping siaran`: queue a broadcast now or `at` (naive: the koordinator's zone); with its forecast and label.

    ValueError (nothing queued) for an unknown audience, an empty text, a time already past, or `paid` when
    the settings allow no paid broadcast to that many people.
    """
    async with deps.db.session() as session:
        send_at = at or deps.clock.now()
        broadcast, expected = await broadcast_from_cli(session, deps.content, audience, text, send_at, urgent=urgent,
                                                       paid=paid)
        await audit.record(session, None, "broadcast", nomor=broadcast.id)
        if at is not None and broadcast.send_at <= deps.clock.now():
            raise ValueError(f"--at {at:%Y-%m-%d %H:%M} is in the past")
        if paid and not _paid_possible(deps.settings.paid_broadcast_min_recipients, expected):
            raise ValueError(deps.content.text("cli.siaran_paid_refused", jumlah=expected.total,
                                               minimum=deps.settings.paid_broadcast_min_recipients or "belum diatur"))
        label = await describe_audience(session, deps.content, Audience.from_json(broadcast.audience))
    return broadcast, expected, label


async def start(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """Begin a broadcast: ask for the kind of audience."""
    if person.role != Role.koordinator:
        return [Reply(content.text("siaran.not_allowed"))]
    await _save(session, person, {"step": "kind"})
    kinds = [Button(content.text(f"siaran.kind.{k}"), SiaranKind(k).pack()) for k in AUDIENCE_KINDS]
    rows = [kinds[i:i + 2] for i in range(0, len(kinds), 2)]
    rows.append([Button(content.text("siaran.status_list_button"), SiaranList().pack())])
    return [Reply(content.text("siaran.choose_kind"), rows)]


def _paid_possible(paid_min: int | None, expected: Forecast) -> bool:
    """Whether PAID_BROADCAST_MIN_RECIPIENTS (None: off) lets a broadcast to these recipients go paid."""
    return paid_min is not None and expected.total >= paid_min


def _paid_offer(content: Content, person: Person, expected: Forecast, paid_min: int | None, stars: StarBalance | None,
                label_key: str, press: SiaranPaid | SiaranAtPaid) -> tuple[str, list[Button]] | None:
    """The preview's cost line (with the bot's Star balance as last read) and button for a paid broadcast; None
    when the settings allow none."""
    if not _paid_possible(paid_min, expected):
        return None
    label = content.text(label_key)
    lines = [content.text("siaran.preview_paid", tombol=label, jumlah=expected.total - expected.unreachable,
                          bintang=paid_cost(expected), menit=_minutes(expected.total))]
    if stars is not None and stars.stars is not None:
        lines.append(content.text("siaran.preview_paid_balance", saldo=format_decimal(stars.stars, locale=LOCALE),
                                  waktu=_local(content, person, stars.read_at)))
        covered = int(stars.stars / STARS_PER_PAID_MESSAGE)
        if covered < expected.total - expected.unreachable:
            lines.append(content.text("siaran.preview_paid_short", pesan=format_decimal(covered, locale=LOCALE)))
    return "\n".join(lines), [Button(label, press.pack())]


def paid_cost(expected: Forecast) -> str:
    """The most a paid broadcast can cost, in Stars as Indonesians write them ('2.000', '12,5'): 0.1 Star per
    message to a reachable recipient (the first 30 each second are free)."""
    return format_decimal((expected.total - expected.unreachable) * STARS_PER_PAID_MESSAGE, locale=LOCALE)


async def handle_text(session: AsyncSession, content: Content, person: Person, text: str, clock: Clock,
                      paid_min: int | None = None, stars: StarBalance | None = None) -> list[Reply] | None:
    """Take a typed message for the composer; None when no broadcast is being composed.

    `paid_min`: PAID_BROADCAST_MIN_RECIPIENTS (None: no paid broadcasts); `stars`: the bot's balance as last read."""
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
            return [await _preview(session, content, person, data, clock, paid_min, stars)]
        case "when":
            return [await _schedule(session, content, person, data, text, clock, paid_min, stars)]
    return [Reply(content.text("siaran.use_buttons"))]


async def handle_button(session: AsyncSession, content: Content, person: Person, value: SiaranPress | None,
                        clock: Clock, paid_min: int | None = None) -> list[Reply]:
    """Act on a button of the composer or of the scheduled list; None for stale or forged data."""
    if person.role != Role.koordinator:
        await _clear(session, person)
        return [Reply(content.text("siaran.not_allowed"))]
    match value:
        case SiaranList():
            return [await _recent_list(session, content, person, clock)]
        case SiaranStatus(broadcast_id=number):
            return [await _status(session, content, person, number, clock)]
        case SiaranStop(broadcast_id=number):
            cancelled = await cancel_broadcast(session, number)
            if cancelled is None:
                return [Reply(content.text("siaran.not_cancellable", nomor=number))]
            return [Reply(content.text("siaran.broadcast_cancelled", nomor=number, jumlah=cancelled))]
    state = await _load(session, person)
    if state is None or value is None:
        return [Reply(content.text("siaran.expired"))]
    draft = dict(state.data)
    step = draft.get("step")
    match value:
        case SiaranCancel():
            await _clear(session, person)
            return [Reply(content.text("siaran.cancelled"))]
        case SiaranKind(kind=kind) if step == "kind":
            if kind == "all":
                return [await _ask_text(session, content, person, Audience("all"))]
            draft.update(step="value", kind=kind.value, query="", page=0)
            return [await _value_prompt(session, content, person, draft)]
        case SiaranPage(page=page) if step == "value":
            draft["page"] = page
            return [await _value_prompt(session, content, person, draft)]
        case SiaranValue(index=index) if step == "value" and index < len(draft.get("options", [])):
            return [await _ask_text(session, content, person, Audience(draft["kind"], draft["options"][index][1]))]
        case SiaranSend() | SiaranUrgent() if step == "confirm":
            return [await _create(session, content, person, draft, clock.now(), clock, urgent=isinstance(value, SiaranUrgent))]
        case SiaranPaid() if step == "confirm":
            return [await _create_paid(session, content, person, draft, clock.now(), clock, paid_min)]
        case SiaranAt() | SiaranAtUrgent() if step == "confirm_at":
            send_at = datetime.fromisoformat(draft["send_at"])
            return [await _create(session, content, person, draft, send_at, clock, urgent=isinstance(value, SiaranAtUrgent))]
        case SiaranAtPaid() if step == "confirm_at":
            send_at = datetime.fromisoformat(draft["send_at"])
            return [await _create_paid(session, content, person, draft, send_at, clock, paid_min)]
    if isinstance(value, SiaranSchedule) and step == "confirm":
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
                     [[Button(content.text("siaran.cancel"), SiaranCancel().pack())]])
    pages = (len(values) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(draft.get("page", 0), pages - 1)
    shown = values[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    draft.update(page=page, options=shown)
    await _save(session, person, draft)
    rows = [[Button(label[:60], SiaranValue(i).pack())] for i, (label, _) in enumerate(shown)]
    nav = []
    if page > 0:
        nav.append(Button(content.text("siaran.back"), SiaranPage(page - 1).pack()))
    if page + 1 < pages:
        nav.append(Button(content.text("siaran.more"), SiaranPage(page + 1).pack()))
    if nav:
        rows.append(nav)
    rows.append([Button(content.text("siaran.cancel"), SiaranCancel().pack())])
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


async def _preview(session: AsyncSession, content: Content, person: Person, draft: dict, clock: Clock,
                   paid_min: int | None, stars: StarBalance | None) -> Reply:
    audience = Audience.from_json(draft["audience"])
    expected = await forecast(session, audience, clock.now(), content.default_tz)
    lines = [content.text("siaran.preview", penerima=await describe_audience(session, content, audience),
                          pesan=draft["text"], jumlah=expected.total, belum=expected.not_joined,
                          hari=WAKE_STALE.days)]
    if expected.unreachable:
        lines.append(content.text("siaran.preview_blocked", jumlah=expected.unreachable))
    buttons = [[Button(content.text("siaran.send_now"), SiaranSend().pack()),
                Button(content.text("siaran.schedule"), SiaranSchedule().pack())]]
    if expected.quiet:
        urgent = content.text("siaran.send_urgent")
        lines.append(content.text("siaran.preview_quiet", jumlah=expected.quiet, jam=_times(content, expected.quiet_ends)))
        lines.append(content.text("siaran.preview_urgent_hint", tombol=urgent))
        buttons.append([Button(urgent, SiaranUrgent().pack())])
    if offer := _paid_offer(content, person, expected, paid_min, stars, "siaran.send_paid", SiaranPaid()):
        lines.append(offer[0])
        buttons.append(offer[1])
    buttons.append([Button(content.text("siaran.cancel"), SiaranCancel().pack())])
    return Reply("\n\n".join(lines), buttons)


async def _schedule(session: AsyncSession, content: Content, person: Person, draft: dict, text: str, clock: Clock,
                    paid_min: int | None, stars: StarBalance | None) -> Reply:
    example = _example(content, person, clock)
    match = WHEN_PATTERN.match(text)
    try:
        day, month, year, hour, minute = (int(g) for g in match.groups()) if match else (0,) * 5
        when = datetime(year, month, day, hour, minute, tzinfo=_zone(content, person))
    except ValueError:
        return Reply(content.text("siaran.bad_when", contoh=example))
    if when <= clock.now():
        return Reply(content.text("siaran.past_when", contoh=example))
    expected = await forecast(session, Audience.from_json(draft["audience"]), when, content.default_tz)
    offer = _paid_offer(content, person, expected, paid_min, stars, "siaran.schedule_paid", SiaranAtPaid())
    if not expected.quiet and offer is None:
        return await _create(session, content, person, draft, when, clock)
    draft.update(step="confirm_at", send_at=when.isoformat())
    await _save(session, person, draft)
    buttons = [Button(content.text("siaran.schedule_confirm"), SiaranAt().pack())]
    lines = [content.text("siaran.preview_at_time", waktu=_local(content, person, when), jumlah=expected.total)]
    if expected.quiet:
        urgent = content.text("siaran.schedule_urgent")
        lines.append(content.text("siaran.preview_at", jumlah=expected.quiet, jam=_times(content, expected.quiet_ends),
                                  tombol=urgent))
        buttons.append(Button(urgent, SiaranAtUrgent().pack()))
    rows = [buttons]
    if offer is not None:
        lines.append(offer[0])
        rows.append(offer[1])
    rows.append([Button(content.text("siaran.cancel"), SiaranCancel().pack())])
    return Reply("\n\n".join(lines), rows)


async def _create(session: AsyncSession, content: Content, person: Person, draft: dict, send_at: datetime,
                  clock: Clock, urgent: bool = False, paid: bool = False) -> Reply:
    audience = Audience.from_json(draft["audience"])
    now = clock.now()
    expected = await forecast(session, audience, max(send_at, now), content.default_tz, urgent)
    broadcast = await create_broadcast(session, person, audience, draft["text"], send_at, urgent, paid)
    await audit.record(session, person, "broadcast", nomor=broadcast.id)
    await _clear(session, person)
    penerima = await describe_audience(session, content, audience)
    later = send_at > now
    if later:
        lines = [content.text("siaran.created_scheduled", nomor=broadcast.id, penerima=penerima,
                              jumlah=expected.total, waktu=_local(content, person, send_at))]
    else:
        lines = [content.text("siaran.created_now", nomor=broadcast.id, penerima=penerima, jumlah=expected.total)]
    if expected.now:
        lines.append(content.text("siaran.part_at" if later else "siaran.part_now", jumlah=expected.now))
        if urgent:
            lines.append(content.text("siaran.part_urgent"))
        if paid:
            lines.append(content.text("siaran.part_paid", bintang=paid_cost(expected)))
    if expected.quiet:
        lines.append(content.text("siaran.part_quiet_at" if later else "siaran.part_quiet", jumlah=expected.quiet,
                                  jam=_times(content, expected.quiet_ends)))
    if expected.not_joined:
        lines.append(content.text("siaran.part_not_joined", jumlah=expected.not_joined, hari=WAKE_STALE.days))
    if expected.unreachable:
        lines.append(content.text("siaran.part_blocked", jumlah=expected.unreachable))
    lines.append(content.text("siaran.created_footer"))
    return Reply("\n".join(lines), [[Button(content.text("siaran.status_list_button"), SiaranStatus(broadcast.id).pack())]])


async def _create_paid(session: AsyncSession, content: Content, person: Person, draft: dict, send_at: datetime,
                       clock: Clock, paid_min: int | None) -> Reply:
    """A press of a paid button: checked again, since the settings may have changed (or the press is forged)."""
    expected = await forecast(session, Audience.from_json(draft["audience"]), send_at, content.default_tz)
    if not _paid_possible(paid_min, expected):
        return Reply(content.text("siaran.paid_unavailable"))
    return await _create(session, content, person, draft, send_at, clock, paid=True)


async def _recent_list(session: AsyncSession, content: Content, person: Person, clock: Clock) -> Reply:
    recent = (await session.execute(select(Broadcast).order_by(Broadcast.id.desc()).limit(RECENT))).scalars().all()
    if not recent:
        return Reply(content.text("siaran.no_broadcasts"))
    lines = [content.text("siaran.recent_header")]
    buttons = []
    for b in recent:
        snippet = _snippet(b.text)
        lines.append(content.text(
            "siaran.recent_item", nomor=b.id, waktu=_local(content, person, b.send_at), cuplikan=snippet,
            penerima=await describe_audience(session, content, Audience.from_json(b.audience)),
            keadaan=_state(content, person, b, clock)))
        buttons.append([Button(content.text("siaran.recent_button", nomor=b.id, cuplikan=_snippet(b.text, 30)),
                               SiaranStatus(b.id).pack())])
    return Reply("\n".join(lines), buttons)


async def _status(session: AsyncSession, content: Content, person: Person, broadcast_id: int, clock: Clock) -> Reply:
    """One broadcast's live counts: sent (and maybe twice), going out, waiting for quiet hours, not delivered."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return Reply(content.text("siaran.expired"))
    now = clock.now()
    report = await broadcast_report(session, broadcast_id, now, content.default_tz)
    lines = [content.text("siaran.status", nomor=broadcast.id, cuplikan=_snippet(broadcast.text),
                          penerima=await describe_audience(session, content, Audience.from_json(broadcast.audience)),
                          keadaan=_state(content, person, broadcast, clock), sekarang=_local(content, person, now))]
    lines.extend(_status_lines(content, report, scheduled=broadcast.send_at > now))
    buttons = [[Button(content.text("siaran.refresh"), SiaranStatus(broadcast.id).pack())]]
    if broadcast.status in ("scheduled", "sending"):
        buttons[0].append(Button(content.text("siaran.cancel_item", nomor=broadcast.id), SiaranStop(broadcast.id).pack()))
    buttons.append([Button(content.text("siaran.back_to_list"), SiaranList().pack())])
    return Reply("\n".join(lines), buttons)


def _status_lines(content: Content, report: BroadcastReport, scheduled: bool) -> list[str]:
    line = lambda key, n, **kw: content.text(f"siaran.status_line.{key}", jumlah=n, **kw)  # noqa: E731
    lines = [line("sent", report.sent)]
    if report.maybe_twice:
        lines.append(line("maybe_twice", report.maybe_twice))
    lines.append(line("scheduled" if scheduled else "pending", report.pending))
    if report.quiet:
        lines.append(line("quiet", report.quiet, jam=_times(content, report.quiet_ends)))
    lines += [line("failed", report.failed), line("blocked", report.blocked),
              line("never_joined", len(report.never_joined_names))]
    if report.cancelled:
        lines.append(line("cancelled", report.cancelled))
    return lines


def _state(content: Content, person: Person, broadcast: Broadcast, clock: Clock) -> str:
    if broadcast.status == "scheduled" and broadcast.send_at > clock.now():
        return content.text("siaran.state.scheduled", waktu=_local(content, person, broadcast.send_at))
    return content.text(f"siaran.state.{'sending' if broadcast.status == 'scheduled' else broadcast.status}")


def _times(content: Content, ends: list[time] | tuple[time, ...]) -> str:
    """Local times as '06.00', or '05.00, 06.00 atau 07.00'."""
    labels = [t.strftime("%H.%M") for t in ends]
    if len(labels) == 1:
        return labels[0]
    return content.text("siaran.time_or", a=", ".join(labels[:-1]), b=labels[-1])


def _minutes(recipients: int) -> int:
    """About how many minutes a broadcast to this many people takes at the free 30 messages/s."""
    return max(1, round(recipients / 29 / 60))


def _snippet(text: str, size: int = SNIPPET) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


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
