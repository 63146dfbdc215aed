"""Benchmark: the planning job's passes over a generated cohort, old against new, SQLite and PostgreSQL.

    .venv/bin/python -m bench.planning [--scale 0.2] [--old REF] [--history-weeks N] [--database-url postgresql://…]

A cohort of bench.cohort.generate(scale) (CGPs, PPs, Sekolah Penggerak schools) is imported with its calendar;
then the bot's planning job (services.background.plan: reminders, digests, session guides, weekly reports; with
the process's pacing when the version has one) at 10:00 WIB, as it runs every 15 minutes:
1. the first pass (everyone, rows inserted);
2. a pass 15 minutes later, after 1 % of the people had an update (their row touched);
3. a pass 6 hours later, nothing changed (everyone handed on to the session guides; before round 9 also everyone's
   reminder horizon extended);
4. a pass 24 hours after the first (the new version reconciles everyone).
With --history-weeks N the passes come N weeks into the calendar, the outbox full of what those weeks sent: the
planner ran once a week and every row due by then was marked sent (a cohort's months of sent rows pile up behind
the few the planner looks at). Each pass's CPU time (this process's: SQLite's work included, PostgreSQL's not)
and wall time are printed in ms per person, old and new side by side. "old" is git REF (default: main
before issue 15's incremental planning) unpacked into a temporary directory and run from there; "new" is this
tree; each version runs in its own process. PostgreSQL: the database at --database-url is DROPPED and migrated.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD_REF = "01b5c11"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_planning"
PASSES = ("first", "15 min later, 1 % changed", "6 h later", "24 h later")
CHANGED_SHARE = 0.01
TOKEN = "123456789:BENCH-planning_0123456789abcdefghij"


async def worker(url: str, scale: float, history_weeks: int = 0) -> dict[str, tuple[float, float]]:
    """In the tree on sys.path: build the cohort (and its history), run the passes, return CPU and wall ms per person
    of each."""
    from sqlalchemy import select, update

    from bench.cohort import COHORT, PSP_COHORT, generate, roster_csv
    from core.clock import FrozenClock
    from core.content import load_content
    from core.settings import SHIPPED_CONTENT_DIR
    from program.calendar import set_lokakarya_date
    from roster import importer as roster
    from core.settings import Settings
    from services import background
    from store.db import Database
    from store.migrate import recreate
    from services.context import Deps
    from store.models import Cohort, OutboxMessage, Person

    plan = generate(scale)
    content = load_content(SHIPPED_CONTENT_DIR)
    recreate(url)
    db, clock = Database(url), FrozenClock(plan.start)
    async with db.session() as s:
        await roster.import_file(s, roster_csv(plan), clock)
    async with db.session() as s:
        cohort = await s.scalar(select(Cohort).where(Cohort.code == COHORT))
        for n, day in plan.lokakarya.items():
            await set_lokakarya_date(s, cohort, n, day)
        psp = await s.scalar(select(Cohort).where(Cohort.code == PSP_COHORT))
        for (_, month), day in plan.workshops.items():
            await set_lokakarya_date(s, psp, month, day, kind="lokakarya_psp")
    settings = Settings.from_env(telegram_bot_token=TOKEN, database_url=url)
    deps = Deps(settings=settings, content=content, db=db, clock=clock)
    pacing = (background.pacing(),) if hasattr(background, "pacing") else ()  # old trees planned everyone every time

    async def one_pass() -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        await background.plan(deps, *pacing)
        return ((time.process_time() - cpu) * 1000 / len(plan.members),
                (time.perf_counter() - wall) * 1000 / len(plan.members))

    for _ in range(history_weeks):
        await background.plan(deps, *pacing)
        clock.set(clock.now() + timedelta(days=7))
        async with db.session() as s:
            await s.execute(update(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.due_at <= clock.now())
                            .values(status="sent", sent_at=OutboxMessage.due_at))
    out = {PASSES[0]: await one_pass()}
    clock.set(clock.now() + timedelta(minutes=15))
    async with db.session() as s:
        ids = (await s.scalars(select(Person.id).order_by(Person.id))).all()
        for pid in ids[::round(1 / CHANGED_SHARE)]:
            (await s.get(Person, pid)).name += " "
    out[PASSES[1]] = await one_pass()
    clock.set(clock.now() + timedelta(hours=6))
    out[PASSES[2]] = await one_pass()
    clock.set(clock.now() + timedelta(hours=18))
    out[PASSES[3]] = await one_pass()
    await db.dispose()
    return out


def run_in(tree: Path, url: str, scale: float, history_weeks: int) -> dict[str, list[float]]:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", url, "--scale", str(scale),
                           "--history-weeks", str(history_weeks)],
                          cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(args: argparse.Namespace) -> None:
    from bench.idle import unpack

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "old").mkdir()
        old = unpack(args.old, Path(tmp, "old").resolve())
        databases = (("SQLite", f"sqlite:///{Path(tmp) / 'planning.db'}"), ("PostgreSQL", args.database_url))
        print(f"planning passes, ms per person (scale {args.scale}, {args.history_weeks} weeks of history); "
              f"old = {args.old}, new = this tree", flush=True)
        for name, url in databases:
            results = {version: run_in(tree, url, args.scale, args.history_weeks)
                       for version, tree in (("old", old), ("new", ROOT))}
            for label in PASSES:
                (oc, ow), (nc, nw) = results["old"][label], results["new"][label]
                print(f"  {name:10} {label:28} CPU old {oc:6.3f} new {nc:6.3f} new/old {nc / oc:5.2f}×   "
                      f"wall old {ow:6.3f} new {nw:6.3f} new/old {nw / ow:5.2f}×", flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--old", default=OLD_REF, help="git ref of the old behaviour")
    parser.add_argument("--history-weeks", type=int, default=0, help="weeks of sent rows before the passes")
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(worker(args.worker, args.scale, args.history_weeks))))
    else:
        main(args)


if __name__ == "__main__":
    cli()
