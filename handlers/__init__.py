"""Telegram in and out only: parse, authorize, call bot/ services, reply."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot.state import FerrymanApp
from handlers import start


def register_handlers(app: FerrymanApp) -> None:
    app.add_handler(CommandHandler("start", start.on_start))
