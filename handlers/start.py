from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.state import FerrymanContext

WELCOME = N_("Welcome to {company}. Ask your dispatcher for an invitation link to register.")


async def on_start(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    state = context.state
    language = state.translator.language(user.language_code)
    await message.reply_text(
        state.translator.get(language, WELCOME, company=state.settings.company.name)
    )
