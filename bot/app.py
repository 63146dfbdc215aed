"""Build the Application: dependencies injected, handlers registered in one place, jobs scheduled."""
from __future__ import annotations

import gc
import logging

from telegram import Update
from telegram.ext import (
    Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes, MessageHandler, TypeHandler,
    filters,
)

from bot.acks import AckingBot, OpenUpdates
from bot.budget import BudgetRateLimiter
from bot.commands import publish_default_commands
from bot import jobs
from bot.context import BotContext, attach
from bot.handlers import buttons, commands, errors, messages, private_only
from bot.ordering import PerUserUpdateProcessor
from bot.request import AiohttpRequest
from core.foreground import Foreground
from core import worker_process
from core.ratelimit import RateBudget, paid_share
from services import background, companion, intake, jadwal, privacy, profile, progress, reflection, reminders, ringkasan_sekolah, siaran
from services.context import Deps

log = logging.getLogger(__name__)

# A young-generation collection every 10,000 net allocations instead of CPython's 700: a planning pass or a broadcast
# allocates millions of short-lived objects, and every tenth young collection may start a full one (~0.15 s each with
# 20,000 people loaded: in the cohort simulation, 80 of them took 12–16 s of a simulated week's 80–150 s).
GC_THRESHOLDS = (10_000, 10, 10)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]

# Each callback-data namespace (core/callbacks.py; declared beside the code that draws its buttons) and the
# one use case its presses go to.
BUTTONS = (
    (reflection.FLOWS, reflection.press),  # f: open a flow, act on a question of a run
    (progress.ANSWERS, progress.mentee_answers),  # r: one mentee's answers
    (reminders.REMINDERS, reminders.press),  # s: Sudah selesai, Ada kendala, open the reminder's flow
    (jadwal.JADWAL, jadwal.press),  # j: the .ics file, setting Lokakarya and PI dates
    (siaran.SIARAN, siaran.press),  # b: the broadcast composer and status
    (profile.PROFILE, profile.press),  # p: time zone and quiet hours
    (companion.COMPANION, companion.press),  # c: a mentee's PI session guide
    (progress.GLANCE, progress.press),  # g: /ringkasan pages, who is late or never joined, nudges
    (ringkasan_sekolah.SEKOLAH, ringkasan_sekolah.press),  # k: one school's briefing (FSP, pengawas)
    (privacy.PRIVACY, privacy.press),  # d: the privacy notice's Setuju / Tidak setuju, /privasi's download and delete
)


def register_handlers(application: Application) -> None:
    """Every handler, in one place. Order matters only within a group: the first match wins.

    Group -1 runs before all of them: updates from groups and channels stop there (private chats only).
    Commands come first so that /batal or /bantuan always work, even in the middle of a flow; a command
    nobody has is answered before the free-message handler could take it as an answer. Button presses go
    to their namespace's handler (one per namespace, by data prefix), anything else to the stale one.
    Free text, media and documents go last, to whatever the person is in the middle of
    (services/dialogues.py orders those).
    """
    add = application.add_handler
    add(TypeHandler(Update, private_only.PrivateOnly()), group=-1)
    add(CommandHandler("start", commands.start))
    add(CommandHandler("bantuan", commands.bantuan))
    for command, callback in commands.COMMANDS.items():
        add(CommandHandler(command, callback))
    for namespace, use_case in BUTTONS:
        add(CallbackQueryHandler(buttons.pressed(namespace, use_case), pattern=namespace.pattern()))
    add(CallbackQueryHandler(buttons.stale))
    add(ChatMemberHandler(messages.chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    add(MessageHandler(filters.COMMAND, commands.unknown))
    add(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, messages.message))
    application.add_error_handler(errors.on_error)


async def _post_init(application: Application) -> None:
    deps: Deps = application.bot_data["deps"]
    deps.bot_username = application.bot.username
    if interrupted := await intake.tell_interrupted(deps):
        log.warning("%d file import(s) were cut off by the last stop; their senders are told", interrupted)
    await publish_default_commands(application.bot, deps.content)
    await background.warm_up(deps)
    await jobs.schedule(application)
    # What start built (content, mappings, handlers) lives as long as the process: keep the cyclic garbage
    # collector from walking it again on every full collection (those paused the bot ~100 ms under load).
    # Garbage first, so nothing already dead is kept for good (a bot restarted in the same process).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    log.info("bot @%s ready (content %s)", application.bot.username, deps.content.version)


async def _post_stop(application: Application) -> None:
    await jobs.stop(application)
    worker_process.shutdown()


def build_application(deps: Deps) -> Application:
    settings = deps.settings
    budget = deps.extras.setdefault("budget", RateBudget(
        bulk_rate=settings.outbox_rate, paid_rate=paid_share(settings.outbox_rate), restarted=True))
    open_updates = OpenUpdates()
    bot = AckingBot(
        settings.token, base_url=settings.bot_api_base, base_file_url=settings.bot_file_base,
        request=AiohttpRequest(connection_pool_size=64), get_updates_request=AiohttpRequest(),
        rate_limiter=BudgetRateLimiter(budget), open_updates=open_updates,
    )
    application = (
        Application.builder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerUserUpdateProcessor(256, on_handled=open_updates.handled,
                                                   foreground=deps.extras.setdefault("foreground", Foreground())))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .build()
    )
    attach(application, deps)
    register_handlers(application)
    return application


def run(application: Application, deps: Deps) -> None:
    """Long polling by default; webhook mode (bot/webhook.py: answered only after the update's unit of work,
    with Telegram's secret token check) when WEBHOOK_URL is set.

    The caller has reached Telegram once (bot/startup.py); a network drop after that is retried for ever.
    """
    settings = deps.settings
    if settings.webhook_url:
        from bot import webhook  # it builds on this module

        host, _, port = settings.webhook_listen.rpartition(":")
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        webhook.run(application, webhook.Listen(host, int(port), secret, settings.webhook_url))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
