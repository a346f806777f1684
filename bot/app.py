"""Builds the python-telegram-bot Application from settings and wires Ferryman into it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes

from bot.backup import hold_database
from bot.broadcast import resume as resume_broadcasts
from bot.clearance import ClearanceService
from bot.clock import Clock, SystemClock
from bot.commands import publish_commands, publish_staff_menus
from bot.config import Settings
from bot.groups import load_dispatch_group
from bot.heartbeat import schedule_heartbeat, write_heartbeat
from bot.i18n import Translator
from bot.jobs import catch_up, schedule_jobs
from bot.network import ApiContact, TrackedRequest, until_reachable
from bot.nightly import schedule_backup
from bot.outbox.budget import Budget, BudgetRateLimiter
from bot.outbox.sender import Outbox
from bot.profile import publish_profile
from bot.state import AppState, BotData, FerrymanApp, FerrymanContext
from bot.webhook import WebhookServer
from storage.db import Database
from storage.repositories import Repositories

log = logging.getLogger(__name__)

# getUpdates waits this long for an update before answering empty; short enough that a dead
# connection is noticed soon, long enough not to poll busily.
LONG_POLL_SECONDS = 10


IMAGE_MEMORY_BYTES = 16 * 1024 * 1024


class MissingToken(Exception):
    """No bot token in the settings or the environment."""


def build_application(
    settings: Settings, clock: Clock | None = None, budget: Budget | None = None
) -> FerrymanApp:
    """The Application, not started: ``running()`` (or ``serve()``) starts and stops it.

    ``budget`` paces every call (Telegram's limits by default); the demo's test, run with the
    emulator's flood control off, passes a wider one.

    ``clock`` is accepted for symmetry with ``running()``; the state gets it there.
    """
    token = settings.telegram.token.reveal()
    if not token:
        raise MissingToken(
            "no bot token: set FERRYMAN_BOT_TOKEN in the environment or [telegram] token in "
            f"{settings.source} (get one from @BotFather)"
        )
    # Both clients go through the proxy (API calls and long polling). SOCKS5 needs socksio,
    # python-telegram-bot's "socks" extra (a dependency of Ferryman).
    proxy = settings.telegram.proxy.reveal() or None
    contact = ApiContact()
    context_types = ContextTypes(context=FerrymanContext, bot_data=BotData)
    app: FerrymanApp = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.api_base_url)
        .base_file_url(settings.telegram.api_file_url)
        .context_types(context_types)
        # One budget for direct replies and the outbox (see README, "Sending"): PTB's
        # AIORateLimiter would let bursts through and pause everything after a 429.
        .rate_limiter(BudgetRateLimiter(budget or Budget()))
        .concurrent_updates(True)
        # The pool sizes python-telegram-bot's builder uses by default.
        .request(TrackedRequest(contact, connection_pool_size=256, proxy=proxy))
        .get_updates_request(
            TrackedRequest(contact, polling=True, connection_pool_size=1, proxy=proxy)
        )
        .build()
    )
    app.bot_data.api_contact = contact
    from handlers import register_handlers  # handlers depend on bot/, not the reverse

    register_handlers(app)
    return app


async def attach_state(app: FerrymanApp, settings: Settings, clock: Clock) -> AppState:
    """Open the database (migrating it), load places and catalogs, publish the state."""
    db = await Database.open(settings.storage.database)
    repos = Repositories.build(db)
    await repos.places.sync(settings.places)
    limiter = app.bot.rate_limiter
    budget = limiter.budget if isinstance(limiter, BudgetRateLimiter) else Budget()
    state = AppState(
        settings=settings,
        repos=repos,
        translator=Translator.load(settings.company.default_language),
        clock=clock,
        clearance=ClearanceService(
            settings.clearance,
            timezone=settings.company.timezone,
            images=repos.clearance_images,
            cache_dir=settings.storage.media_dir / "clearance",
            clock=clock,
            # Each image is uploaded once and re-sent by Telegram file id after that: a small
            # memory cache in front of the disk one keeps a 4,000-driver day under 200 MB.
            memory_cache_bytes=IMAGE_MEMORY_BYTES,
        ),
        outbox=Outbox(app.bot, repos, clock, budget),
    )
    await load_dispatch_group(state)
    app.bot_data.state = state
    schedule_jobs(app, state)
    # A broadcast still counting when the bot stopped goes on editing its progress message.
    await resume_broadcasts(app, state)
    schedule_heartbeat(app)
    schedule_backup(app, state)
    # Rows left by the last run (unsent, or in flight when it died) go out first.
    state.outbox.start(state)
    # A dispatch missed while the bot was down goes out now (planned trips only).
    await catch_up(state)
    try:
        await publish_commands(app.bot, state.translator)
        await publish_staff_menus(app.bot, state)
    except TelegramError as exc:
        # Menus are a convenience; a bot that cannot set them must still work.
        log.warning("could not publish the command menus: %s", exc)
    await publish_profile(app.bot, state.translator, settings.company.name)
    log.info("ferryman ready: database %s", settings.storage.database)
    return state


async def detach_state(app: FerrymanApp) -> None:
    state = app.bot_data.state
    if state is not None:
        app.bot_data.state = None
        await state.outbox.stop()
        await state.clearance.close()
        await state.repos.db.close()


def _ignore_polling_error(exc: TelegramError) -> None:
    """The polling request already logged this failure in one line (bot.network)."""


def _drop_pending(settings: Settings) -> bool:
    return settings.telegram.drop_pending_updates


@asynccontextmanager
async def running(
    app: FerrymanApp, settings: Settings, clock: Clock, **polling: Any
) -> AsyncIterator[FerrymanApp]:
    """Start the app inside an already running event loop (``ferryman run``, tests, demo).

    Telegram out of reach at start-up is waited out with one warning line per attempt; a
    refused token (InvalidToken) is raised at once.
    """
    await until_reachable("start-up (getMe)", app.initialize)
    await attach_state(app, settings, clock)
    await app.start()
    assert app.updater is not None
    server: WebhookServer | None = None
    try:
        if settings.telegram.mode == "webhook":
            server = WebhookServer(app, settings)
            await server.start()
            await until_reachable(
                "start-up (setWebhook)",
                lambda: app.bot.set_webhook(
                    settings.telegram.webhook_url,
                    secret_token=settings.telegram.secret_token.reveal(),
                    allowed_updates=Update.ALL_TYPES,
                    drop_pending_updates=_drop_pending(settings),
                ),
            )
        else:
            polling.setdefault("poll_interval", 0.0)
            polling.setdefault("timeout", 1)  # tests stop quickly; serve() long-polls
            await until_reachable(
                "start-up (deleteWebhook)",
                lambda: app.bot.delete_webhook(drop_pending_updates=_drop_pending(settings)),
            )
            await app.updater.start_polling(
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=-1,
                error_callback=_ignore_polling_error,
                **polling,
            )
        log.info("ferryman serving by %s", settings.telegram.mode)
        write_heartbeat(app)
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if server is not None:
            await server.stop()
        await app.stop()
        await detach_state(app)
        await app.shutdown()


async def serve(settings: Settings, clock: Clock | None = None) -> None:
    """Run until SIGINT or SIGTERM, by polling or webhook as the settings say.

    A signal while start-up is still waiting for Telegram cancels the wait at once (systemd
    and Docker must not have to SIGKILL a bot that never got going); once serving, it stops
    the bot in order: updates in hand finished, the database closed.
    """
    chosen_clock = clock or SystemClock()
    app = build_application(settings, chosen_clock)
    stop = asyncio.Event()
    serving = False
    main = asyncio.current_task()

    def on_signal() -> None:
        stop.set()
        if not serving and main is not None:
            main.cancel()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, on_signal)
    # One bot per database, and `ferryman restore` refuses while this is held.
    with hold_database(settings.storage.database):
        try:
            async with running(app, settings, chosen_clock, timeout=LONG_POLL_SECONDS):
                serving = True
                await stop.wait()
        except asyncio.CancelledError:
            if serving or not stop.is_set():
                raise
            log.info("ferryman stopped before start-up finished")
            return
    log.info("ferryman stopped")


def run(settings: Settings) -> None:
    asyncio.run(serve(settings))
