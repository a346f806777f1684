"""Plain text from a private chat: onboarding answers, a problem description, or a hint."""

from __future__ import annotations

from telegram import Update

from bot.i18n import N_
from bot.roles import is_admin
from bot.services import problems, proof
from bot.services.errors import Refusal, ServiceRefused
from bot.state import FerrymanContext
from handlers.common import refuse, user_language
from handlers.onboarding import on_registration_text
from handlers.problem_report import send_problem_report
from handlers.proof_prompts import ask_for_next_proof

HINT = N_("Use the buttons under your assignment, or /help.")


async def on_text(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    if await on_registration_text(update, context):
        return
    state = context.state
    if await problems.is_waiting_for_problem(state.repos, user.id):
        await send_problem_report(update, context, text=message.text, photo_file_id=None)
        return
    if await state.repos.drivers.by_telegram_id(user.id) is None and not await is_admin(
        state, user.id
    ):
        await refuse(update, context, Refusal.NOT_REGISTERED, "text")
        return
    try:
        # Mid-delivery, the most useful answer is what the checklist still needs.
        step = await proof.expected_proof(state.repos, state.settings.delivery, user.id)
    except ServiceRefused:
        language = await user_language(state, user)
        await message.reply_text(state.translator.get(language, HINT))
        return
    await ask_for_next_proof(context, user, step)
