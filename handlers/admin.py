"""Admin commands of the driver's day: /invite."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.i18n import N_
from bot.services.invitations import create_invitation, deep_link
from bot.state import FerrymanApp, FerrymanContext
from bot.timefmt import format_time
from handlers.common import log
from handlers.guards import admin_only
from handlers.registry import NEW, PRIVATE, add

INVITATION = N_(
    "Invitation for {name}: send this link to the driver. It works once and is valid until "
    "{until}.\n{link}"
)
NO_NAME = N_("a new driver")


@admin_only
async def on_invite(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = context.state
    language = context.caller.language
    name = " ".join(context.args or []).strip()
    invitation = await create_invitation(state.repos.invitations, user.id, name, state.clock.now())
    log.info("admin %s created an invitation", user.id)
    await message.reply_text(
        state.translator.get(
            language,
            INVITATION,
            name=name or state.translator.get(language, NO_NAME),
            until=format_time(invitation.expires_at, state.settings.company.timezone),
            link=deep_link(context.bot.username, invitation.token),
        )
    )


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("invite", on_invite, filters=PRIVATE & NEW))
