"""Builds the python-telegram-bot Application from settings and wires Ferryman into it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes

from bot.clearance import ClearanceService
from bot.clock import Clock, SystemClock
from bot.commands import publish_commands
from bot.config import Settings
from bot.i18n import Translator
from bot.jobs import schedule_jobs
from bot.state import AppState, BotData, FerrymanApp, FerrymanContext
from storage.db import Database
from storage.repositories import Repositories

log = logging.getLogger(__name__)


class MissingToken(Exception):
    """No bot token in the settings or the environment."""


def build_application(settings: Settings, clock: Clock | None = None) -> FerrymanApp:
    token = settings.telegram.token.reveal()
    if not token:
        raise MissingToken(
            "no bot token: set FERRYMAN_BOT_TOKEN in the environment or [telegram] token in "
            f"{settings.source} (get one from @BotFather)"
        )
    chosen_clock = clock or SystemClock()

    async def post_init(app: FerrymanApp) -> None:
        await attach_state(app, settings, chosen_clock)

    async def post_shutdown(app: FerrymanApp) -> None:
        await detach_state(app)

    context_types = ContextTypes(context=FerrymanContext, bot_data=BotData)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.api_base_url)
        .base_file_url(settings.telegram.api_file_url)
        .context_types(context_types)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    proxy = settings.telegram.proxy.reveal()
    if proxy:
        # Both clients: the one for API calls and the long-polling one. SOCKS5 needs the
        # socksio package (python-telegram-bot's "socks" extra, a dependency of Ferryman).
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    app: FerrymanApp = builder.build()
    from handlers import register_handlers  # handlers depend on bot/, not the reverse

    register_handlers(app)
    return app


async def attach_state(app: FerrymanApp, settings: Settings, clock: Clock) -> AppState:
    """Open the database (migrating it), load places and catalogs, publish the state."""
    db = await Database.open(settings.storage.database)
    repos = Repositories.build(db)
    await repos.places.sync(settings.places)
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
        ),
    )
    app.bot_data.state = state
    schedule_jobs(app, state)
    try:
        await publish_commands(app.bot, state.translator)
    except TelegramError as exc:
        # Menus are a convenience; a bot that cannot set them must still work.
        log.warning("could not publish the command menus: %s", exc)
    log.info("ferryman ready: database %s", settings.storage.database)
    return state


async def detach_state(app: FerrymanApp) -> None:
    state = app.bot_data.state
    if state is not None:
        app.bot_data.state = None
        await state.clearance.close()
        await state.repos.db.close()


def _webhook_path(settings: Settings) -> str:
    """Serve the path of the public webhook URL, so a proxy can pass requests through as-is."""
    return urlsplit(settings.telegram.webhook_url).path.strip("/") or "telegram"


def _listen(settings: Settings) -> tuple[str, int]:
    host, _, port = settings.telegram.listen.rpartition(":")
    return host, int(port)


def run(settings: Settings) -> None:
    """Run until interrupted, by polling or webhook as the settings say."""
    app = build_application(settings)
    allowed = Update.ALL_TYPES
    if settings.telegram.mode == "webhook":
        host, port = _listen(settings)
        app.run_webhook(
            listen=host,
            port=port,
            url_path=_webhook_path(settings),
            webhook_url=settings.telegram.webhook_url,
            secret_token=settings.telegram.secret_token.reveal() or None,
            allowed_updates=allowed,
            drop_pending_updates=settings.telegram.drop_pending_updates,
        )
    else:
        app.run_polling(
            allowed_updates=allowed, drop_pending_updates=settings.telegram.drop_pending_updates
        )


@asynccontextmanager
async def running(
    app: FerrymanApp, settings: Settings, clock: Clock, **polling: Any
) -> AsyncIterator[FerrymanApp]:
    """Start the app inside an already running event loop (tests, demo, benchmarks)."""
    await app.initialize()
    await attach_state(app, settings, clock)
    await app.start()
    assert app.updater is not None
    try:
        if settings.telegram.mode == "webhook":
            host, port = _listen(settings)
            await app.updater.start_webhook(
                listen=host,
                port=port,
                url_path=_webhook_path(settings),
                webhook_url=settings.telegram.webhook_url,
                secret_token=settings.telegram.secret_token.reveal() or None,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=settings.telegram.drop_pending_updates,
            )
        else:
            polling.setdefault("poll_interval", 0.0)
            polling.setdefault("timeout", 1)
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, **polling)
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
        await detach_state(app)
        await app.shutdown()
