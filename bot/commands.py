"""The command menus drivers see, per language (setMyCommands)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, N_, Translator

log = logging.getLogger(__name__)

DRIVER_COMMANDS = (
    ("today", N_("Today's assignment and QR code")),
    ("me", N_("My profile and visa-free days")),
    ("problem", N_("Report a problem")),
    ("language", N_("Change language")),
    ("help", N_("How to use the bot")),
)


def driver_commands(tr: Translator, language: str) -> list[BotCommand]:
    return [BotCommand(name, tr.get(language, text)) for name, text in DRIVER_COMMANDS]


async def publish_commands(bot: Bot, tr: Translator) -> None:
    """Default menu in the company language, plus one per supported Telegram language."""
    await bot.set_my_commands(driver_commands(tr, tr.default_language))
    for language in LANGUAGES:
        await bot.set_my_commands(driver_commands(tr, language), language_code=language)


async def set_chat_commands(bot: Bot, tr: Translator, chat_id: int, language: str) -> None:
    """A driver who chose a language in the bot sees the menu in it, whatever the phone says."""
    try:
        await bot.set_my_commands(
            driver_commands(tr, language), scope=BotCommandScopeChat(chat_id)
        )
    except TelegramError as exc:
        log.warning("could not set the command menu for chat %s: %s", chat_id, exc)
