"""Build the Application: services injected, handlers registered in one place, jobs scheduled."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, ContextTypes, MessageHandler, TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.acks import AckingBot, OpenUpdates
from bot.budget import BudgetRateLimiter
from bot.commands import publish_default_commands
from bot import jobs
from bot.handlers import errors, help as help_handlers, messages, private_only, profile, start
from bot.ordering import PerUserUpdateProcessor
from bot.services import BotContext, Services, attach
from core import worker_process
from core.ratelimit import RateBudget
from store import imports

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def register_handlers(application: Application) -> None:
    """Every handler, in one place. Order matters only within a group: the first match wins.

    Commands come first so that /batal or /bantuan always work, even in the middle of a flow;
    callback queries are routed by their data prefix; free text, media and documents go last,
    to whatever the person is in the middle of (a flow, a broadcast draft, a roster upload).
    Group -1 runs before all of them: updates from groups and channels stop there (private chats only).
    """
    add = application.add_handler
    add(TypeHandler(Update, private_only.PrivateOnly()), group=-1)
    add(CommandHandler("start", start.start))
    add(CommandHandler("bantuan", help_handlers.bantuan))
    add(CommandHandler("profil", profile.profil))
    for command, callback in messages.COMMANDS.items():
        add(CommandHandler(command, callback))
    add(CallbackQueryHandler(profile.profile_button, pattern=r"^p:"))
    add(CallbackQueryHandler(messages.button))
    add(ChatMemberHandler(messages.chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    add(MessageHandler(filters.COMMAND, messages.unknown_command))
    add(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, messages.message))
    application.add_error_handler(errors.on_error)


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data["services"]
    services.bot_username = application.bot.username
    async with services.db.session() as session:
        if interrupted := await imports.tell_interrupted(session, services.content, services.clock.now()):
            log.warning("%d file import(s) were cut off by the last stop; their senders are told", interrupted)
    await publish_default_commands(application.bot, services.content)
    jobs.schedule(application)
    log.info("bot @%s ready (content %s)", application.bot.username, services.content.version)


async def _post_stop(application: Application) -> None:
    await jobs.stop(application)
    worker_process.shutdown()


def build_application(services: Services) -> Application:
    settings = services.settings
    budget = services.extras.setdefault("budget", RateBudget(bulk_rate=settings.outbox_rate, restarted=True))
    open_updates = OpenUpdates()
    bot = AckingBot(
        settings.token, base_url=settings.bot_api_base, base_file_url=settings.bot_file_base,
        request=HTTPXRequest(connection_pool_size=64), get_updates_request=HTTPXRequest(),
        rate_limiter=BudgetRateLimiter(budget), open_updates=open_updates,
    )
    application = (
        Application.builder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerUserUpdateProcessor(256, on_handled=open_updates.handled))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .build()
    )
    attach(application, services)
    register_handlers(application)
    return application


def run(application: Application, services: Services) -> None:
    """Long polling by default; webhook mode (with Telegram's secret token check) when WEBHOOK_URL is set.

    The caller has reached Telegram once (bot/startup.py); a network drop after that is retried for ever.
    """
    settings = services.settings
    if settings.webhook_url:
        host, _, port = settings.webhook_listen.rpartition(":")
        application.run_webhook(
            listen=host, port=int(port), url_path="telegram", webhook_url=f"{settings.webhook_url.rstrip('/')}/telegram",
            secret_token=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
            allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
