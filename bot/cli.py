"""The `pendamping` command line: run the bot, migrate, check content, import rosters and calendars,
broadcast, drain the outbox, demo."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

from core.clock import SystemClock
from core.content import ContentError, load_content
from core.early_texts import early_text
from core.settings import Settings, SettingsError

log = logging.getLogger(__name__)
EXIT_CONFIG = 2
EXIT_BROKEN_PIPE = 141  # as a shell reports a command whose reader went away (128 + SIGPIPE)
EXIT_INTERRUPTED = 130  # 128 + SIGINT


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_CONFIG


def _settings() -> Settings:
    return Settings.from_env()


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import build_application, run
    from bot.logs import setup_logging
    from bot.startup import bot_user
    from services.context import Deps
    from store.db import Database
    from store.schema_check import ensure_schema

    settings = _settings()
    token = settings.token
    setup_logging(token)
    content = load_content(settings.content_dir, settings.default_tz)
    ensure_schema(settings.database_url)
    asyncio.run(bot_user(settings, patient=True))  # waits out a network outage; a rejected token stops here
    deps = Deps(settings=settings, content=content, db=Database(settings.database_url), clock=SystemClock())
    run(build_application(deps), deps)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from store.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(early_text("database_upgraded"))
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    from core.content.check import check

    directory = Path(args.dir) if args.dir else _settings().content_dir
    return check(directory)


def cmd_roster_import(args: argparse.Namespace) -> int:
    from bot.roster_cli import import_roster_file

    return asyncio.run(import_roster_file(_settings(), Path(args.file), Path(args.out) if args.out else None))


def cmd_roster_codes(args: argparse.Namespace) -> int:
    from bot.roster_cli import reissue_codes

    return asyncio.run(reissue_codes(_settings(), Path(args.out) if args.out else None))


def cmd_calendar_import(args: argparse.Namespace) -> int:
    from bot.scheduler_cli import import_calendar_file

    return asyncio.run(import_calendar_file(_settings(), Path(args.file)))


def cmd_siaran(args: argparse.Namespace) -> int:
    from bot.scheduler_cli import create_siaran

    return asyncio.run(create_siaran(_settings(), args.audience, args.text, args.at, args.urgent, args.paid))


def cmd_send_outbox(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from bot.scheduler_cli import send_outbox

    settings = _settings()
    setup_logging(settings.token)
    return asyncio.run(send_outbox(settings, args.rate or settings.outbox_rate))


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export_cli import export_answers

    return asyncio.run(export_answers(_settings(), args.cohort, args.format, Path(args.out) if args.out else None))


def _demo_start(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(early_text("demo_start", value=value)) from None
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo("Asia/Jakarta"))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(Path(args.script) if args.script else None, args.start))


def cmd_data_purge(args: argparse.Namespace) -> int:
    from bot.privacy_cli import purge

    return asyncio.run(purge(_settings(), args.cohort, args.before, args.dry_run))


def cmd_data_erase(args: argparse.Namespace) -> int:
    from bot.privacy_cli import erase

    return asyncio.run(erase(_settings(), args.person))


def cmd_data_audit(args: argparse.Namespace) -> int:
    from bot.privacy_cli import audit

    return asyncio.run(audit(_settings(), args.limit))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pendamping", description="Pendamping: Telegram companion for PGP/PSP mentoring.")
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling, or webhook when WEBHOOK_URL is set)").set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply database migrations").set_defaults(func=cmd_db_upgrade)
    content = sub.add_parser("content", help="program content").add_subparsers(dest="content_command", required=True)
    check = content.add_parser("check", help="validate content YAML")
    check.add_argument("dir", nargs="?", help="content directory (default: CONTENT_DIR)")
    check.set_defaults(func=cmd_content_check)
    roster = sub.add_parser("roster", help="participants").add_subparsers(dest="roster_command", required=True)
    imp = roster.add_parser("import", help="import a roster (CSV or XLSX); all rows or none")
    imp.add_argument("file")
    imp.add_argument("--out", help="write invite codes and links to this .csv or .xlsx file")
    imp.set_defaults(func=cmd_roster_import)
    codes = roster.add_parser("codes", help="new invite codes for everyone who has not joined yet (old ones stop working)")
    codes.add_argument("--out", help="write the codes and links to this .csv or .xlsx file")
    codes.set_defaults(func=cmd_roster_codes)
    calendar = sub.add_parser("calendar", help="program calendar").add_subparsers(dest="calendar_command", required=True)
    cal_imp = calendar.add_parser("import", help="import Lokakarya dates (CSV: angkatan, lokakarya, tanggal); all rows or none")
    cal_imp.add_argument("file")
    cal_imp.set_defaults(func=cmd_calendar_import)
    siaran = sub.add_parser("siaran", help="queue a broadcast; the running bot delivers it and reports to the koordinator")
    siaran.add_argument("--audience", required=True,
                        help="all, role=cgp, cohort=CODE, school=NAME, district=NAME or mentor_group=PP_EXTERNAL_ID")
    siaran.add_argument("--text", required=True, help="the message")
    siaran.add_argument("--at", help='send at "YYYY-MM-DD HH:MM" in the koordinator\'s time zone (default: now)')
    siaran.add_argument("--urgent", action="store_true",
                        help="send through the recipients' quiet hours (default: those in quiet hours get it when theirs end)")
    siaran.add_argument("--paid", action="store_true",
                        help="send as a Telegram paid broadcast (up to 1,000 msg/s, 0.1 Star each); needs "
                             "PAID_BROADCAST_MIN_RECIPIENTS and at least that many recipients")
    siaran.set_defaults(func=cmd_siaran)
    outbox = sub.add_parser("send-outbox", help="only deliver the outbox (no polling); several may run on PostgreSQL")
    outbox.add_argument("--rate", type=int, choices=range(1, 30), metavar="1-29",
                        help="messages per second this process may send (default OUTBOX_RATE; processes sharing a token split 30)")
    outbox.set_defaults(func=cmd_send_outbox)
    demo = sub.add_parser("demo", help="chat with the bot offline through a local Bot API emulator")
    demo.add_argument("--script", help="play the lines of this file instead of reading the keyboard")
    demo.add_argument("--start", type=_demo_start, metavar="YYYY-MM-DDTHH:MM",
                      help="let the demo's clock start at this time (WIB unless an offset is given) instead of now")
    demo.set_defaults(func=cmd_demo)
    export = sub.add_parser("export", help="answers as a workbook: one sheet per flow, everyone in scope (never joined too)")
    export.add_argument("--cohort", help="only this cohort (its code; default: every cohort)")
    export.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help="xlsx, or csv (a ZIP, one file per flow)")
    export.add_argument("--out", help="the file to write (default: jawaban-<date>.xlsx or .zip here)")
    export.set_defaults(func=cmd_export)
    data = sub.add_parser("data", help="personal data: retention, erasure, audit log")
    data = data.add_subparsers(dest="data_command", required=True)
    purge = data.add_parser("purge", help="delete a cohort's answers and files (without --before, its people's data too)")
    purge.add_argument("--cohort", required=True, help="the cohort's code (angkatan)")
    purge.add_argument("--before", help="only runs last changed before this date (YYYY-MM-DD); people are kept")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(func=cmd_data_purge)
    erase = data.add_parser("erase", help="erase one person's data on their request (recorded in the audit log)")
    erase.add_argument("--person", required=True, help="the person's roster id")
    erase.set_defaults(func=cmd_data_erase)
    audit = data.add_parser("audit", help="the newest entries of the audit log")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(func=cmd_data_audit)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        return _fail(str(exc))
    except OperationalError as exc:
        detail = f"{exc.orig.__class__.__name__}: {(str(exc.orig).strip().splitlines() or [''])[0]}"
        return _fail(early_text("database_unreachable", detail=detail))
    except ContentError as exc:
        return _fail(f"{early_text('content_invalid', count=len(exc.problems))}\n{exc}")
    except BrokenPipeError:
        # The reader (`| head`) has gone: stop quietly, and keep Python's final flush from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
