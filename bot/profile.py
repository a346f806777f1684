"""The bot's profile in Telegram, per language: what people read before they press Start.

``setMyDescription`` (the "What can this bot do?" text of an empty chat) and
``setMyShortDescription`` (the profile page and shared links), from the catalogs at start-up:
the default in the company's language and one per supported Telegram language.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, N_, Translator
from bot.telegram_limits import fit, utf16_len

log = logging.getLogger(__name__)

DESCRIPTION = N_(
    "{company} dispatch for the drivers who take new cars across the Horgos border: your "
    "assignment with the clearance QR code, one-tap confirmations, reminders and your "
    "visa-free days. To register, open the invitation link your dispatcher sent you."
)
SHORT_DESCRIPTION = N_("{company}: assignments, clearance QR codes and visa-free days.")
# Telegram's limits, in UTF-16 code units.
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120


def profile_texts(tr: Translator, language: str, company: str) -> tuple[str, str]:
    description = tr.get(language, DESCRIPTION, company=company)
    short = tr.get(language, SHORT_DESCRIPTION, company=company)
    if utf16_len(short) > SHORT_DESCRIPTION_LIMIT:
        # A long company name: the short text without it still fits (the name is the title).
        short = tr.get(language, SHORT_DESCRIPTION, company="").lstrip(":： ").strip()
    return fit(description, DESCRIPTION_LIMIT), short


async def publish_profile(bot: Bot, tr: Translator, company: str) -> None:
    """A convenience: a bot that cannot set its profile still works, so failures only log."""
    try:
        for code, language in (("", tr.default_language), *((lang, lang) for lang in LANGUAGES)):
            description, short = profile_texts(tr, language, company)
            await bot.set_my_description(description, language_code=code or None)
            await bot.set_my_short_description(short, language_code=code or None)
    except TelegramError as exc:
        log.warning("could not publish the bot's description: %s", exc)
