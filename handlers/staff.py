"""Roles in chat: /admins (owners add and remove admins and checkpoint staff), staff links,
/whoami for anyone."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.commands import set_role_menu
from bot.domain.pending import InputKind
from bot.i18n import N_
from bot.outbox import Method, Outgoing, Priority
from bot.roles import Role, admin_languages, checkpoint_ids
from bot.services import staff
from bot.services.staff import LinkProblem
from bot.state import AppState, FerrymanApp, FerrymanContext
from bot.timefmt import format_time
from handlers.common import log
from handlers.guards import owner_only
from handlers.registry import NEW, PRIVATE, add
from handlers.router import add_dialog

ROLE_NAMES = {
    Role.OWNER: N_("owner"),
    Role.ADMIN: N_("admin"),
    Role.CHECKPOINT: N_("checkpoint staff"),
    Role.DRIVER: N_("driver"),
    Role.STRANGER: N_("not registered"),
}
WHOAMI = N_("Your Telegram user id: {id}\nRole: {role}")
WHOAMI_CHAT = N_("This chat's id: {chat_id}")

STAFF_LIST = N_(
    "👑 Owners (in the settings file): {owners}\n\n🧭 Admins:\n{admins}\n\n"
    "🛂 Checkpoint staff:\n{checkpoint}\n\n"
    "Add someone with a one-time link or by sharing their contact; ✖ removes."
)
NOBODY = N_("nobody yet")
FROM_SETTINGS = N_("(settings file)")
ADD_ADMIN_LINK = N_("➕ Admin: link")
ADD_ADMIN_CONTACT = N_("➕ Admin: contact")
ADD_CHECKPOINT_LINK = N_("➕ Checkpoint: link")
ADD_CHECKPOINT_CONTACT = N_("➕ Checkpoint: contact")
REMOVE = N_("✖ {name}")

LINKS = {
    Role.ADMIN: N_(
        "A one-time link that makes its user an admin, valid until {until}. Send it only to "
        "that person:\n{link}"
    ),
    Role.CHECKPOINT: N_(
        "A one-time link that makes its user checkpoint staff, valid until {until}. Send it "
        "only to that person:\n{link}"
    ),
}
CONTACT_PROMPTS = {
    Role.ADMIN: N_("Share the contact of the new admin (📎 → Contact)."),
    Role.CHECKPOINT: N_("Share the contact of the new checkpoint staff member (📎 → Contact)."),
}
NO_TELEGRAM_ACCOUNT = N_(
    "This contact has no Telegram account, so it cannot be added. Send a link instead."
)
ADDED = {
    Role.ADMIN: N_("{name} is now an admin."),
    Role.CHECKPOINT: N_("{name} is now checkpoint staff."),
}
ALREADY = N_("{name} already has this role.")
REMOVED = {
    Role.ADMIN: N_("{name} is no longer an admin."),
    Role.CHECKPOINT: N_("{name} is no longer checkpoint staff."),
}
ALREADY_REMOVED = N_("Already removed.")
WELCOME = {
    Role.ADMIN: N_("You are now an admin of {company}. /help lists your commands."),
    Role.CHECKPOINT: N_(
        "You are now checkpoint staff of {company}: /verify checks a clearance code or a "
        "photo of its QR."
    ),
}
LINK_USED = {
    Role.ADMIN: N_("{name} used your link and is now an admin."),
    Role.CHECKPOINT: N_("{name} used your link and is now checkpoint staff."),
}
LINK_PROBLEMS = {
    LinkProblem.UNKNOWN: N_("This staff link is not valid. Ask the owner for a new one."),
    LinkProblem.USED: N_("This staff link has already been used. Ask the owner for a new one."),
    LinkProblem.EXPIRED: N_("This staff link has expired. Ask the owner for a new one."),
}

_ROLES = {"admin": Role.ADMIN, "checkpoint": Role.CHECKPOINT}


async def on_whoami(update: Update, context: FerrymanContext) -> None:
    """Anyone, anywhere: the ids that ``owners`` and ``group_chat_id`` in the settings need."""
    message, chat, caller = update.effective_message, update.effective_chat, context.caller
    if message is None or chat is None:
        return
    tr = context.state.translator
    language = caller.language
    lines = [
        tr.get(
            language,
            WHOAMI,
            id=caller.telegram_id,
            role=tr.get(language, ROLE_NAMES[caller.role]),
        )
    ]
    if chat.type != "private":
        lines.append(tr.get(language, WHOAMI_CHAT, chat_id=chat.id))
    await message.reply_text("\n".join(lines))


async def _staff_view(state: AppState, language: str) -> tuple[str, InlineKeyboardMarkup]:
    tr = state.translator
    admins = await state.repos.admins.all()
    gatekeepers = await state.repos.staff.checkpoint_staff()
    from_settings = [
        i
        for i in state.settings.clearance.checkpoint_users
        if i not in {g.telegram_id for g in gatekeepers}
    ]
    nobody = tr.get(language, NOBODY)

    def line(name: str, telegram_id: int) -> str:
        return f"• {name} ({telegram_id})" if name else f"• {telegram_id}"

    checkpoint_lines = [line(g.name, g.telegram_id) for g in gatekeepers]
    checkpoint_lines += [f"• {i} {tr.get(language, FROM_SETTINGS)}" for i in from_settings]
    text = tr.get(
        language,
        STAFF_LIST,
        owners=", ".join(str(i) for i in state.settings.company.owners) or "—",
        admins="\n".join(line(a.name, a.telegram_id) for a in admins) or nobody,
        checkpoint="\n".join(checkpoint_lines) or nobody,
    )
    rows = [
        [
            InlineKeyboardButton(
                tr.get(language, ADD_ADMIN_LINK), callback_data="staff:link:admin"
            ),
            InlineKeyboardButton(
                tr.get(language, ADD_ADMIN_CONTACT), callback_data="staff:contact:admin"
            ),
        ],
        [
            InlineKeyboardButton(
                tr.get(language, ADD_CHECKPOINT_LINK), callback_data="staff:link:checkpoint"
            ),
            InlineKeyboardButton(
                tr.get(language, ADD_CHECKPOINT_CONTACT), callback_data="staff:contact:checkpoint"
            ),
        ],
    ]
    for role, members in (("admin", admins), ("checkpoint", gatekeepers)):
        for member in members:
            label = tr.get(language, REMOVE, name=member.name or member.telegram_id)
            rows.append(
                [
                    InlineKeyboardButton(
                        label, callback_data=f"staff:rm:{role}:{member.telegram_id}"
                    )
                ]
            )
    return text, InlineKeyboardMarkup(rows)


@owner_only
async def on_admins(update: Update, context: FerrymanContext) -> None:
    message = update.effective_message
    if message is None:
        return
    text, keyboard = await _staff_view(context.state, context.caller.language)
    await message.reply_text(text, reply_markup=keyboard)


@owner_only
async def on_staff_button(update: Update, context: FerrymanContext) -> None:
    query, caller, state = update.callback_query, context.caller, context.state
    if query is None:
        return
    tr, language, now = state.translator, caller.language, state.clock.now()
    parts = (query.data or "").split(":")
    role = _ROLES.get(parts[2]) if len(parts) >= 3 else None
    if role is None:
        await query.answer()
        return
    if parts[1] == "link":
        payload, until = await staff.create_staff_link(state.repos, caller.telegram_id, role, now)
        await query.answer()
        link = f"https://t.me/{context.bot.username}?start={payload}"
        zone = state.settings.company.timezone
        await context.bot.send_message(
            caller.telegram_id,
            tr.get(language, LINKS[role], until=format_time(until, zone, language), link=link),
        )
        log.info("owner %s created a one-time %s link", caller.telegram_id, role.value)
        return
    if parts[1] == "contact":
        await state.repos.pending.set(
            caller.telegram_id,
            InputKind.STAFF_CONTACT,
            None,
            now,
            data={"role": role.value},
            interrupt=True,
        )
        await query.answer()
        await context.bot.send_message(caller.telegram_id, tr.get(language, CONTACT_PROMPTS[role]))
        return
    if parts[1] == "rm" and len(parts) == 4 and parts[3].isdigit():
        telegram_id = int(parts[3])
        if await staff.remove_staff(state.repos, role, telegram_id, caller.telegram_id, now):
            log.info("owner %s removed %s %s", caller.telegram_id, role.value, telegram_id)
            await query.answer(tr.get(language, REMOVED[role], name=telegram_id))
            await _menu_after_change(context, telegram_id)
        else:
            await query.answer(tr.get(language, ALREADY_REMOVED))
        await _refresh(update, context)
        return
    await query.answer()


async def _refresh(update: Update, context: FerrymanContext) -> None:
    """The /admins message shows the list as it is now."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    text, keyboard = await _staff_view(context.state, context.caller.language)
    try:
        await context.bot.edit_message_text(
            text, query.message.chat.id, query.message.message_id, reply_markup=keyboard
        )
    except TelegramError as exc:  # e.g. "message is not modified" after a double press
        log.info("staff list not refreshed: %s", exc)


async def _menu_after_change(context: FerrymanContext, telegram_id: int) -> None:
    """The person's menu follows their role at once (their own language)."""
    state = context.state
    languages = await state.repos.staff.languages()
    owners = state.settings.company.owners
    row = await state.repos.staff.lookup(telegram_id)
    if telegram_id in owners:
        role = Role.OWNER
    elif row.is_admin:
        role = Role.ADMIN
    elif row.is_checkpoint or telegram_id in await checkpoint_ids(state):
        role = Role.CHECKPOINT
    else:
        driver = await state.repos.drivers.by_telegram_id(telegram_id)
        role = Role.DRIVER if driver is not None else Role.STRANGER
        if driver is not None:
            languages[telegram_id] = driver.language
    language = languages.get(telegram_id, state.settings.company.default_language)
    await set_role_menu(context.bot, state.translator, telegram_id, role, language)


async def on_staff_contact(update: Update, context: FerrymanContext) -> bool:
    """The contact an owner shares after "➕ …: contact"."""
    message, caller, state = update.effective_message, context.caller, context.state
    if message is None or message.contact is None or caller.pending is None:
        return False
    if not caller.is_owner:  # no longer an owner since the button was pressed
        await state.repos.pending.clear(caller.telegram_id, InputKind.STAFF_CONTACT)
        return False
    tr, language = state.translator, caller.language
    contact = message.contact
    if contact.user_id is None:
        await message.reply_text(tr.get(language, NO_TELEGRAM_ACCOUNT))
        return True
    role = _ROLES.get(str(caller.pending.data.get("role")), Role.ADMIN)
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    now = state.clock.now()
    added = await staff.add_staff(
        state.repos, role, contact.user_id, name, caller.telegram_id, now, via="contact"
    )
    await state.repos.pending.clear(caller.telegram_id, InputKind.STAFF_CONTACT)
    shown = name or str(contact.user_id)
    await message.reply_text(tr.get(language, ADDED[role] if added else ALREADY, name=shown))
    if added:
        log.info("owner %s added %s %s", caller.telegram_id, role.value, contact.user_id)
        await _menu_after_change(context, contact.user_id)
    return True


async def on_staff_start(update: Update, context: FerrymanContext) -> None:
    """/start staff_<token>: a one-time link from an owner."""
    message, user, caller, state = (
        update.effective_message,
        update.effective_user,
        context.caller,
        context.state,
    )
    if message is None or user is None:
        return
    tr, language = state.translator, caller.language
    payload = context.args[0] if context.args else ""
    outcome = await staff.accept_staff_link(
        state.repos, payload, user.id, user.full_name, state.clock.now()
    )
    if outcome.role is None:
        log.info("staff link refused for user %s: %s", user.id, outcome.problem)
        problem = outcome.problem or LinkProblem.UNKNOWN
        await message.reply_text(tr.get(language, LINK_PROBLEMS[problem]))
        return
    role = outcome.role
    await message.reply_text(tr.get(language, WELCOME[role], company=state.settings.company.name))
    if not outcome.added:
        return
    log.info("user %s became %s by a link", user.id, role.value)
    await _menu_after_change(context, user.id)
    inviter = outcome.invited_by
    if inviter is not None:
        # Said on the bot's own initiative (the owner did not ask just now): through the outbox.
        inviter_language = (await admin_languages(state)).get(
            inviter, state.settings.company.default_language
        )
        notice = Outgoing(
            chat_id=inviter,
            method=Method.SEND_MESSAGE,
            payload={"text": tr.get(inviter_language, LINK_USED[role], name=user.full_name)},
            key=f"staff.link_used:{payload}:{inviter}",
            priority=Priority.ALERT,
            purpose="alert.staff",
        )
        async with state.repos.db.transaction():
            await state.repos.outbox.add(notice)
        state.outbox.wake()


def register(app: FerrymanApp) -> None:
    # Before onboarding's /start: a staff link is not a driver invitation.
    staff_start = filters.Regex(rf"^/start(@\w+)?\s+{staff.STAFF_LINK_PREFIX}")
    add(app, CommandHandler("start", on_staff_start, filters=PRIVATE & NEW & staff_start))
    add(app, CommandHandler("admins", on_admins, filters=PRIVATE & NEW))
    # Anyone, in any chat: in a group it also gives the group's id.
    add(app, CommandHandler("whoami", on_whoami, filters=NEW))
    add(app, CallbackQueryHandler(on_staff_button, pattern=r"^staff:"))
    add_dialog(app, InputKind.STAFF_CONTACT, on_staff_contact)
