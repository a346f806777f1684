"""Admin commands of the driver's day: /invite."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.domain.events import EventKind
from bot.domain.names import NAME_MAX, NameProblem
from bot.i18n import N_
from bot.services.invitations import create_invitation, deep_link, split_invite_args
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
NAME_TOO_LONG = N_(
    "A name can have at most {limit} characters; this one has {length}. Send /invite again "
    "with the driver's name as in the passport."
)
INVITED_PHONE = N_("Only the driver with the phone number {phone} can register with it.")
NOT_A_NAME = N_("That is not a name: it needs letters. Example: /invite Wang Wei")


@admin_only
async def on_invite(update: Update, context: FerrymanContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = context.state
    language = context.caller.language
    name, phone = split_invite_args(context.args or [])
    try:
        invitation = await create_invitation(
            state.repos.invitations, user.id, name, state.clock.now(), phone
        )
    except NameProblem as problem:
        text = NAME_TOO_LONG if problem.too_long else NOT_A_NAME
        await message.reply_text(
            state.translator.get(language, text, limit=NAME_MAX, length=problem.length)
        )
        return
    name = invitation.name
    # Every admin action is in the audit trail with its actor (the token stays out of it).
    await state.repos.events.append(
        EventKind.INVITATION_CREATED,
        recorded_at=state.clock.now(),
        actor_telegram_id=user.id,
        payload={"name": name, "for_phone": bool(phone)},
    )
    log.info("admin %s created an invitation", user.id)
    await message.reply_text(
        state.translator.get(
            language,
            INVITATION,
            name=name or state.translator.get(language, NO_NAME),
            until=format_time(invitation.expires_at, state.settings.company.timezone, language),
            link=deep_link(context.bot.username, invitation.token),
        )
        + (
            "\n" + state.translator.get(language, INVITED_PHONE, phone=invitation.phone)
            if invitation.phone
            else ""
        )
    )


def register(app: FerrymanApp) -> None:
    add(app, CommandHandler("invite", on_invite, filters=PRIVATE & NEW))
